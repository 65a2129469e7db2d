/**
 * The classifiers against every message the contract lists (current and classic servers), including
 * the ones the emulator does not produce. Errors are built as the transport builds them.
 */
import { describe, expect, it } from 'vitest';
import {
  InfisicalApiError,
  InfisicalResponseError,
  isProjectNotFoundError,
  isRenewRefusedError,
  isRevokedError,
  isRouteNotFoundError,
  isTokenError,
  isTrustedIpError,
  isUseLimitError,
} from 'node-infisical';

const api = (status: number, serverMessage: string, serverError?: string) =>
  new InfisicalApiError({ status, serverError, serverMessage, reqId: undefined, method: 'POST', path: '/api/v1/auth/token/renew', retryAfter: undefined });

const html = (status: number, htmlPage: boolean) => new InfisicalResponseError(status, 'POST', '/api/v1/events/subscribe/project-events', 'x', { htmlPage });

describe('Function: classifiers', () => {
  it.each([
    [401, 'Failed to authorize: token usage limit reached'],
    [401, 'Unable to renew because access token number of uses limit reached'],
    [400, 'Unable to renew because access token number of uses limit reached'],
    [401, 'Cannot renew exhausted access token'],
  ])('isUseLimitError: %i %s', (status, message) => {
    expect(isUseLimitError(api(status, message))).toBe(true);
    expect(isRenewRefusedError(api(status, message))).toBe(true);
  });

  it.each([
    'Failed to authorize: token has been revoked',
    'Failed to authorize: identity tokens have been revoked',
    'Failed to authorize: auth method has been revoked',
    'Cannot renew: token has been revoked',
    'No identity access token found',
  ])('isRevokedError: 401 %s', (message) => {
    expect(isRevokedError(api(401, message))).toBe(true);
    expect(isTokenError(api(401, message))).toBe(true);
  });

  it.each([
    [401, 'Cannot renew: identity access token has reached its max TTL'],
    [401, 'Failed to renew MI access token past its Max TTL expiration'],
    [401, 'Failed to renew MI access token due to Max TTL expiration'],
    [401, 'Failed to renew MI access token due to TTL expiration'],
    [401, 'Identity access token exceeded max age, please re-authenticate'],
    [400, 'Token is not an identity access token'],
    [400, 'Only identity access tokens can be renewed'],
  ])('isRenewRefusedError: %i %s', (status, message) => {
    expect(isRenewRefusedError(api(status, message))).toBe(true);
  });

  it('isTokenError: 403 TokenError yes; trusted IPs and RBAC no', () => {
    expect(isTokenError(api(403, 'Your token has expired. Please re-authenticate.', 'TokenError'))).toBe(true);
    const ip = api(403, 'You are not allowed to access this resource from the current IP address', 'ForbiddenError');
    expect(isTokenError(ip)).toBe(false);
    expect(isTrustedIpError(ip)).toBe(true);
    expect(isTokenError(api(403, 'You are not allowed to read on secrets', 'PermissionDenied'))).toBe(false);
  });

  it('nothing but InfisicalApiError is classified', () => {
    for (const value of [new Error('Failed to authorize: token usage limit reached'), undefined, 'token has been revoked', { status: 401 }]) {
      expect([isTokenError, isUseLimitError, isRevokedError, isTrustedIpError, isRenewRefusedError].map((f) => f(value))).toEqual([false, false, false, false, false]);
    }
  });

  it('a 500 is none of them', () => {
    const e = api(500, 'Something went wrong', 'InternalServerError');
    expect([isTokenError, isUseLimitError, isRevokedError, isTrustedIpError, isRenewRefusedError].map((f) => f(e))).toEqual([false, false, false, false, false]);
  });

  it.each([
    [404, 'Route GET:/api/v4/secrets?projectId=p&environment=prod&secretPath=%2F not found', true],
    [404, 'Route POST:/api/v1/events/subscribe/project-events not found', true],
    [404, 'Route DELETE:/api/v4/secrets/KEY not found', true],
    [404, "Secret with name 'KEY' not found", false],
    [404, 'Route not found', false],
    [400, 'Route GET:/api/v4/secrets not found', false],
  ] as const)('isRouteNotFoundError: %i %s → %s', (status, message, expected) => {
    expect(isRouteNotFoundError(api(status, message, 'Not Found'))).toBe(expected);
  });

  it('isRouteNotFoundError: a 404 HTML page (standalone mode) yes; other HTML or bad bodies no', () => {
    expect(isRouteNotFoundError(html(404, true))).toBe(true);
    expect(isRouteNotFoundError(html(404, false))).toBe(false);
    expect(isRouteNotFoundError(html(502, true))).toBe(false);
  });

  it.each([
    // Current server: backend/src/services/project-bot/project-bot-fns.ts (getBotKeyFn, reached first by the list and single-read paths).
    [404, "Project with ID 'p-404' not found during bot lookup. Are you sure you are using the correct project ID?", true],
    // October 2024 server: same file, before the ID was added to the text.
    [404, 'Project not found during bot lookup. Are you sure you are using the correct project ID?', true],
    // Older servers answered 400 BadRequest.
    [400, 'Project not found during bot lookup.', true],
    // The emulator's wording (and the service-token path of current servers).
    [404, "Project with ID 'p-404' not found", true],
    [404, "Project bot not found for project with ID 'p'. Please ask an administrator to log-in to the Infisical Console.", false],
    [404, "Secret with name 'KEY' not found", false],
    [403, "Project with ID 'p' not found", false],
  ] as const)('isProjectNotFoundError: %i %s → %s', (status, message, expected) => {
    expect(isProjectNotFoundError(api(status, message, 'NotFound'))).toBe(expected);
  });
});
