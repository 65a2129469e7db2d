/**
 * Why Infisical refused a call, read once from the answer's status, its `error` name and its message (current and
 * classic wording): the one place that matches the server's text. Hints, the `is*Error` predicates and core's error
 * codes are all tables over this value. Stable: new reasons may be added, existing ones keep their meaning.
 *
 * @example
 * catch (error) {
 *   if (error instanceof InfisicalApiError && error.reason === 'namespace-not-allowed') console.error('add the namespace to allowedNamespaces');
 * }
 */
export type InfisicalApiErrorReason =
  /** Login: the service account's namespace is not in `allowedNamespaces`. */
  | 'namespace-not-allowed'
  /** Login: the service-account name is not in `allowedNames`. */
  | 'name-not-allowed'
  /** Login: the token's audience is not the one reviewed (`allowedAudience`, or the API server's own). */
  | 'audience-mismatch'
  /** Login: Kubernetes says the service-account token expired. */
  | 'service-account-token-expired'
  /** Login: Kubernetes did not authenticate the service-account token for another reason. */
  | 'service-account-token-rejected'
  /** The token reviewer JWT is invalid or expired. */
  | 'token-reviewer-invalid'
  /** The token reviewer lacks `system:auth-delegator`. */
  | 'token-reviewer-forbidden'
  /** Another `KubernetesTokenReviewer*` refusal. */
  | 'token-review-failed'
  /** Kubernetes answered the TokenReview with an unexpected status (`KubernetesTokenReviewRequestError`). */
  | 'token-review-request-failed'
  /** Infisical could not reach the Kubernetes API (refused, DNS, timeout, certificate). */
  | 'kubernetes-unreachable'
  /** The identity has no Kubernetes Auth attached (404). */
  | 'kubernetes-auth-not-found'
  /** Login: no such identity (401 `Identity not found`). */
  | 'identity-not-found'
  /** 403: the caller's address is not in `accessTokenTrustedIps`. */
  | 'trusted-ip'
  /** The access token used up `accessTokenNumUsesLimit`. */
  | 'use-limit'
  /** 401: the token, the identity's tokens or the auth method were revoked. */
  | 'revoked'
  /** 403 `TokenError`: the access token expired or is malformed. */
  | 'token-expired'
  /** A renewal the server will not grant (max TTL, classic rule, not an identity token). */
  | 'renew-refused'
  /** 401 `Token missing`: no access token was sent. */
  | 'token-missing'
  /** 403 `PermissionDenied`: the identity's project role does not allow this. */
  | 'permission-denied'
  /** The project ID names no project. */
  | 'project-not-found'
  /** The router's JSON 404 (`Route <METHOD>:<url> not found`): the server lacks this route. */
  | 'route-not-found'
  /** The plan does not include the feature (event subscriptions). */
  | 'plan-restriction'
  /** 429. */
  | 'rate-limited'
  /** None of the above: read `status`. */
  | 'other';

interface Answer {
  status: number;
  /** The envelope's `error` name, '' when absent. */
  error: string;
  /** The message, lower case. */
  message: string;
}

const has = (a: Answer, ...fragments: string[]) => fragments.some((fragment) => a.message.includes(fragment));
const SA_TOKEN_REVIEW = new Set(['KubernetesTokenReviewError', 'KubernetesUsernameParseError']);
const KUBERNETES_UNREACHABLE = /^Kubernetes(ConnectionRefused|HostNotFound|ConnectionTimeout|CertificateError|ConnectionError)$/;
/** Fastify's own 404 for a path no route matches: `Route GET:/api/v4/secrets?projectId=... not found`. */
const ROUTE_NOT_FOUND = /^route [a-z]+:\/\S* not found$/;
/**
 * `Project with <id> not found` (current, the permission check), `Project with ID '<id>' not found during bot lookup`,
 * `Project not found ...`, `Failed to find project`; not `Project bot not found ...` (the project exists).
 */
const PROJECT_NOT_FOUND = /^project (with (id )?'?[^'\s]*'? )?not found\b|failed to find project/;

/** First match wins: the order settles answers that fit two rules (an expired SA token reviewed for an audience). */
const RULES: ReadonlyArray<readonly [InfisicalApiErrorReason, (a: Answer) => boolean]> = [
  ['namespace-not-allowed', (a) => has(a, 'k8s namespace not allowed')],
  ['name-not-allowed', (a) => has(a, 'k8s name not allowed')],
  ['audience-mismatch', (a) => has(a, 'k8s audience not allowed', 'invalid for the target audiences') || (a.error === 'KubernetesTokenReviewError' && has(a, 'audience'))],
  ['service-account-token-expired', (a) => SA_TOKEN_REVIEW.has(a.error) && has(a, 'expired')],
  ['service-account-token-rejected', (a) => SA_TOKEN_REVIEW.has(a.error)],
  [
    'token-reviewer-invalid',
    (a) => a.error === 'KubernetesTokenReviewerUnauthorized' || (a.error === 'TokenReviewerPermissionError' && has(a, 'invalid or expired')) || (a.status === 401 && has(a, 'token reviewer jwt is invalid')),
  ],
  ['token-reviewer-forbidden', (a) => a.error === 'KubernetesTokenReviewerForbidden' || a.error === 'TokenReviewerPermissionError' || has(a, 'system:auth-delegator')],
  ['token-review-failed', (a) => a.error.startsWith('KubernetesTokenReviewer')],
  ['token-review-request-failed', (a) => a.error === 'KubernetesTokenReviewRequestError'],
  ['kubernetes-unreachable', (a) => KUBERNETES_UNREACHABLE.test(a.error)],
  ['kubernetes-auth-not-found', (a) => a.status === 404 && has(a, 'kubernetes auth method not found')],
  ['identity-not-found', (a) => a.status === 401 && a.message === 'identity not found'],
  ['trusted-ip', (a) => a.status === 403 && has(a, 'current ip address')],
  ['use-limit', (a) => has(a, 'usage limit reached', 'number of uses limit reached', 'exhausted access token')],
  ['revoked', (a) => a.status === 401 && has(a, 'has been revoked', 'have been revoked', 'no identity access token found')],
  ['token-expired', (a) => a.status === 403 && a.error === 'TokenError'],
  ['renew-refused', (a) => has(a, 'max ttl', 'cannot renew', 'failed to renew', 'exceeded max age', 'only identity access tokens', 'not an identity access token')],
  ['token-missing', (a) => a.status === 401 && a.message === 'token missing'],
  ['permission-denied', (a) => a.status === 403 && a.error === 'PermissionDenied'],
  ['route-not-found', (a) => a.status === 404 && ROUTE_NOT_FOUND.test(a.message)],
  ['project-not-found', (a) => (a.status === 404 || a.status === 400) && PROJECT_NOT_FOUND.test(a.message)],
  ['plan-restriction', (a) => has(a, 'event subscriptions', 'plan restriction')],
  ['rate-limited', (a) => a.status === 429],
];

/**
 * The reason of an answer; `InfisicalApiError` computes it once, as `reason`.
 *
 * @example
 * classifyAnswer(401, 'UnauthorizedError', 'Access denied: K8s namespace not allowed.'); // 'namespace-not-allowed'
 */
export function classifyAnswer(status: number, serverError: string | undefined, message: string): InfisicalApiErrorReason {
  const answer: Answer = { status, error: serverError ?? '', message: message.toLowerCase() };
  return RULES.find(([, test]) => test(answer))?.[0] ?? 'other';
}
