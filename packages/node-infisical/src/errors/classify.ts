import { InfisicalApiError } from './errors.js';

function apiError(error: unknown): InfisicalApiError | undefined {
  return error instanceof InfisicalApiError ? error : undefined;
}

function matches(error: InfisicalApiError, fragments: readonly string[]): boolean {
  const message = error.serverMessage.toLowerCase();
  return fragments.some((fragment) => message.includes(fragment));
}

/**
 * The access token is no longer accepted and a fresh login fixes it: 403 `TokenError` (expired or
 * malformed JWT, the common case) or 401 on an authenticated call. Trusted-IP and RBAC refusals are
 * not token errors: logging in again would not help.
 *
 * @example
 * if (isTokenError(error)) await client.login({ kubernetesAuth: { identityId, jwt } });
 */
export function isTokenError(error: unknown): boolean {
  const e = apiError(error);
  if (!e) return false;
  if (e.status === 403) return e.serverError === 'TokenError';
  return e.status === 401;
}

const USE_LIMIT = ['usage limit reached', 'number of uses limit reached', 'cannot renew exhausted access token'];
/** The token's `accessTokenNumUsesLimit` is spent (current and classic server messages). */
export function isUseLimitError(error: unknown): boolean {
  const e = apiError(error);
  return !!e && (e.status === 401 || e.status === 400) && matches(e, USE_LIMIT);
}

const REVOKED = ['has been revoked', 'have been revoked', 'no identity access token found'];
/** The token, the identity's tokens or the auth method were revoked. */
export function isRevokedError(error: unknown): boolean {
  const e = apiError(error);
  return !!e && e.status === 401 && matches(e, REVOKED);
}

/** Refused by `accessTokenTrustedIps`: a new login from the same address will be refused too. */
export function isTrustedIpError(error: unknown): boolean {
  const e = apiError(error);
  return !!e && e.status === 403 && matches(e, ['current ip address']);
}

const RENEW_REFUSED = ['max ttl', 'cannot renew', 'failed to renew', 'exceeded max age', 'only identity access tokens', 'not an identity access token'];
/** A renewal the server will not grant (max TTL budget spent, classic rule, exhausted, revoked): log in instead. */
export function isRenewRefusedError(error: unknown): boolean {
  const e = apiError(error);
  if (!e) return false;
  if (e.status === 403 && e.serverError === 'TokenError') return true;
  return (e.status === 401 || e.status === 400) && (matches(e, RENEW_REFUSED) || isRevokedError(e) || isUseLimitError(e));
}
