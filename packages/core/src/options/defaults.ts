/**
 * Where the seed's manifests mount the projected service-account token (audience `infisical`).
 *
 * @example
 * volumeMounts: [{ name: 'infisical-token', mountPath: dirname(PROJECTED_TOKEN_PATH) }]
 */
export const PROJECTED_TOKEN_PATH = '/var/run/secrets/infisical/token';
/**
 * The default service-account token every pod gets; the fallback when no projected token is mounted.
 *
 * @example
 * createInfisicalConfig({ kubernetesAuth: { identityId, tokenPath: SERVICE_ACCOUNT_TOKEN_PATH } });
 */
export const SERVICE_ACCOUNT_TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token';
/**
 * Infisical Cloud (US); self-hosted users set `siteUrl` or `INFISICAL_SITE_URL`.
 *
 * @example
 * const url = process.env.INFISICAL_SITE_URL ?? DEFAULT_SITE_URL;
 */
export const DEFAULT_SITE_URL = 'https://app.infisical.com';

/**
 * The environment variables core reads, per option, in order of precedence.
 *
 * @example
 * for (const name of Object.values(ENVIRONMENT_VARIABLES).flat()) console.log(name, process.env[name] ? 'set' : 'unset');
 */
export const ENVIRONMENT_VARIABLES = {
  siteUrl: ['INFISICAL_SITE_URL', 'INFISICAL_API_URL'],
  identityId: ['INFISICAL_KUBERNETES_IDENTITY_ID', 'INFISICAL_MACHINE_IDENTITY_ID', 'INFISICAL_IDENTITY_ID'],
  tokenPath: ['INFISICAL_KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH'],
  projectId: ['INFISICAL_PROJECT_ID'],
  environment: ['INFISICAL_ENVIRONMENT'],
  secretPath: ['INFISICAL_SECRET_PATH'],
  caPath: ['INFISICAL_CA_PATH'],
  /** With no `secrets` option: read this mounted directory ({ files }) instead of calling Infisical. */
  secretsDirectory: ['INFISICAL_SECRETS_DIR'],
  /** With no auth option: both set means Universal Auth (before INFISICAL_TOKEN and Kubernetes Auth). */
  universalAuthClientId: ['INFISICAL_UNIVERSAL_AUTH_CLIENT_ID'],
  universalAuthClientSecret: ['INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET'],
  /** With no auth option and no Universal Auth variables: a given access token (no login, no renewal). */
  accessToken: ['INFISICAL_TOKEN'],
} as const;

/**
 * The default cap on one answer's body: 48 MiB, room for about 50,000 secrets (a listed secret takes about
 * 700 bytes on the wire; 17,000 of them are 11.5 MiB).
 *
 * @example
 * createInfisicalConfig({ maxResponseBytes: 2 * DEFAULT_MAX_RESPONSE_BYTES });
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 48 * 1024 * 1024;
