/**
 * What to do about the answers users meet most (the seed's troubleshooting table and the token
 * lifecycle), keyed on status, the server's `error` name and its message, current and classic wording.
 */
interface HintRule {
  test: (status: number, serverError: string, message: string) => boolean;
  hint: string;
}

const RULES: HintRule[] = [
  {
    test: (_s, _e, m) => m.includes('k8s namespace not allowed'),
    hint: "add the service account's namespace to allowedNamespaces of the identity's Kubernetes Auth (the guide lists this as 403; the server answers 401)",
  },
  {
    test: (_s, _e, m) => m.includes('k8s name not allowed'),
    hint: "add the service-account name to allowedNames of the identity's Kubernetes Auth (the guide lists this as 403; the server answers 401)",
  },
  {
    test: (_s, e, m) => m.includes('k8s audience not allowed') || (e === 'KubernetesTokenReviewError' && m.includes('audience')),
    hint: "make the projected token's audience (serviceAccountToken.audience) equal allowedAudience of the identity's Kubernetes Auth",
  },
  {
    test: (_s, e) => e === 'KubernetesTokenReviewError' || e === 'KubernetesUsernameParseError',
    hint: 'Kubernetes did not accept the service-account token: re-read the projected token file at every login (the kubelet rotates it), check its expirationSeconds and that it comes from the cluster at kubernetesHost',
  },
  {
    test: (s, e, m) => e === 'KubernetesTokenReviewerUnauthorized' || (e === 'TokenReviewerPermissionError' && m.includes('invalid or expired')) || (s === 401 && m.includes('token reviewer jwt is invalid')),
    hint: 'the token reviewer JWT is invalid or expired: create a new one (kubectl create token infisical-token-reviewer --duration=8760h) and update tokenReviewerJwt',
  },
  {
    test: (_s, e, m) => e === 'KubernetesTokenReviewerForbidden' || e === 'TokenReviewerPermissionError' || m.includes('system:auth-delegator'),
    hint: 'bind the token reviewer service account to the system:auth-delegator ClusterRole',
  },
  {
    test: (_s, e) => /^Kubernetes(ConnectionRefused|HostNotFound|ConnectionTimeout|CertificateError|ConnectionError|TokenReviewRequestError)$/.test(e),
    hint: "Infisical could not call the Kubernetes API: check that kubernetesHost is reachable from Infisical and that caCert is the cluster's CA",
  },
  {
    test: (s, _e, m) => s === 404 && m.includes('kubernetes auth method not found'),
    hint: 'attach Kubernetes Auth to this identity first (client.identityAuth.kubernetes.attach)',
  },
  {
    test: (_s, _e, m) => m.includes('current ip address'),
    hint: 'this address is not in accessTokenTrustedIps of the auth method; logging in again will not help',
  },
  {
    test: (_s, _e, m) => m.includes('usage limit reached') || m.includes('number of uses limit reached') || m.includes('exhausted access token'),
    hint: 'the access token used up accessTokenNumUsesLimit: log in again',
  },
  {
    test: (s, _e, m) => s === 401 && (m.includes('has been revoked') || m.includes('have been revoked')),
    hint: 'the access token was revoked: log in again',
  },
  {
    test: (s, e) => s === 403 && e === 'TokenError',
    hint: 'the access token expired or is malformed: log in again (renew only works before it expires)',
  },
  {
    test: (_s, _e, m) => m.includes('max ttl') || m.includes('cannot renew') || m.includes('failed to renew'),
    hint: 'the server will not renew this token any more: log in again',
  },
  {
    test: (s, _e, m) => s === 401 && m === 'token missing',
    hint: 'log in first (client.login) or pass accessToken to the constructor',
  },
  {
    test: (s, e) => s === 403 && e === 'PermissionDenied',
    hint: 'give the identity a project role that allows this (client.projects.addIdentity with e.g. role "viewer")',
  },
  {
    test: (_s, _e, m) => m.includes('event subscriptions') || m.includes('plan restriction'),
    hint: 'your Infisical plan does not include this feature',
  },
  {
    test: (s) => s === 429,
    hint: 'rate limited: wait retryAfter seconds before the next call',
  },
];

export function hintFor(status: number, serverError: string | undefined, message: string): string | undefined {
  const lower = message.toLowerCase();
  return RULES.find((rule) => rule.test(status, serverError ?? '', lower))?.hint;
}
