import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, jwtVerify, type CryptoKey, type JWK } from 'jose';
import { seconds, type EmulatorClock } from '../clock.js';

/** What a service-account token is minted for. Defaults mirror the seed's manifests. */
export interface IssueTokenOptions {
  /** Default `default`. */
  namespace?: string;
  /** Service account; default `infisical-auth`. */
  name?: string;
  /** Default `infisical`. */
  audience?: string | string[];
  /** Lifetime; default 3600. */
  expirationSeconds?: number;
  podName?: string;
  podUid?: string;
  serviceAccountUid?: string;
  /** `foreign`: signed by a key the cluster does not trust. */
  signedWith?: 'cluster' | 'foreign';
}

export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

interface KeyPair {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

async function newKeyPair(): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return { kid, privateKey, publicKey, jwk };
}

export interface ReviewedToken {
  namespace: string;
  name: string;
  uid: string;
  audiences: string[];
}

/** The cluster's service-account token issuer: RS256 keys, kubelet-shaped projected tokens, verification. */
export class ServiceAccountIssuer {
  readonly issuer: string;
  readonly #clock: EmulatorClock;
  readonly #accountUids = new Map<string, string>();
  #keys: KeyPair[] = [];
  #foreign!: KeyPair;

  private constructor(clock: EmulatorClock, issuer: string) {
    this.#clock = clock;
    this.issuer = issuer;
  }

  static async create(clock: EmulatorClock, issuer = DEFAULT_ISSUER): Promise<ServiceAccountIssuer> {
    const self = new ServiceAccountIssuer(clock, issuer);
    self.#keys = [await newKeyPair()];
    self.#foreign = await newKeyPair();
    return self;
  }

  /** A stable uid per service account, as the API server keeps one. */
  accountUid(namespace: string, name: string): string {
    const key = `${namespace}/${name}`;
    let uid = this.#accountUids.get(key);
    if (!uid) {
      uid = randomUUID();
      this.#accountUids.set(key, uid);
    }
    return uid;
  }

  async issue(options: IssueTokenOptions = {}): Promise<string> {
    const namespace = options.namespace ?? 'default';
    const name = options.name ?? 'infisical-auth';
    const audience = options.audience ?? 'infisical';
    const now = seconds(this.#clock);
    const key = options.signedWith === 'foreign' ? this.#foreign : this.#keys[0]!;
    const claims: Record<string, unknown> = {
      'kubernetes.io': {
        namespace,
        serviceaccount: { name, uid: options.serviceAccountUid ?? this.accountUid(namespace, name) },
        ...(options.podName || options.podUid ? { pod: { name: options.podName ?? `${name}-pod`, uid: options.podUid ?? randomUUID() } } : {}),
      },
    };
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .setIssuer(this.issuer)
      .setSubject(`system:serviceaccount:${namespace}:${name}`)
      .setAudience(Array.isArray(audience) ? audience : [audience])
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + (options.expirationSeconds ?? 3600))
      .setJti(randomUUID())
      .sign(key.privateKey);
  }

  /** Verifies signature, issuer and lifetime against the emulator clock. Throws with a kube-apiserver-like reason. */
  async verify(token: string): Promise<ReviewedToken> {
    let lastError: unknown;
    for (const key of this.#keys) {
      try {
        const { payload } = await jwtVerify(token, key.publicKey, {
          issuer: this.issuer,
          currentDate: new Date(this.#clock.now()),
          clockTolerance: 0,
        });
        const sub = String(payload.sub ?? '');
        const parts = sub.split(':');
        const k8s = (payload['kubernetes.io'] ?? {}) as { namespace?: string; serviceaccount?: { name?: string; uid?: string } };
        const aud = payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
        return {
          namespace: k8s.namespace ?? parts[2] ?? '',
          name: k8s.serviceaccount?.name ?? parts[3] ?? '',
          uid: k8s.serviceaccount?.uid ?? '',
          audiences: aud,
        };
      } catch (error) {
        lastError = error;
        const code = (error as { code?: string }).code;
        if (code === 'ERR_JWT_EXPIRED') throw new Error('square/go-jose/jwt: validation failed, token is expired (exp)');
        if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') throw new Error('square/go-jose/jwt: validation failed, invalid issuer claim (iss)');
      }
    }
    const code = (lastError as { code?: string } | undefined)?.code;
    if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' || code === 'ERR_JWKS_NO_MATCHING_KEY') throw new Error('square/go-jose: error in cryptographic primitive');
    throw new Error('token is not a valid JWT');
  }

  jwks(): { keys: JWK[] } {
    return { keys: this.#keys.map((k) => k.jwk) };
  }

  /** A new signing key; tokens signed by the old one no longer verify. */
  async rotateSigningKey(): Promise<void> {
    this.#keys = [await newKeyPair()];
  }
}
