/**
 * Every error code users can meet, with when it happens and the fix: the one table (the README's copy is
 * checked against it by a test).
 *
 * @example
 * console.log(errorCatalog.NAMESPACE_NOT_ALLOWED.hint);
 */
export const errorCatalog = {
  TOKEN_FILE_MISSING: {
    when: 'The service-account token file is absent or empty.',
    hint: 'Mount a projected service-account token (volume `projected.sources[].serviceAccountToken` with `audience` and `path: token`) at the path in kubernetesAuth.tokenPath (default /var/run/secrets/infisical/token), or set INFISICAL_KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH.',
    permanent: false,
  },
  TOKEN_FILE_INVALID: {
    when: 'The token file does not hold a JWT, or is not a regular file of at most 64 KiB (a FIFO, a device, a folder).',
    hint: 'Point kubernetesAuth.tokenPath at the projected service-account token itself (the `token` file of the volume), not at a folder or another secret.',
    permanent: true,
  },
  TOKEN_EXPIRED: {
    when: 'Kubernetes rejected the service-account token as expired, or the access token expired.',
    hint: 'Projected tokens have a TTL (expirationSeconds): check the kubelet is rotating the file and that the node clock is right.',
    permanent: false,
  },
  UNAUTHORIZED: {
    when: 'Infisical refused the login or the access token (401).',
    hint: 'Check the identity ID and that Kubernetes Auth is attached to it (identityAuth.kubernetes.get).',
    permanent: false,
  },
  ACCESS_DENIED_IP: {
    when: "The request came from an address outside the auth method's accessTokenTrustedIps (403). Logging in again will not help.",
    hint: "Add the pod's egress address or CIDR to accessTokenTrustedIps with identityAuth.kubernetes.update.",
    permanent: true,
  },
  NAMESPACE_NOT_ALLOWED: {
    when: 'Login refused: "Access denied: K8s namespace not allowed." (the server answers 401; the Kubernetes Auth guide says 403).',
    hint: "Add the pod's namespace to allowedNamespaces with identityAuth.kubernetes.update.",
    permanent: true,
  },
  NAME_NOT_ALLOWED: {
    when: 'Login refused: "Access denied: K8s name not allowed." (401 from the server).',
    hint: "Add the pod's service-account name to allowedNames with identityAuth.kubernetes.update.",
    permanent: true,
  },
  AUDIENCE_MISMATCH: {
    when: "The token's audience is not the auth method's allowedAudience.",
    hint: "Set the projected volume's `audience` to the auth method's allowedAudience, or change allowedAudience to match. On a server from 2024 (its TokenReview names no audience), mount a token for the API server's own audience and leave allowedAudience empty.",
    permanent: true,
  },
  TOKEN_REVIEW_FAILED: {
    when: 'Infisical could not review the token: the reviewer JWT is expired or invalid, or lacks system:auth-delegator.',
    hint: "Regenerate the reviewer token (kubectl create token infisical-token-reviewer --duration=8760h), bind it to the system:auth-delegator ClusterRole, and update tokenReviewerJwt.",
    permanent: false,
  },
  KUBERNETES_UNREACHABLE: {
    when: 'Infisical could not reach kubernetesHost, or its certificate did not match caCert.',
    hint: "Verify kubernetesHost is the API server URL Infisical can reach, and caCert is that cluster's CA (kubectl config view --raw).",
    permanent: false,
  },
  INFISICAL_UNREACHABLE: {
    when: 'Network, DNS, TLS or timeout failure talking to Infisical.',
    hint: 'Check siteUrl (INFISICAL_SITE_URL), egress from the pod, and for a self-hosted instance with a private CA set tls.ca or INFISICAL_CA_PATH.',
    permanent: false,
  },
  IDENTITY_NOT_FOUND: {
    when: 'No Kubernetes Auth is configured for this identity ID (404).',
    hint: 'Check kubernetesAuth.identityId (INFISICAL_KUBERNETES_IDENTITY_ID) and attach Kubernetes Auth to that identity.',
    permanent: true,
  },
  PERMISSION_DENIED: {
    when: 'The identity may not read these secrets (403 PermissionDenied): it is not a member of the project, or its role does not cover this environment and path.',
    hint: 'Add the identity to the project with a role that can read secrets in this environment and path.',
    permanent: true,
  },
  PROJECT_NOT_FOUND: {
    when: 'Infisical has no project with this ID (404 "Project with … not found").',
    hint: "Check secrets.projectId (INFISICAL_PROJECT_ID): it is the project's ID from Project Settings (a UUID), not its name or slug.",
    permanent: true,
  },
  RATE_LIMITED: {
    when: 'Infisical answered 429.',
    hint: 'Refreshes wait out Retry-After and poll less often on their own (status.pollIntervalMs); if it lasts, raise refreshIntervalMs, turn push on, or raise the rate limit (Infisical counts per client IP: a cluster behind one NAT shares one budget).',
    permanent: false,
  },
  SERVER_ERROR: {
    when: 'Infisical answered 5xx, or an error status with something that is not its API (an HTML error page of a proxy).',
    hint: 'Usually transient: the last good snapshot is served and refreshes retry with backoff. Check Infisical and any proxy in front of it.',
    permanent: false,
  },
  BAD_RESPONSE: {
    when: 'Infisical answered 2xx with a body that is not what it sends (not a secret list, malformed JSON): often a proxy or captive portal.',
    hint: 'Usually transient: the last good snapshot is kept and no change is announced; refreshes retry with backoff. If it lasts, check that siteUrl reaches Infisical itself and not a proxy page.',
    permanent: false,
  },
  SITE_URL_REDIRECTED: {
    when: 'Infisical (or a proxy) answered with a redirect (3xx); redirects are never followed, so a token never goes elsewhere.',
    hint: 'Set siteUrl (INFISICAL_SITE_URL) to the final URL the redirect names, e.g. https:// instead of http://, or the new host.',
    permanent: true,
  },
  RESPONSE_TOO_LARGE: {
    when: 'An answer was larger than maxResponseBytes (default 48 MiB, about 50,000 secrets).',
    hint: 'Raise the maxResponseBytes option, or split the folder into several sources.',
    permanent: true,
  },
  SECRETS_DIR_UNREADABLE: {
    when: 'The `files` source\'s directory is missing or unreadable, holds more than 4096 files, has a file over 1 MiB, or did not answer within 5 s.',
    hint: 'Mount the Secret the Infisical Operator manages (or the CSI volume) at the path in secrets.files, read-only, and keep each key under 1 MiB. The last good snapshot is served meanwhile.',
    permanent: false,
  },
  CONFIG_INVALID: {
    when: 'The fetched secrets do not pass the schema.',
    hint: 'Fix the listed keys in Infisical (values are never shown), or relax the schema.',
    permanent: true,
  },
  OPTIONS_INVALID: {
    when: 'An option is missing or malformed.',
    hint: 'See the configuration reference in the README: every option and its environment variable.',
    permanent: true,
  },
  NOT_READY: {
    when: 'The snapshot was read before the first one was loaded.',
    hint: 'Await config.ready() at start-up (the adapters do this for you).',
    permanent: true,
  },
  CLOSED: {
    when: 'The config was used after close().',
    hint: 'Create a new config, or close it only at shutdown.',
    permanent: true,
  },
} as const satisfies Record<string, { when: string; hint: string; permanent: boolean }>;

/**
 * Stable error codes: switch on these, not on messages.
 *
 * @example
 * if (error.code === 'CONFIG_INVALID') for (const issue of error.issues ?? []) console.error(issue.path, issue.message);
 */
export type InfisicalErrorCode = keyof typeof errorCatalog;

/**
 * Whether retrying cannot help until someone changes a setting (namespace refused, unknown identity or project,
 * schema failure, ...): `ready()` rejects with such an error at its first occurrence instead of after
 * `initialRetries` attempts. Loading still carries on with backoff, so a fix is picked up without a restart.
 *
 * @example
 * config.errors$.subscribe((e) => isPermanentError(e.code) && alert(`[${e.code}] ${e.hint}`));
 */
export function isPermanentError(code: InfisicalErrorCode): boolean {
  return errorCatalog[code]?.permanent ?? false;
}
