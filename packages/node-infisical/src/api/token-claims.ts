/** The claims of an Infisical access token that matter to a client; read without verifying (the server does that). */
export interface TokenClaims {
  exp?: number;
  iat?: number;
  accessTokenTTL?: number;
  accessTokenMaxTTL?: number;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function readTokenClaims(token: string): TokenClaims | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    if (claims === null || typeof claims !== 'object') return undefined;
    const c = claims as Record<string, unknown>;
    const out: TokenClaims = {};
    for (const key of ['exp', 'iat', 'accessTokenTTL', 'accessTokenMaxTTL'] as const) {
      const value = num(c[key]);
      if (value !== undefined) out[key] = value;
    }
    return out;
  } catch {
    return undefined;
  }
}
