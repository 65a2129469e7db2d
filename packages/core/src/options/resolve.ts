import { existsSync, readFileSync } from 'node:fs';
import { InfisicalK8sError } from '../errors/error.js';
import { systemClock, type Clock } from '../clock/clock.js';
import type { InfisicalConfigOptions, InfisicalLogger, SecretSourceOptions } from './types.js';
import type { BackoffPolicy } from '../util/backoff.js';

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
} as const;

export interface ResolvedSource {
  key: string;
  projectId: string;
  environment: string;
  secretPath: string;
  recursive: boolean;
  includeImports: boolean;
  expandSecretReferences: boolean;
  tagSlugs: string[];
}

export interface ResolvedOptions {
  siteUrl: string;
  identityId: string;
  tokenPath: string;
  sources: ResolvedSource[];
  ca: string | Buffer | undefined;
  rejectUnauthorized: boolean;
  refreshIntervalMs: number;
  push: boolean;
  maxStalenessMs: number;
  readyTimeoutMs: number;
  initialRetries: number;
  backoff: BackoffPolicy;
  revokeOnClose: boolean;
  logger: InfisicalLogger;
  clock: Clock;
  random: () => number;
  tokenFileCheckIntervalMs: number;
  client: NonNullable<InfisicalConfigOptions['client']>;
}

const consoleLogger: InfisicalLogger = {
  warn: (message) => console.warn(`[infisical-k8s] ${message}`),
  error: (message) => console.error(`[infisical-k8s] ${message}`),
};

/** A throwing logger must not turn a logged failure into a different one (or an unhandled rejection). */
function guardLogger(logger: InfisicalLogger): InfisicalLogger {
  const guard =
    (method: ((message: string, meta?: object) => void) | undefined) =>
    (message: string, meta?: object): void => {
      try {
        method?.call(logger, message, meta);
      } catch {
        // Logging is best effort.
      }
    };
  return { debug: guard(logger.debug), info: guard(logger.info), warn: guard(logger.warn), error: guard(logger.error) };
}

function fromEnv(env: Record<string, string | undefined>, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return undefined;
}

function invalid(message: string): never {
  throw new InfisicalK8sError('OPTIONS_INVALID', message);
}

function positive(name: string, value: number | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    invalid(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number of milliseconds, got ${String(value)}`);
  }
  return value;
}

function resolveSource(source: SecretSourceOptions, env: Record<string, string | undefined>, index: number, single: boolean): ResolvedSource {
  const at = single ? 'secrets' : `secrets[${index}]`;
  const projectId = source.projectId ?? (single ? fromEnv(env, ENVIRONMENT_VARIABLES.projectId) : undefined);
  const environment = source.environment ?? (single ? fromEnv(env, ENVIRONMENT_VARIABLES.environment) : undefined);
  const secretPath = source.secretPath ?? (single ? fromEnv(env, ENVIRONMENT_VARIABLES.secretPath) : undefined) ?? '/';
  if (!projectId) invalid(`${at}.projectId is missing: pass it or set INFISICAL_PROJECT_ID`);
  if (!environment) invalid(`${at}.environment is missing: pass the environment slug (e.g. "prod") or set INFISICAL_ENVIRONMENT`);
  if (!secretPath.startsWith('/')) invalid(`${at}.secretPath must start with "/", got "${secretPath}"`);
  const resolved = {
    projectId,
    environment,
    secretPath,
    recursive: source.recursive ?? false,
    includeImports: source.includeImports ?? true,
    expandSecretReferences: source.expandSecretReferences ?? true,
    tagSlugs: source.tagSlugs ?? [],
  };
  return { ...resolved, key: JSON.stringify(resolved) };
}

/**
 * Validates options up front and fills defaults from the environment. Throws `OPTIONS_INVALID`
 * naming the missing option and its environment variable.
 */
export function resolveOptions(options: InfisicalConfigOptions<never> | InfisicalConfigOptions, env: Record<string, string | undefined> = process.env): ResolvedOptions {
  if (options !== undefined && (options === null || typeof options !== 'object')) invalid('options must be an object');
  const siteUrl = (options.siteUrl ?? fromEnv(env, ENVIRONMENT_VARIABLES.siteUrl) ?? DEFAULT_SITE_URL).replace(/\/+$/, '');
  try {
    const url = new URL(siteUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('protocol');
  } catch {
    invalid(`siteUrl "${siteUrl}" is not an http(s) URL: set siteUrl or INFISICAL_SITE_URL, e.g. https://app.infisical.com`);
  }
  const identityId = options.kubernetesAuth?.identityId ?? fromEnv(env, ENVIRONMENT_VARIABLES.identityId);
  if (!identityId) invalid('kubernetesAuth.identityId is missing: pass the machine identity ID or set INFISICAL_KUBERNETES_IDENTITY_ID');
  const tokenPath =
    options.kubernetesAuth?.tokenPath ??
    fromEnv(env, ENVIRONMENT_VARIABLES.tokenPath) ??
    (existsSync(PROJECTED_TOKEN_PATH) || !existsSync(SERVICE_ACCOUNT_TOKEN_PATH) ? PROJECTED_TOKEN_PATH : SERVICE_ACCOUNT_TOKEN_PATH);

  const list = options.secrets === undefined ? [{}] : Array.isArray(options.secrets) ? options.secrets : [options.secrets];
  if (list.length === 0) invalid('secrets must name at least one source { projectId, environment, secretPath }');
  const sources = list.map((source, index) => resolveSource(source ?? {}, env, index, !Array.isArray(options.secrets)));

  const schema = options.schema as { '~standard'?: { validate?: unknown } } | undefined;
  if (schema !== undefined && typeof schema?.['~standard']?.validate !== 'function') {
    invalid('schema must be a Standard Schema (zod, valibot, arktype, ...): it has no ~standard.validate');
  }

  let ca: string | Buffer | undefined = options.tls?.ca;
  const caPath = options.tls?.caPath ?? fromEnv(env, ENVIRONMENT_VARIABLES.caPath);
  if (ca === undefined && caPath) {
    try {
      ca = readFileSync(caPath);
    } catch {
      invalid(`tls.caPath "${caPath}" cannot be read: mount the CA file or fix INFISICAL_CA_PATH`);
    }
  }

  const refreshIntervalMs = positive('refreshIntervalMs', options.refreshIntervalMs, 60_000, true);
  const backoff = {
    initialMs: positive('backoff.initialMs', options.backoff?.initialMs, 1_000),
    maxMs: positive('backoff.maxMs', options.backoff?.maxMs, 300_000),
    multiplier: options.backoff?.multiplier ?? 2,
  };
  if (!(backoff.multiplier >= 1)) invalid('backoff.multiplier must be 1 or more');
  const initialRetries = options.initialRetries ?? 5;
  if (!Number.isInteger(initialRetries) || initialRetries < 1) invalid('initialRetries must be a whole number, 1 or more');

  return {
    siteUrl,
    identityId,
    tokenPath,
    sources,
    ca,
    rejectUnauthorized: options.tls?.rejectUnauthorized ?? true,
    refreshIntervalMs,
    push: options.push ?? true,
    maxStalenessMs: positive('maxStalenessMs', options.maxStalenessMs, refreshIntervalMs > 0 ? 10 * refreshIntervalMs : 600_000),
    readyTimeoutMs: positive('readyTimeoutMs', options.readyTimeoutMs, 30_000),
    initialRetries,
    backoff,
    revokeOnClose: options.revokeOnClose ?? false,
    logger: guardLogger(options.logger ?? consoleLogger),
    clock: options.clock ?? systemClock,
    random: options.random ?? Math.random,
    tokenFileCheckIntervalMs: positive('tokenFileCheckIntervalMs', options.tokenFileCheckIntervalMs, 30_000),
    client: options.client ?? {},
  };
}
