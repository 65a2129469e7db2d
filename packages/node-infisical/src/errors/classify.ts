import { InfisicalApiError, InfisicalResponseError } from './errors.js';
import type { InfisicalApiErrorReason } from './reason.js';

/** Every predicate reads the error's `reason` (and status); none matches the server's text again. */
function apiError(error: unknown): InfisicalApiError | undefined {
  return error instanceof InfisicalApiError ? error : undefined;
}

const CLIENT_ERROR = new Set([400, 401]);
const RENEW_REFUSED = new Set<InfisicalApiErrorReason>(['renew-refused', 'revoked', 'use-limit']);

/**
 * The access token is no longer accepted: 403 `TokenError` (expired or malformed JWT, the common
 * case) or any 401. Trusted-IP and RBAC refusals (403 `ForbiddenError`, `PermissionDenied`) are not
 * token errors: logging in again would not help.
 *
 * @example
 * if (isTokenError(error)) await client.login({ kubernetesAuth: { identityId, jwt: readFileSync(tokenPath, 'utf8') } });
 */
export function isTokenError(error: unknown): boolean {
  const e = apiError(error);
  if (!e) return false;
  return e.reason === 'token-expired' || e.status === 401;
}

/**
 * The token's `accessTokenNumUsesLimit` is spent (current: 401 `Failed to authorize: token usage limit
 * reached`; classic: `Unable to renew because access token number of uses limit reached`, 401 or 400).
 *
 * @example
 * if (isUseLimitError(error)) await client.login(credentials);
 */
export function isUseLimitError(error: unknown): boolean {
  const e = apiError(error);
  return !!e && CLIENT_ERROR.has(e.status) && e.reason === 'use-limit';
}

/**
 * The token, the identity's tokens or the auth method were revoked (401).
 *
 * @example
 * if (isRevokedError(error)) await client.login(credentials);
 */
export function isRevokedError(error: unknown): boolean {
  return apiError(error)?.reason === 'revoked';
}

/**
 * Refused by `accessTokenTrustedIps` (403 `You are not allowed to access this resource from the
 * current IP address`): a new login from the same address will be refused too.
 *
 * @example
 * if (isTrustedIpError(error)) console.error('add this address to accessTokenTrustedIps');
 */
export function isTrustedIpError(error: unknown): boolean {
  return apiError(error)?.reason === 'trusted-ip';
}

/**
 * A renewal the server will not grant (expired JWT, max-TTL budget spent, the classic rule, use limit,
 * revocation): log in instead.
 *
 * @example
 * try { await client.auth.renew(); } catch (error) { if (isRenewRefusedError(error)) await client.login(credentials); else throw error; }
 */
export function isRenewRefusedError(error: unknown): boolean {
  const e = apiError(error);
  if (!e) return false;
  return e.reason === 'token-expired' || (CLIENT_ERROR.has(e.status) && RENEW_REFUSED.has(e.reason));
}

/** The router's JSON 404 only (no HTML page): proof that the API itself answered. */
export function isRouterJson404(error: unknown): boolean {
  return apiError(error)?.reason === 'route-not-found';
}

/** A 404 HTML page: what a standalone-mode server (API and web app in one process) answers for an API path it lacks. */
export function isHtml404(error: unknown): boolean {
  return error instanceof InfisicalResponseError && error.status === 404 && error.htmlPage;
}

/**
 * The server has no such route: an older Infisical release. Either the router's JSON 404
 * (`Route <METHOD>:<url> not found`), or, on a server in standalone mode (the official Docker image
 * of 2024, `STANDALONE_MODE=true`, where a catch-all hands unknown paths to the web app), a 404 HTML
 * page. The secrets API switches to `/api/v3/secrets/raw` by itself; for the event subscription it
 * means "poll instead", like the plan refusal.
 *
 * @example
 * catch (error) { if (isRouteNotFoundError(error)) startPolling(); else throw error; }
 */
export function isRouteNotFoundError(error: unknown): boolean {
  return isRouterJson404(error) || isHtml404(error);
}

/**
 * The project ID names no project. Current servers: 404 `Project with ID '<id>' not found during bot
 * lookup. Are you sure you are using the correct project ID?`; October 2024: 404 `Project not found
 * during bot lookup. ...`; older: 400 `Project not found during bot lookup.` (all from the secrets
 * list and single-read paths, which look the project up before checking permissions).
 *
 * @example
 * catch (error) { if (isProjectNotFoundError(error)) console.error('check projectId'); }
 */
export function isProjectNotFoundError(error: unknown): boolean {
  return apiError(error)?.reason === 'project-not-found';
}
