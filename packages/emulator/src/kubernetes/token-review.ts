/**
 * The rules kube-apiserver applies when it authenticates a service-account token (pkg/serviceaccount
 * jwt.go and claims.go, apiserver's serviceaccount/util.go), kept apart from key handling so each
 * rule can be read against its upstream counterpart.
 */

/** go-jose's `jwt.DefaultLeeway`: the API server accepts a token this long past `exp` (and before `nbf`/`iat`). */
export const LEEWAY_MS = 60_000;

/** What a reviewed token says about its account, as TokenReview reports it. */
export interface ReviewedToken {
  namespace: string;
  name: string;
  uid: string;
  /** The token's audiences that are also requested (in the token's order). */
  audiences: string[];
  /** `user.extra`: credential id, and pod and node for pod-bound tokens. Empty when the token carries none. */
  extra: Record<string, string[]>;
}

/**
 * A token the API server does not authenticate. `reason` is the service-account authenticator's text;
 * without one no authenticator recognised the token (not a JWT, or another issuer).
 */
export class TokenRejected extends Error {
  readonly reason: string | undefined;

  constructor(reason?: string) {
    super(reason ?? 'token not recognised');
    this.name = 'TokenRejected';
    this.reason = reason;
  }

  /**
   * The text of `status.error`. kube-apiserver puts its loopback token authenticator in front of the
   * configured ones; that one always says `invalid bearer token`, and the aggregate drops duplicates.
   */
  statusError(): string {
    return this.reason ? `[invalid bearer token, ${this.reason}]` : 'invalid bearer token';
  }
}

interface KubernetesClaims {
  namespace: string;
  serviceaccount: { name: string; uid: string };
  pod?: { name?: string; uid?: string };
  node?: { name?: string; uid?: string };
}

export interface TokenClaims {
  aud: string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  'kubernetes.io': KubernetesClaims;
}

export interface ParsedToken {
  /** The JWS header's `alg`. */
  alg: string;
  signingInput: string;
  signature: Buffer;
  claims: TokenClaims;
}

const decodeJson = (part: string): unknown => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

const asNumber = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const asString = (value: unknown): string => (typeof value === 'string' ? value : '');

/** Reads an unverified token; anything that is not a compact JWT of this issuer is not recognised at all. */
export function readClaims(token: string, issuer: string): ParsedToken {
  if (token.trim().startsWith('{')) throw new TokenRejected();
  const parts = token.split('.');
  if (parts.length !== 3) throw new TokenRejected();
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    header = decodeJson(parts[0]!) as Record<string, unknown>;
    payload = decodeJson(parts[1]!) as Record<string, unknown>;
  } catch {
    throw new TokenRejected();
  }
  if (!payload || typeof payload !== 'object' || payload.iss !== issuer) throw new TokenRejected();
  const aud = payload.aud;
  const k8s = (payload['kubernetes.io'] ?? {}) as Record<string, unknown>;
  const account = (k8s.serviceaccount ?? {}) as Record<string, unknown>;
  const ref = (value: unknown) => (value && typeof value === 'object' ? { name: asString((value as Record<string, unknown>).name), uid: asString((value as Record<string, unknown>).uid) } : undefined);
  const pod = ref(k8s.pod);
  const node = ref(k8s.node);
  return {
    alg: asString(header?.alg),
    signingInput: `${parts[0]}.${parts[1]}`,
    signature: Buffer.from(parts[2]!, 'base64url'),
    claims: {
      aud: typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [],
      ...(asNumber(payload.exp) !== undefined ? { exp: asNumber(payload.exp)! } : {}),
      ...(asNumber(payload.nbf) !== undefined ? { nbf: asNumber(payload.nbf)! } : {}),
      ...(asNumber(payload.iat) !== undefined ? { iat: asNumber(payload.iat)! } : {}),
      ...(typeof payload.jti === 'string' ? { jti: payload.jti } : {}),
      'kubernetes.io': {
        namespace: asString(k8s.namespace),
        serviceaccount: { name: asString(account.name), uid: asString(account.uid) },
        ...(pod ? { pod } : {}),
        ...(node ? { node } : {}),
      },
    },
  };
}

/** Go's `%q` of a string slice: `["a" "b"]`. */
const goQuote = (values: readonly string[]): string => `[${values.map((v) => JSON.stringify(v)).join(' ')}]`;

/**
 * jwt.go: a token without audiences counts as the API server's own; a review without audiences asks
 * for the API server's own; the answer is the intersection, and an empty one is refused.
 */
export function checkAudiences(tokenAudiences: readonly string[], requested: readonly string[], apiAudiences: readonly string[]): string[] {
  const token = tokenAudiences.length > 0 ? tokenAudiences : apiAudiences;
  const wanted = requested.length > 0 ? requested : apiAudiences;
  const matched = token.filter((a) => wanted.includes(a));
  if (matched.length === 0 && apiAudiences.length > 0) {
    throw new TokenRejected(`token audiences ${goQuote(token)} is invalid for the target audiences ${goQuote(wanted)}`);
  }
  return matched;
}

/** claims.go on top of go-jose's `Claims.Validate`: nbf, exp, iat, each with a minute's leeway. */
export function checkLifetime(claims: Pick<TokenClaims, 'exp' | 'nbf' | 'iat'>, nowMs: number): void {
  if (claims.nbf !== undefined && nowMs + LEEWAY_MS < claims.nbf * 1000) throw new TokenRejected('service account token is not valid yet');
  if (claims.exp !== undefined && nowMs - LEEWAY_MS > claims.exp * 1000) throw new TokenRejected('service account token has expired');
  if (claims.iat !== undefined && nowMs + LEEWAY_MS < claims.iat * 1000) throw new TokenRejected('service account token is issued in the future');
}

/**
 * `ServiceAccountInfo.UserInfo()`: the JTI as credential id (ServiceAccountTokenJTI, on since 1.30),
 * pod name and uid when both are bound, and the node of a pod-bound token (ServiceAccountTokenPodNodeInfo).
 * Keys sorted, as Go encodes a map.
 */
export function userExtra(claims: TokenClaims): Record<string, string[]> {
  const extra: Record<string, string[]> = {};
  const { pod, node } = claims['kubernetes.io'];
  if (claims.jti) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${claims.jti}`];
  if (pod && node?.name) {
    extra['authentication.kubernetes.io/node-name'] = [node.name];
    if (node.uid) extra['authentication.kubernetes.io/node-uid'] = [node.uid];
  }
  if (pod?.name && pod.uid) {
    extra['authentication.kubernetes.io/pod-name'] = [pod.name];
    extra['authentication.kubernetes.io/pod-uid'] = [pod.uid];
  }
  return extra;
}
