import { createPublicKey, generateKeyPair, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { jwtVerify, type JWK } from 'jose';
import { seconds, type EmulatorClock } from '../clock.js';

/**
 * What a service-account token is minted for. Defaults mirror the seed's manifests.
 *
 * @example
 * const jwt = emu.kubernetes.issueToken({ namespace: 'production', name: 'web', audience: 'infisical', expirationSeconds: 600 });
 */
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
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: JWK;
}

const generateRsa = promisify(generateKeyPair);

function keyPair(privateKey: KeyObject, publicKey: KeyObject): KeyPair {
  const kid = randomUUID();
  const jwk = { ...(createPublicKey(privateKey).export({ format: 'jwk' }) as JWK), kid, alg: 'RS256', use: 'sig' };
  return { kid, privateKey, publicKey, jwk };
}

// node:crypto rather than jose for keys and signing: signing must be synchronous so
// `emu.kubernetes.issueToken()` can return the token text directly. Key generation runs on
// the thread pool (RSA-2048 takes a few hundred ms on a busy machine).
async function newKeyPair(): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateRsa('rsa', { modulusLength: 2048 });
  return keyPair(privateKey, publicKey);
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

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
  #keys: KeyPair[];
  #foreign: KeyPair | undefined;

  private constructor(clock: EmulatorClock, issuer: string, key: KeyPair) {
    this.#clock = clock;
    this.issuer = issuer;
    this.#keys = [key];
  }

  static async create(clock: EmulatorClock, issuer = DEFAULT_ISSUER): Promise<ServiceAccountIssuer> {
    return new ServiceAccountIssuer(clock, issuer, await newKeyPair());
  }

  /** Made on first use: most runs never sign with an untrusted key. */
  #foreignKey(): KeyPair {
    if (!this.#foreign) {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      this.#foreign = keyPair(privateKey, publicKey);
    }
    return this.#foreign;
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

  /** A token shaped like the kubelet's projected ones (claims in the API server's order). */
  issue(options: IssueTokenOptions = {}): string {
    const namespace = options.namespace ?? 'default';
    const name = options.name ?? 'infisical-auth';
    const audience = options.audience ?? 'infisical';
    const now = seconds(this.#clock);
    const key = options.signedWith === 'foreign' ? this.#foreignKey() : this.#keys[0]!;
    const claims = {
      aud: Array.isArray(audience) ? audience : [audience],
      exp: now + (options.expirationSeconds ?? 3600),
      iat: now,
      iss: this.issuer,
      jti: randomUUID(),
      'kubernetes.io': {
        namespace,
        ...(options.podName || options.podUid ? { pod: { name: options.podName ?? `${name}-pod`, uid: options.podUid ?? randomUUID() } } : {}),
        serviceaccount: { name, uid: options.serviceAccountUid ?? this.accountUid(namespace, name) },
      },
      nbf: now,
      sub: `system:serviceaccount:${namespace}:${name}`,
    };
    const input = `${b64url({ alg: 'RS256', kid: key.kid })}.${b64url(claims)}`;
    return `${input}.${sign('sha256', Buffer.from(input), key.privateKey).toString('base64url')}`;
  }

  /** Verifies signature, issuer and lifetime against the emulator clock. Throws with a kube-apiserver-like reason. */
  async verify(token: string): Promise<ReviewedToken> {
    let lastError: unknown;
    for (const key of this.#keys) {
      try {
        const { payload } = await jwtVerify(token, key.publicKey, {
          issuer: this.issuer,
          algorithms: ['RS256'],
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
        if (code === 'ERR_JWT_EXPIRED') throw new Error('square/go-jose/jwt: validation failed, token is expired (exp)', { cause: error });
        if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
          const claim = (error as { claim?: string }).claim;
          const reason = claim === 'nbf' ? 'token not valid yet (nbf)' : claim === 'iss' ? 'invalid issuer claim (iss)' : `invalid ${claim} claim`;
          throw new Error(`square/go-jose/jwt: validation failed, ${reason}`, { cause: error });
        }
      }
    }
    const code = (lastError as { code?: string } | undefined)?.code;
    if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') throw new Error('square/go-jose: error in cryptographic primitive', { cause: lastError });
    throw new Error('token is not a valid JWT', { cause: lastError });
  }

  jwks(): { keys: JWK[] } {
    return { keys: this.#keys.map((k) => k.jwk) };
  }

  /** A new signing key; tokens signed by the old one no longer verify. */
  async rotateSigningKey(): Promise<void> {
    this.#keys = [await newKeyPair()];
  }
}
