import { describe, expect, it } from 'vitest';
import { InfisicalApiError, InfisicalNetworkError } from 'node-infisical';
import type { InfisicalErrorCode } from './codes.js';
import { toInfisicalK8sError, type FailureContext } from './map.js';

const api = (status: number, serverError: string | undefined, serverMessage: string, method = 'GET') =>
  new InfisicalApiError({ status, serverError, serverMessage, reqId: undefined, method, path: '/api/v4/secrets', retryAfter: undefined });

type Phase = FailureContext['phase'];

const refused = () =>
  new InfisicalNetworkError('CONNECTION_REFUSED', 'POST', '/api/v1/auth/kubernetes-auth/login', 'connection refused: check baseUrl and that Infisical is running', undefined, { problem: 'connection refused' });

/** Phase, status, `error` name, message → code: what core makes of each answer the contract lists. */
const CASES: [Phase, number, string | undefined, string, InfisicalErrorCode][] = [
  ['login', 401, 'UnauthorizedError', 'Access denied: K8s namespace not allowed.', 'NAMESPACE_NOT_ALLOWED'],
  ['login', 401, 'UnauthorizedError', 'Access denied: K8s name not allowed.', 'NAME_NOT_ALLOWED'],
  ['login', 401, 'UnauthorizedError', 'Access denied: K8s audience not allowed.', 'AUDIENCE_MISMATCH'],
  ['login', 401, 'KubernetesTokenReviewError', '[invalid bearer token, token audiences ["x"] is invalid for the target audiences ["infisical"]]', 'AUDIENCE_MISMATCH'],
  ['login', 401, 'KubernetesTokenReviewError', '[invalid bearer token, service account token has expired]', 'TOKEN_EXPIRED'],
  ['login', 401, 'KubernetesTokenReviewError', 'Kubernetes token not authenticated', 'UNAUTHORIZED'],
  ['login', 401, 'KubernetesTokenReviewerUnauthorized', 'Unauthorized', 'TOKEN_REVIEW_FAILED'],
  ['login', 401, 'KubernetesTokenReviewerForbidden', 'forbidden', 'TOKEN_REVIEW_FAILED'],
  ['login', 400, 'KubernetesTokenReviewRequestError', 'Kubernetes returned HTTP 500', 'TOKEN_REVIEW_FAILED'],
  ['login', 400, 'KubernetesHostNotFound', 'getaddrinfo ENOTFOUND', 'KUBERNETES_UNREACHABLE'],
  ['login', 401, 'UnauthorizedError', 'Identity not found', 'IDENTITY_NOT_FOUND'],
  ['login', 404, 'NotFound', 'Kubernetes auth method not found for identity', 'IDENTITY_NOT_FOUND'],
  ['login', 404, 'Not Found', 'Route POST:/api/api/v1/auth/kubernetes-auth/login not found', 'IDENTITY_NOT_FOUND'],
  ['login', 401, 'UnauthorizedError', 'Failed to authorize: token has been revoked', 'UNAUTHORIZED'],
  ['login', 403, 'ForbiddenError', 'You are not allowed to access this resource from the current IP address', 'ACCESS_DENIED_IP'],
  ['fetch', 403, 'ForbiddenError', 'You are not allowed to access this resource from the current IP address', 'ACCESS_DENIED_IP'],
  ['fetch', 403, 'TokenError', 'Your token has expired. Please re-authenticate.', 'TOKEN_EXPIRED'],
  ['fetch', 404, 'NotFound', 'Project with 7f3a not found', 'PROJECT_NOT_FOUND'],
  ['fetch', 404, 'NotFound', "Project with ID 'p' not found during bot lookup.", 'PROJECT_NOT_FOUND'],
  ['fetch', 403, 'PermissionDenied', 'You are not allowed to read on secrets', 'PERMISSION_DENIED'],
  ['fetch', 404, 'NotFound', 'Folder not found', 'PERMISSION_DENIED'],
  ['subscribe', 404, 'NotFound', 'Folder not found', 'SERVER_ERROR'],
  ['fetch', 401, 'UnauthorizedError', 'Token missing', 'UNAUTHORIZED'],
  ['fetch', 401, 'UnauthorizedError', 'Access denied: K8s namespace not allowed.', 'UNAUTHORIZED'],
  ['fetch', 429, 'RateLimitExceeded', 'Rate limit exceeded', 'RATE_LIMITED'],
  ['fetch', 422, 'ValidationFailure', 'environment: Required', 'OPTIONS_INVALID'],
  ['fetch', 400, 'BadRequest', 'Invalid secret path', 'OPTIONS_INVALID'],
  ['fetch', 500, 'InternalServerError', 'Something went wrong', 'SERVER_ERROR'],
  ['renew', 503, undefined, 'unavailable', 'SERVER_ERROR'],
];

describe('Function: toInfisicalK8sError', () => {
  describe('Infisical answers, through the reason tables', () => {
    it.each(CASES)('%s: %i %s "%s" → %s', (phase, status, serverError, message, code) => {
      expect(toInfisicalK8sError(api(status, serverError, message), { phase }).code).toBe(code);
    });

    it("names the caller's namespace and service account, decoded from its token", () => {
      const ctx: FailureContext = { phase: 'login', namespace: 'apps', serviceAccount: 'web', audiences: ['x'] };
      expect(toInfisicalK8sError(api(401, 'UnauthorizedError', 'Access denied: K8s namespace not allowed.'), ctx).hint).toContain("'apps'");
      expect(toInfisicalK8sError(api(401, 'UnauthorizedError', 'Access denied: K8s name not allowed.'), ctx).message).toContain("'web'");
      const audience = toInfisicalK8sError(api(401, 'KubernetesTokenReviewError', 'token audiences ["x"] is invalid for the target audiences ["infisical"]'), ctx);
      expect(audience.message).toBe('Kubernetes refused the service-account token (x): it was reviewed for the audience "infisical" (HTTP 401).');
    });
  });

  describe('no answer (INFISICAL_UNREACHABLE)', () => {
    it('says once what failed and where, in the siteUrl the user set, never baseUrl', () => {
      const error = toInfisicalK8sError(refused(), { phase: 'login', siteUrl: 'http://infisical.local:8080' });
      expect(error.code).toBe('INFISICAL_UNREACHABLE');
      expect(error.message).toBe('Could not reach Infisical at http://infisical.local:8080 (POST /api/v1/auth/kubernetes-auth/login): connection refused.');
      expect(error.hint).toMatch(/^Nothing accepts connections at siteUrl \(INFISICAL_SITE_URL\)/);
      expect(`${error.message} ${error.hint}`).not.toContain('baseUrl');
    });

    it.each([
      ['DNS', 'host not found (ENOTFOUND)', /host name in siteUrl/],
      ['TIMEOUT', 'no answer within 10000 ms', /client\.timeoutMs/],
      ['TLS', 'TLS verification failed (SELF_SIGNED_CERT_IN_CHAIN)', /tls\.ca/],
    ] as const)('%s: the hint names the fix in core\'s options', (code, problem, hint) => {
      const error = toInfisicalK8sError(new InfisicalNetworkError(code, 'GET', '/api/v4/secrets', `${problem}: check baseUrl`, undefined, { problem }), { phase: 'fetch', siteUrl: 'https://x.example' });
      expect(error.message).toBe(`Could not reach Infisical at https://x.example (GET /api/v4/secrets): ${problem}.`);
      expect(error.hint).toMatch(hint);
      expect(`${error.message} ${error.hint}`).not.toContain('baseUrl');
    });
  });
});
