export { InfisicalClient, type InfisicalClientOptions } from './client.js';
export type { TlsOptions } from './transport/http.js';
export type { RetryOptions } from './transport/retry.js';
export { backoffDelay, type BackoffPolicy } from './transport/backoff.js';
export type { LoginOptions, LoginResponse, AuthApi } from './api/auth.js';
export type { Identity, OrgIdentityMembership, CreateIdentityOptions, IdentitiesApi } from './api/identities.js';
export type { KubernetesAuthApi } from './api/kubernetes-auth.js';
export {
  KUBERNETES_AUTH_DEFAULTS,
  type KubernetesAuthParameters,
  type AttachKubernetesAuthOptions,
  type IdentityKubernetesAuth,
  type TrustedIp,
} from './api/kubernetes-auth-types.js';
export type {
  Secret,
  SecretImport,
  SecretScope,
  ListSecretsOptions,
  GetSecretOptions,
  WriteSecretOptions,
  DeleteSecretOptions,
  SecretWriteResult,
  ListSecretsResult,
  SecretsApiVersion,
} from './api/secrets-types.js';
export type { SecretsApi, SecretsLogger } from './api/secrets.js';
export type { Project, CreateProjectOptions, IdentityMembership, ProjectsApi } from './api/projects.js';
export type {
  DynamicSecretLease,
  DynamicSecretScope,
  LeaseTtl,
  CreateLeaseOptions,
  CreatedLease,
  DynamicSecretLeasesApi,
} from './api/dynamic-secrets.js';
export type { ProjectEvent, EventRegistration, SecretEventName, SubscribeOptions, EventsApi } from './api/events.js';
export {
  InfisicalError,
  InfisicalApiError,
  InfisicalNetworkError,
  InfisicalResponseError,
  InfisicalRedirectError,
  InfisicalResponseTooLargeError,
  InfisicalValidationError,
  type NetworkErrorCode,
  type ApiErrorDetails,
} from './errors/errors.js';
export type { InfisicalApiErrorReason } from './errors/reason.js';
export { scrubCredentials } from './errors/redact.js';
export { kindOf } from './errors/kind.js';
export { readTokenClaims, readTokenPayload, type TokenClaims } from './api/token-claims.js';
export {
  isTokenError,
  isUseLimitError,
  isRevokedError,
  isTrustedIpError,
  isRenewRefusedError,
  isRouteNotFoundError,
  isProjectNotFoundError,
} from './errors/classify.js';
export { MAX_TTL_SECONDS } from './api/validate.js';
