/** What core knows of the access token: times and limits, decoded locally from the JWT and the login answer. */
export interface AccessTokenInfo {
  /** Epoch ms at which the JWT stops being accepted. */
  expiresAt: number;
  /** Epoch ms past which no renewal can extend it (0 = no max TTL). */
  maxExpiresAt: number;
  /** The auth method's TTL in ms (0 = none). */
  ttlMs: number;
  /** `accessTokenNumUsesLimit`, 0 = unlimited. */
  usesLimit: number;
  /** Epoch ms of the lineage's first login. */
  createdAt: number;
}

function claims(accessToken: string): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/**
 * Schedules from the JWT's own `exp` when present: current servers cap it below `expiresIn`
 * (the 90-day ceiling, the remaining max-TTL budget).
 */
export function describeAccessToken(accessToken: string, response: { expiresIn: number; accessTokenMaxTTL: number }, now: number, lineageCreatedAt?: number): AccessTokenInfo {
  const c = claims(accessToken);
  const createdAt = typeof c.creationEpoch === 'number' ? c.creationEpoch * 1000 : (lineageCreatedAt ?? now);
  const ttlMs = (typeof c.accessTokenTTL === 'number' ? c.accessTokenTTL : response.expiresIn) * 1000;
  const maxTtlMs = (typeof c.accessTokenMaxTTL === 'number' ? c.accessTokenMaxTTL : response.accessTokenMaxTTL) * 1000;
  const fromExp = typeof c.exp === 'number' ? c.exp * 1000 : undefined;
  const fromResponse = response.expiresIn > 0 ? now + response.expiresIn * 1000 : undefined;
  const expiresAt = fromExp ?? fromResponse ?? Number.POSITIVE_INFINITY;
  return {
    expiresAt,
    maxExpiresAt: maxTtlMs > 0 ? createdAt + maxTtlMs : 0,
    ttlMs,
    usesLimit: typeof c.numUsesLimit === 'number' ? c.numUsesLimit : 0,
    createdAt,
  };
}
