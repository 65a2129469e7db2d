import { createPublicKey, generateKeyPair, generateKeyPairSync, randomUUID, sign, verify as verifySignature, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { JWK } from 'jose';
import { seconds, type EmulatorClock } from '../clock.js';
import { TokenRejected, checkAudiences, checkLifetime, readClaims, userExtra, type ReviewedToken } from './token-review.js';

export type { ReviewedToken } from './token-review.js';

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
  /** Binds the token to a pod (its name and uid land in the reviewed user's `extra`). */
  podName?: string;
  podUid?: string;
  /** The pod's node, carried by pod-bound tokens as the kubelet's are (default `infisical-k8s-emulator-node`). */
  nodeName?: string;
  nodeUid?: string;
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

const DEFAULT_NODE = 'infisical-k8s-emulator-node';

/** The cluster's service-account token issuer: RS256 keys, kubelet-shaped projected tokens, verification. */
export class ServiceAccountIssuer {
  readonly issuer: string;
  readonly #clock: EmulatorClock;
  readonly #accountUids = new Map<string, string>();
  readonly #nodeUids = new Map<string, string>();
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

  #nodeUid(name: string): string {
    let uid = this.#nodeUids.get(name);
    if (!uid) {
      uid = randomUUID();
      this.#nodeUids.set(name, uid);
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
    const podBound = Boolean(options.podName || options.podUid);
    const nodeName = options.nodeName ?? DEFAULT_NODE;
    // go-jose merges claims through a map, so keys come out sorted: namespace, node, pod, serviceaccount.
    const claims = {
      aud: Array.isArray(audience) ? audience : [audience],
      exp: now + (options.expirationSeconds ?? 3600),
      iat: now,
      iss: this.issuer,
      jti: randomUUID(),
      'kubernetes.io': {
        namespace,
        // Since Kubernetes 1.30 (ServiceAccountTokenPodNodeInfo) a pod-bound token names the pod's node too.
        ...(podBound ? { node: { name: nodeName, uid: options.nodeUid ?? this.#nodeUid(nodeName) } } : {}),
        ...(podBound ? { pod: { name: options.podName ?? `${name}-pod`, uid: options.podUid ?? randomUUID() } } : {}),
        serviceaccount: { name, uid: options.serviceAccountUid ?? this.accountUid(namespace, name) },
      },
      nbf: now,
      sub: `system:serviceaccount:${namespace}:${name}`,
    };
    const input = `${b64url({ alg: 'RS256', kid: key.kid })}.${b64url(claims)}`;
    return `${input}.${sign('sha256', Buffer.from(input), key.privateKey).toString('base64url')}`;
  }

  /**
   * Authenticates a token as kube-apiserver's service-account authenticator does, in its order: issuer
   * (a token of another issuer, or not a JWT, is simply not recognised), signature, audiences (the
   * requested ones, else the API server's own), then lifetime with go-jose's 60 s leeway. Throws
   * {@link TokenRejected}; its `reason` is the authenticator's own text.
   */
  verify(token: string, requestedAudiences: readonly string[], apiAudiences: readonly string[]): ReviewedToken {
    const parsed = readClaims(token, this.issuer);
    const signed = parsed.alg === 'RS256' && this.#keys.some((key) => verifySignature('sha256', Buffer.from(parsed.signingInput), key.publicKey, parsed.signature));
    if (!signed) throw new TokenRejected('square/go-jose: error in cryptographic primitive');
    const { claims } = parsed;
    const audiences = checkAudiences(claims.aud, requestedAudiences, apiAudiences);
    checkLifetime(claims, this.#clock.now());
    const k8s = claims['kubernetes.io'];
    return {
      namespace: k8s.namespace,
      name: k8s.serviceaccount.name,
      uid: k8s.serviceaccount.uid,
      audiences,
      extra: userExtra(claims),
    };
  }

  jwks(): { keys: JWK[] } {
    return { keys: this.#keys.map((k) => k.jwk) };
  }

  /** A new signing key; tokens signed by the old one no longer verify. */
  async rotateSigningKey(): Promise<void> {
    this.#keys = [await newKeyPair()];
  }
}
