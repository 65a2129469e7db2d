/**
 * `InfisicalApiError.reason`: every answer the contract lists, read once from status, `error` name and message.
 * Errors are built as the transport builds them.
 */
import { describe, expect, it } from 'vitest';
import { InfisicalApiError, type InfisicalApiErrorReason } from 'node-infisical';

const api = (status: number, serverMessage: string, serverError?: string, method = 'POST') =>
  new InfisicalApiError({ status, serverError, serverMessage, reqId: undefined, method, path: '/api/v1/auth/kubernetes-auth/login', retryAfter: undefined });

describe('Class: InfisicalApiError', () => {
  describe('Property: reason', () => {
    it.each<[number, string | undefined, string, InfisicalApiErrorReason]>([
      [401, 'UnauthorizedError', 'Access denied: K8s namespace not allowed.', 'namespace-not-allowed'],
      [401, 'UnauthorizedError', 'Access denied: K8s name not allowed.', 'name-not-allowed'],
      [401, 'UnauthorizedError', 'Access denied: K8s audience not allowed.', 'audience-mismatch'],
      [401, 'KubernetesTokenReviewError', '[invalid bearer token, token audiences ["x"] is invalid for the target audiences ["infisical"]]', 'audience-mismatch'],
      [401, 'KubernetesTokenReviewError', '[invalid bearer token, service account token has expired]', 'service-account-token-expired'],
      [401, 'KubernetesTokenReviewError', 'Kubernetes token not authenticated', 'service-account-token-rejected'],
      [401, 'KubernetesUsernameParseError', 'Invalid username', 'service-account-token-rejected'],
      [401, 'KubernetesTokenReviewerUnauthorized', 'Unauthorized', 'token-reviewer-invalid'],
      [400, 'TokenReviewerPermissionError', 'The token reviewer JWT is invalid or expired.', 'token-reviewer-invalid'],
      [401, 'KubernetesTokenReviewerForbidden', "Ensure the service account has the 'system:auth-delegator' ClusterRole binding.", 'token-reviewer-forbidden'],
      [401, 'KubernetesTokenReviewerSomethingNew', 'new', 'token-review-failed'],
      [400, 'KubernetesTokenReviewRequestError', 'Kubernetes returned HTTP 500: Internal Server Error', 'token-review-request-failed'],
      [400, 'KubernetesConnectionRefused', 'connect ECONNREFUSED', 'kubernetes-unreachable'],
      [404, 'NotFound', 'Kubernetes auth method not found for identity', 'kubernetes-auth-not-found'],
      [401, 'UnauthorizedError', 'Identity not found', 'identity-not-found'],
      [403, 'ForbiddenError', 'You are not allowed to access this resource from the current IP address', 'trusted-ip'],
      [401, 'UnauthorizedError', 'Failed to authorize: token usage limit reached', 'use-limit'],
      [401, 'UnauthorizedError', 'Cannot renew exhausted access token', 'use-limit'],
      [401, 'UnauthorizedError', 'Failed to authorize: token has been revoked', 'revoked'],
      [401, 'UnauthorizedError', 'No identity access token found', 'revoked'],
      [403, 'TokenError', 'Your token has expired. Please re-authenticate.', 'token-expired'],
      [401, 'UnauthorizedError', 'Failed to renew MI access token past its Max TTL expiration', 'renew-refused'],
      [400, 'BadRequest', 'Only identity access tokens can be renewed', 'renew-refused'],
      [401, 'UnauthorizedError', 'Token missing', 'token-missing'],
      [403, 'PermissionDenied', 'You are not allowed to read on secrets', 'permission-denied'],
      [404, 'NotFound', 'Project with 7f3a not found', 'project-not-found'],
      [404, 'NotFound', "Project with ID 'p' not found during bot lookup.", 'project-not-found'],
      [400, 'BadRequest', 'Project not found during bot lookup.', 'project-not-found'],
      [404, 'NotFound', "Project bot not found for project with ID 'p'.", 'other'],
      [404, 'Not Found', 'Route GET:/api/v4/secrets?projectId=p not found', 'route-not-found'],
      [400, 'BadRequest', 'Failed to subscribe: event subscriptions are not available on your plan', 'plan-restriction'],
      [429, 'RateLimitExceeded', 'Rate limit exceeded. Please try again in 40 seconds', 'rate-limited'],
      [401, 'KubernetesTokenReviewError', 'token audience mismatch', 'audience-mismatch'],
      [401, 'UnauthorizedError', 'The token reviewer JWT is invalid', 'token-reviewer-invalid'],
      [400, 'BadRequest', 'The token reviewer JWT is invalid', 'other'],
      [400, 'TokenReviewerPermissionError', 'The reviewer may not create TokenReviews', 'token-reviewer-forbidden'],
      [400, 'BadRequest', 'bind system:auth-delegator to the reviewer', 'token-reviewer-forbidden'],
      [400, 'KubernetesHostNotFound', 'getaddrinfo ENOTFOUND', 'kubernetes-unreachable'],
      [400, 'NotFound', 'Kubernetes auth method not found for identity', 'other'],
      [403, 'UnauthorizedError', 'Identity not found', 'other'],
      [401, 'UnauthorizedError', 'Identity not found for this token', 'other'],
      [401, 'UnauthorizedError', 'You are not allowed to access this resource from the current IP address', 'other'],
      [401, 'UnauthorizedError', 'Unable to renew because access token number of uses limit reached', 'use-limit'],
      [401, 'UnauthorizedError', 'Failed to authorize: identity tokens have been revoked', 'revoked'],
      [403, 'ForbiddenError', 'Failed to authorize: token has been revoked', 'other'],
      [401, 'TokenError', 'Your token has expired. Please re-authenticate.', 'other'],
      [403, 'ForbiddenError', 'Your token has expired. Please re-authenticate.', 'other'],
      [401, 'UnauthorizedError', 'Cannot renew: identity access token has reached its max TTL', 'renew-refused'],
      [401, 'UnauthorizedError', 'Failed to renew MI access token due to TTL expiration', 'renew-refused'],
      [401, 'UnauthorizedError', 'Identity access token exceeded max age, please re-authenticate', 'renew-refused'],
      [400, 'BadRequest', 'Token is not an identity access token', 'renew-refused'],
      [403, 'ForbiddenError', 'Token missing', 'other'],
      [401, 'UnauthorizedError', 'Token missing here', 'other'],
      [401, 'PermissionDenied', 'You are not allowed to read on secrets', 'other'],
      [403, 'ForbiddenError', 'You are not allowed to read on secrets', 'other'],
      [404, 'NotFound', 'Failed to find project', 'project-not-found'],
      [409, 'Conflict', 'Project not found during bot lookup.', 'other'],
      [400, 'BadRequest', 'Plan restriction: upgrade to use this', 'plan-restriction'],
      [404, 'Not Found', 'Route GET:/api/v4/secrets not found here', 'other'],
      [401, 'UnauthorizedError', 'Something else', 'other'],
      [500, undefined, 'Something went wrong', 'other'],
    ])('%i %s "%s" → %s', (status, serverError, message, reason) => {
      expect(api(status, message, serverError).reason).toBe(reason);
    });

    it('is part of toJSON()', () => {
      expect(api(429, 'slow down', 'RateLimitExceeded').toJSON()).toMatchObject({ reason: 'rate-limited' });
    });
  });

  describe('Property: hint', () => {
    it('a refused write suggests a role that can write ("member"), never "viewer" alone', () => {
      for (const method of ['POST', 'PATCH', 'DELETE']) {
        const hint = api(403, 'You are not allowed to create on secrets', 'PermissionDenied', method).hint;
        expect(hint).toContain('role "member"');
        expect(hint).toContain('"viewer" can only read');
      }
    });

    it('reads the method in any case: a lower-case write still needs a role that can write', () => {
      expect(api(403, 'You are not allowed to edit on secrets', 'PermissionDenied', 'patch').hint).toContain('role "member"');
    });

    it('is written into the message after the server\'s words, with the request id last', () => {
      const error = new InfisicalApiError({ status: 401, serverError: 'UnauthorizedError', serverMessage: 'Token missing', reqId: 'req-7', method: 'GET', path: '/api/v4/secrets', retryAfter: undefined });
      expect(error.message).toBe('Infisical answered 401 UnauthorizedError to GET /api/v4/secrets: Token missing Fix: log in first (client.login) or pass accessToken to the constructor. (reqId req-7)');
      const bare = new InfisicalApiError({ status: 500, serverError: undefined, serverMessage: 'boom', reqId: undefined, method: 'GET', path: '/api/v4/secrets', retryAfter: undefined });
      expect(bare.message).toBe('Infisical answered 500 to GET /api/v4/secrets: boom');
      expect(bare.hint).toBeUndefined();
      expect(bare.toJSON()).toEqual({
        name: 'InfisicalApiError',
        code: 'HTTP_500',
        message: bare.message,
        status: 500,
        serverError: undefined,
        serverMessage: 'boom',
        reqId: undefined,
        method: 'GET',
        path: '/api/v4/secrets',
        retryAfter: undefined,
        reason: 'other',
        hint: undefined,
      });
    });

    it('a refused read suggests "viewer"', () => {
      expect(api(403, 'You are not allowed to read on secrets', 'PermissionDenied', 'GET').hint).toContain('role "viewer"');
    });
  });
});
