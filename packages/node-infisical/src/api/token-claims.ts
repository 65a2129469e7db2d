/**
 * The claims of a JWT that matter to a client, read without verifying (the server does that): an Infisical access
 * token's lifetime and limits, a Kubernetes service-account token's namespace, name and audiences. The one decoder
 * of the workspace; the token itself is never kept.
 *
 * @example
 * const claims = readTokenClaims(accessToken);
 * if (claims?.exp !== undefined) console.log('expires at', new Date(claims.exp * 1000));
 */
export interface TokenClaims {
  /** Expiry, epoch seconds (on the issuer's clock). */
  exp?: number;
  /** Issued at, epoch seconds (on the issuer's clock). */
  iat?: number;
  jti?: string;
  /** `aud`, always as a list (a service-account token may carry one string). */
  audiences?: string[];
  /** Infisical access tokens: the auth method's TTL and max TTL, in seconds. */
  accessTokenTTL?: number;
  accessTokenMaxTTL?: number;
  /** Infisical access tokens: when the lineage's first login happened, epoch seconds. */
  creationEpoch?: number;
  /** Infisical access tokens: `accessTokenNumUsesLimit`, 0 = unlimited. */
  numUsesLimit?: number;
  /** Infisical access tokens: the lineage's id, shared by a login's token and its renewals. */
  identityAccessTokenId?: string;
  /** Kubernetes service-account tokens: `kubernetes.io.namespace`, else the third part of `sub`. */
  namespace?: string;
  /** Kubernetes service-account tokens: `kubernetes.io.serviceaccount.name`, else the fourth part of `sub`. */
  serviceAccount?: string;
}

const NUMBERS = ['exp', 'iat', 'accessTokenTTL', 'accessTokenMaxTTL', 'creationEpoch', 'numUsesLimit'] as const;
const STRINGS = ['jti', 'identityAccessTokenId'] as const;

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/**
 * A JWT's payload as it stands, every claim untyped; undefined when it is not a JWT with a JSON object payload.
 * `readTokenClaims` reads the claims a client needs from it.
 *
 * @example
 * 'kubernetes.io' in (readTokenPayload(value) ?? {}); // a service-account token?
 */
export function readTokenPayload(token: string): Record<string, unknown> | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    return claims !== null && typeof claims === 'object' ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function kubernetesClaims(c: Record<string, unknown>, out: TokenClaims): void {
  const k8s = (c['kubernetes.io'] ?? {}) as { namespace?: unknown; serviceaccount?: { name?: unknown } };
  const sub = typeof c.sub === 'string' ? c.sub.split(':') : [];
  const namespace = str(k8s.namespace) ?? sub[2];
  const serviceAccount = str(k8s.serviceaccount?.name) ?? sub[3];
  if (namespace !== undefined) out.namespace = namespace;
  if (serviceAccount !== undefined) out.serviceAccount = serviceAccount;
  if (c.aud !== undefined) out.audiences = Array.isArray(c.aud) ? c.aud.map(String) : [String(c.aud)];
}

/**
 * Decodes a JWT's payload; undefined when it is not a JWT with a JSON object payload. Claims of the wrong type are
 * left out.
 *
 * @example
 * readTokenClaims(readFileSync('/var/run/secrets/infisical/token', 'utf8'))?.namespace; // 'default'
 */
export function readTokenClaims(token: string): TokenClaims | undefined {
  const c = readTokenPayload(token);
  if (!c) return undefined;
  const out: TokenClaims = {};
  for (const key of NUMBERS) {
    const value = num(c[key]);
    if (value !== undefined) out[key] = value;
  }
  for (const key of STRINGS) {
    const value = str(c[key]);
    if (value !== undefined) out[key] = value;
  }
  kubernetesClaims(c, out);
  return out;
}
