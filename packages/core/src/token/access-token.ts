import { readTokenClaims, type TokenClaims } from 'node-infisical';

/**
 * What core knows of the access token: times and limits, decoded locally from the JWT and the login answer.
 * Every time is on the pod's clock, measured from when the request left: the server's own lifetime
 * (`expiresIn`, `exp - iat`) is added to it, never the server's absolute `exp` compared with the pod's clock.
 */
export interface AccessTokenInfo {
  /** Epoch ms (pod clock) at which the JWT stops being accepted; Infinity when it never expires. */
  expiresAt: number;
  /** Epoch ms (pod clock) past which no renewal can extend it (0 = no max TTL). */
  maxExpiresAt: number;
  /** The auth method's TTL in ms (0 = none). */
  ttlMs: number;
  /** `accessTokenNumUsesLimit`, 0 = unlimited. */
  usesLimit: number;
  /** Epoch ms (pod clock) of the lineage's first login. */
  createdAt: number;
  /** The lineage's id (`identityAccessTokenId` / `jti`), shared by a login's token and its renewals. */
  lineage: string | undefined;
  /**
   * How far the JWT's absolute `exp` lies in the pod clock's past when the answer arrived (ms), when it does:
   * the pod's clock is ahead of Infisical's by more than the lifetime, or a proxy handed back a stale answer.
   */
  expiredByPodClockMs: number | undefined;
  /** The server's own numbers give the token no life at all (`exp <= iat`, or a negative `expiresIn` and no `exp`). */
  deadOnArrival: boolean;
}


/**
 * The token's lifetime in ms as the server states it, or Infinity:
 * - the smaller of `expiresIn` (when > 0) and `exp - iat` (when both claims are present): current servers cap `exp`
 *   at 90 days and at the max-TTL budget while `expiresIn` still says the configured TTL, and say `expiresIn: 0`
 *   for a TTL of 0 although the JWT still carries an `exp`;
 * - `exp` without `iat` (no server we know sends that): `exp` against the pod clock, the only reading left;
 * - `expiresIn <= 0` and no `exp`: a classic token with a TTL of 0, which never expires (Infinity), except that a
 *   negative `expiresIn` is nonsense and reads as no life at all (0).
 */
export function lifetimeMs(c: TokenClaims, expiresIn: number, sentAt: number): number {
  const { exp, iat } = c;
  const candidates: number[] = [];
  if (Number.isFinite(expiresIn) && expiresIn > 0) candidates.push(expiresIn * 1000);
  if (exp !== undefined && iat !== undefined) candidates.push((exp - iat) * 1000);
  else if (exp !== undefined) candidates.push(exp * 1000 - sentAt);
  if (candidates.length > 0) return Math.max(0, Math.min(...candidates));
  return expiresIn < 0 ? 0 : Number.POSITIVE_INFINITY;
}

/**
 * Describes a token a login or renewal just returned. `sentAt` is the pod-clock time the request left: the
 * server issued the token after that, so lifetimes counted from it err on the early side. `lineageCreatedAt`
 * carries the first login's time through renewals for tokens without a `creationEpoch` claim (classic).
 */
export function describeAccessToken(accessToken: string, response: { expiresIn: number; accessTokenMaxTTL: number }, sentAt: number, lineageCreatedAt?: number): AccessTokenInfo {
  const c = readTokenClaims(accessToken) ?? {};
  const { iat, exp, creationEpoch } = c;
  const lifetime = lifetimeMs(c, response.expiresIn, sentAt);
  const expiresAt = sentAt + lifetime;
  // Age of the lineage by the server's own clock (iat and creationEpoch are both its), carried onto the pod's.
  const createdAt = creationEpoch !== undefined && iat !== undefined ? sentAt - Math.max(0, iat - creationEpoch) * 1000 : (lineageCreatedAt ?? sentAt);
  const ttlMs = (c.accessTokenTTL ?? (response.expiresIn > 0 ? response.expiresIn : 0)) * 1000;
  const maxTtlMs = (c.accessTokenMaxTTL ?? Math.max(0, response.accessTokenMaxTTL)) * 1000;
  const lineage = c.identityAccessTokenId ?? c.jti;
  const overdue = exp !== undefined ? sentAt - exp * 1000 : undefined;
  return {
    expiresAt,
    maxExpiresAt: maxTtlMs > 0 ? createdAt + maxTtlMs : 0,
    ttlMs,
    usesLimit: c.numUsesLimit ?? 0,
    createdAt,
    lineage,
    expiredByPodClockMs: overdue !== undefined && overdue >= 0 ? overdue : undefined,
    deadOnArrival: lifetime <= 0,
  };
}
