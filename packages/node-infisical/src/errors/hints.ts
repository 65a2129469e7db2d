import type { InfisicalApiErrorReason } from './reason.js';

const SERVICE_ACCOUNT_TOKEN =
  'Kubernetes did not accept the service-account token: re-read the projected token file at every login (the kubelet rotates it), check its expirationSeconds and that it comes from the cluster at kubernetesHost';
const KUBERNETES_UNREACHABLE = "Infisical could not call the Kubernetes API: check that kubernetesHost is reachable from Infisical and that caCert is the cluster's CA";
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * What to do about the answers users meet most (the seed's troubleshooting table and the token lifecycle), by
 * reason. A function gets the request's method: a write needs another role than a read.
 */
const HINTS: Partial<Record<InfisicalApiErrorReason, string | ((method: string) => string)>> = {
  'namespace-not-allowed': "add the service account's namespace to allowedNamespaces of the identity's Kubernetes Auth (the guide lists this as 403; the server answers 401)",
  'name-not-allowed': "add the service-account name to allowedNames of the identity's Kubernetes Auth (the guide lists this as 403; the server answers 401)",
  'audience-mismatch': "make the projected token's audience (serviceAccountToken.audience) equal allowedAudience of the identity's Kubernetes Auth",
  'service-account-token-expired': SERVICE_ACCOUNT_TOKEN,
  'service-account-token-rejected': SERVICE_ACCOUNT_TOKEN,
  'token-reviewer-invalid': 'the token reviewer JWT is invalid or expired: create a new one (kubectl create token infisical-token-reviewer --duration=8760h) and update tokenReviewerJwt',
  'token-reviewer-forbidden': 'bind the token reviewer service account to the system:auth-delegator ClusterRole',
  'token-review-request-failed': KUBERNETES_UNREACHABLE,
  'kubernetes-unreachable': KUBERNETES_UNREACHABLE,
  'kubernetes-auth-not-found': 'attach Kubernetes Auth to this identity first (client.identityAuth.kubernetes.attach)',
  'trusted-ip': 'this address is not in accessTokenTrustedIps of the auth method; logging in again will not help',
  'use-limit': 'the access token used up accessTokenNumUsesLimit: log in again',
  revoked: 'the access token was revoked: log in again',
  'token-expired': 'the access token expired or is malformed: log in again (renew only works before it expires)',
  'renew-refused': 'the server will not renew this token any more: log in again',
  'token-missing': 'log in first (client.login) or pass accessToken to the constructor',
  // Project roles: viewer reads, member (the UI's "Developer") reads and writes secrets, admin does everything.
  'permission-denied': (method) =>
    WRITES.has(method.toUpperCase())
      ? 'give the identity a project role that can write (client.projects.addIdentity with e.g. role "member"; "viewer" can only read)'
      : 'give the identity a project role that allows this (client.projects.addIdentity with e.g. role "viewer")',
  'plan-restriction': 'your Infisical plan does not include this feature',
  'rate-limited': 'rate limited: wait retryAfter seconds before the next call',
};

/** The hint for a reason, or undefined where there is nothing better to say than the server's message. */
export function hintFor(reason: InfisicalApiErrorReason, method: string): string | undefined {
  const hint = HINTS[reason];
  return typeof hint === 'function' ? hint(method) : hint;
}
