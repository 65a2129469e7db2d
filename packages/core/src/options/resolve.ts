import { existsSync, readFileSync } from 'node:fs';
import { InfisicalK8sError } from '../errors/error.js';
import { systemClock, type Clock } from '../clock/clock.js';
import type { InfisicalConfigOptions, InfisicalLogger } from './types.js';
import type { BackoffPolicy } from '../util/backoff.js';

/** What Infisical accepts as a folder name. */
const FOLDER_NAME = /^[A-Za-z0-9_-]+$/;

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
} as const;

/**
 * The default cap on one answer's body: 48 MiB, room for about 50,000 secrets (a listed secret takes about
 * 700 bytes on the wire; 17,000 of them are 11.5 MiB).
 *
 * @example
 * createInfisicalConfig({ maxResponseBytes: 2 * DEFAULT_MAX_RESPONSE_BYTES });
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 48 * 1024 * 1024;

const LOOPBACK = /^(localhost|.*\.localhost|127(\.\d{1,3}){3}|\[::1\]|::1)$/i;

/** What is legal but unsafe: logged once when a config starts. */
function startWarnings(url: URL, env: Record<string, unknown>): string[] {
  const warnings: string[] = [];
  if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname)) {
    warnings.push(
      `siteUrl ${url.origin} is plain http:// off this host: the service-account token, the access token and every secret cross the network unencrypted. Use https:// (plain HTTP is for loopback only).`,
    );
  }
  // Node reads this from the process environment for every TLS connection, whatever core's own tls options say.
  if (env.NODE_TLS_REJECT_UNAUTHORIZED === '0' || process.env.NODE_TLS_REJECT_UNAUTHORIZED === '0') {
    warnings.push(
      'NODE_TLS_REJECT_UNAUTHORIZED=0 is set: TLS certificate verification is off for this whole process, so anyone on the network path can read every secret and token. Unset it and pass Infisical\'s CA with tls.ca or INFISICAL_CA_PATH.',
    );
  }
  return warnings;
}

export interface ResolvedSource {
  /** Absent means Infisical too (sources built before directories existed). */
  kind?: 'infisical';
  key: string;
  projectId: string;
  environment: string;
  secretPath: string;
  recursive: boolean;
  includeImports: boolean;
  expandSecretReferences: boolean;
  tagSlugs: string[];
}

export interface ResolvedFileSource {
  kind: 'files';
  key: string;
  directory: string;
  checkIntervalMs: number;
}

/** A source of either kind, in the order the options list them. */
export type ResolvedAnySource = ResolvedSource | ResolvedFileSource;

export interface ResolvedOptions {
  siteUrl: string;
  /** Largest answer body accepted, in bytes. */
  maxResponseBytes: number;
  /** Unsafe but legal settings, logged once at start. */
  warnings: string[];
  /** Empty when every source is a directory: nothing logs in then. */
  identityId: string;
  tokenPath: string;
  sources: ResolvedAnySource[];
  ca: string | Buffer | undefined;
  rejectUnauthorized: boolean;
  refreshIntervalMs: number;
  push: boolean;
  maxStalenessMs: number;
  readyTimeoutMs: number;
  initialRetries: number;
  backoff: BackoffPolicy;
  revokeOnClose: boolean;
  /** Whether list answers are shared with the process's other configs of the same scope. */
  shareAnswers: boolean;
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

function fromEnv(env: Record<string, unknown>, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = env[name];
    if (typeof value === 'string' && value.trim()) return value.trim();
  }
  return undefined;
}

function invalid(message: string): never {
  throw new InfisicalK8sError('OPTIONS_INVALID', message);
}

/** How a wrong value is named in a message: its kind, never its content (an option could hold a credential). */
function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return String(value);
  const type = typeof value;
  return `${type === 'object' || type === 'undefined' ? 'an' : 'a'} ${type}`;
}

type Bag = Record<string, unknown>;

function object(name: string, value: unknown): Bag | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) invalid(`${name} must be an object, got ${kind(value)}`);
  return value as Bag;
}

function string(name: string, value: unknown, hint = ''): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') invalid(`${name} must be a string, got ${kind(value)}${hint}`);
  return value;
}

function boolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') invalid(`${name} must be true or false, got ${kind(value)}`);
  return value;
}

function milliseconds(name: string, value: unknown, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    invalid(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number of milliseconds, got ${kind(value)}`);
  }
  return value;
}

function resolveFileSource(source: Bag, at: string): ResolvedFileSource {
  const directory = string(`${at}.files`, source.files, ': the mounted directory, e.g. /etc/app-secrets')!.trim();
  if (!directory.startsWith('/')) invalid(`${at}.files must be an absolute path (the volume's mountPath), got "${directory}"`);
  const mixed = ['projectId', 'environment', 'secretPath', 'recursive', 'includeImports', 'expandSecretReferences', 'tagSlugs'].filter((name) => source[name] !== undefined);
  if (mixed.length > 0) invalid(`${at} is a directory source ({ files }) and cannot also have ${mixed.join(', ')}: list the Infisical folder as a separate source`);
  const resolved = { kind: 'files' as const, directory, checkIntervalMs: milliseconds(`${at}.checkIntervalMs`, source.checkIntervalMs, 10_000) };
  return { ...resolved, key: JSON.stringify(resolved) };
}

function resolveSource(input: unknown, env: Record<string, unknown>, index: number, single: boolean): ResolvedAnySource {
  const at = single ? 'secrets' : `secrets[${index}]`;
  const source = object(at, input) ?? {};
  if (source.files !== undefined) return resolveFileSource(source, at);
  if (source.checkIntervalMs !== undefined) invalid(`${at}.checkIntervalMs applies to directory sources ({ files }) only`);
  const projectId = string(`${at}.projectId`, source.projectId) ?? (single ? fromEnv(env, ENVIRONMENT_VARIABLES.projectId) : undefined);
  const environment = string(`${at}.environment`, source.environment) ?? (single ? fromEnv(env, ENVIRONMENT_VARIABLES.environment) : undefined);
  const secretPath = string(`${at}.secretPath`, source.secretPath) ?? (single ? fromEnv(env, ENVIRONMENT_VARIABLES.secretPath) : undefined) ?? '/';
  if (!projectId?.trim()) invalid(`${at}.projectId is missing: pass it or set INFISICAL_PROJECT_ID`);
  if (!environment?.trim()) invalid(`${at}.environment is missing: pass the environment slug (e.g. "prod") or set INFISICAL_ENVIRONMENT`);
  if (!secretPath.startsWith('/')) invalid(`${at}.secretPath must start with "/", got "${secretPath}"`);
  // Infisical's folder names are [A-Za-z0-9_-]: current servers refuse any other path with a 400, servers from 2024
  // with a 500 that would look transient and be retried for ever.
  if (!secretPath.split('/').every((segment, i, all) => (i === 0 || i === all.length - 1 ? segment === '' || FOLDER_NAME.test(segment) : FOLDER_NAME.test(segment)))) {
    invalid(`${at}.secretPath "${secretPath}" has a folder name outside letters, digits, "-" and "_": Infisical has no such folder`);
  }
  const tagSlugs = source.tagSlugs ?? [];
  if (!Array.isArray(tagSlugs) || !tagSlugs.every((tag) => typeof tag === 'string')) invalid(`${at}.tagSlugs must be an array of tag slugs`);
  const resolved = {
    kind: 'infisical' as const,
    projectId: projectId.trim(),
    environment: environment.trim(),
    secretPath,
    recursive: boolean(`${at}.recursive`, source.recursive, false),
    includeImports: boolean(`${at}.includeImports`, source.includeImports, true),
    expandSecretReferences: boolean(`${at}.expandSecretReferences`, source.expandSecretReferences, true),
    tagSlugs: tagSlugs as string[],
  };
  return { ...resolved, key: JSON.stringify(resolved) };
}

function resolveClient(value: unknown): ResolvedOptions['client'] {
  const client = object('client', value) ?? {};
  const timeoutMs = client.timeoutMs === undefined ? undefined : milliseconds('client.timeoutMs', client.timeoutMs, 10_000);
  const retry = client.retry;
  if (retry !== undefined && retry !== false) {
    const r = object('client.retry', retry)!;
    if (r.retries !== undefined && (typeof r.retries !== 'number' || !Number.isInteger(r.retries) || r.retries < 0)) invalid('client.retry.retries must be a whole number, 0 or more');
    milliseconds('client.retry.baseDelayMs', r.baseDelayMs, 0, true);
    milliseconds('client.retry.maxDelayMs', r.maxDelayMs, 0, true);
  }
  const apiVersion = client.apiVersion;
  if (apiVersion !== undefined && apiVersion !== 'auto' && apiVersion !== 'v4' && apiVersion !== 'v3') invalid(`client.apiVersion must be 'auto', 'v4' or 'v3', got ${kind(apiVersion)}`);
  return {
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(retry !== undefined ? { retry: retry as NonNullable<InfisicalConfigOptions['client']>['retry'] } : {}),
    ...(apiVersion !== undefined ? { apiVersion } : {}),
  };
}

/**
 * Validates options up front, whatever their shape, and fills defaults from the environment. Throws
 * `OPTIONS_INVALID` naming the option and its environment variable; never a TypeError.
 */
export function resolveOptions(input: unknown, envInput: unknown = process.env): ResolvedOptions {
  const options = object('options', input) ?? {};
  const env = object('env', envInput) ?? {};

  const siteUrl = (string('siteUrl', options.siteUrl) ?? fromEnv(env, ENVIRONMENT_VARIABLES.siteUrl) ?? DEFAULT_SITE_URL).trim().replace(/\/+$/, '');
  let url: URL | undefined;
  try {
    url = new URL(siteUrl);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    invalid(`siteUrl "${siteUrl}" is not an http(s) URL: set siteUrl or INFISICAL_SITE_URL, e.g. https://app.infisical.com`);
  }
  // `https://host/api/v3` is the site URL plus an API path: every route would then 404 (reported as an unknown
  // identity at login). The site's root (a reverse proxy's prefix is fine) is what the client appends routes to.
  const segments = url.pathname.split('/');
  const api = segments.indexOf('api');
  if (api >= 0 || url.search || url.hash) {
    const root = `${url.origin}${(api >= 0 ? segments.slice(0, api) : segments).join('/')}`.replace(/\/+$/, '');
    invalid(`siteUrl "${url.origin}${url.pathname}" must be the site's URL, not an API path or a URL with a query: use ${root} (INFISICAL_SITE_URL)`);
  }

  const single = !Array.isArray(options.secrets);
  // The same image serves per-pod fetching and an Operator-managed Secret: only the Deployment's env differs.
  const directory = fromEnv(env, ENVIRONMENT_VARIABLES.secretsDirectory);
  const fallback = directory ? { files: directory } : {};
  const list: unknown[] = options.secrets === undefined ? [fallback] : single ? [options.secrets] : (options.secrets as unknown[]);
  if (list.length === 0) invalid('secrets must name at least one source { projectId, environment, secretPath } or { files }');
  // Directories only: the pod never logs in, so an identity is neither needed nor used. Decided before the sources
  // are checked, so a config with nothing set names the identity first, as the login is what everything else needs.
  const logsIn = list.some((source) => (source as { files?: unknown } | null)?.files === undefined);
  const kubernetesAuth = object('kubernetesAuth', options.kubernetesAuth) ?? {};
  let identityId = string('kubernetesAuth.identityId', kubernetesAuth.identityId)?.trim() || fromEnv(env, ENVIRONMENT_VARIABLES.identityId);
  if (!logsIn) identityId = '';
  else if (!identityId) invalid('kubernetesAuth.identityId is missing: pass the machine identity ID or set INFISICAL_KUBERNETES_IDENTITY_ID');
  const sources = list.map((source, index) => resolveSource(source, env, index, single));
  const tokenPath =
    string('kubernetesAuth.tokenPath', kubernetesAuth.tokenPath)?.trim() ||
    fromEnv(env, ENVIRONMENT_VARIABLES.tokenPath) ||
    (existsSync(PROJECTED_TOKEN_PATH) || !existsSync(SERVICE_ACCOUNT_TOKEN_PATH) ? PROJECTED_TOKEN_PATH : SERVICE_ACCOUNT_TOKEN_PATH);

  const schema = options.schema;
  if (schema !== undefined) {
    const standard = schema !== null && (typeof schema === 'object' || typeof schema === 'function') ? (schema as { '~standard'?: unknown })['~standard'] : undefined;
    if (!standard || typeof standard !== 'object' || typeof (standard as { validate?: unknown }).validate !== 'function') {
      invalid('schema must be a Standard Schema (zod, valibot, arktype, ...): it has no ~standard.validate');
    }
  }

  const tls = object('tls', options.tls) ?? {};
  let ca = tls.ca;
  if (ca !== undefined && typeof ca !== 'string' && !Buffer.isBuffer(ca)) invalid(`tls.ca must be a PEM string or a Buffer, got ${kind(ca)}`);
  const caPath = string('tls.caPath', tls.caPath) ?? fromEnv(env, ENVIRONMENT_VARIABLES.caPath);
  if (ca === undefined && caPath) {
    try {
      ca = readFileSync(caPath);
    } catch {
      invalid(`tls.caPath "${caPath}" cannot be read: mount the CA file or fix INFISICAL_CA_PATH`);
    }
  }

  const refreshIntervalMs = milliseconds('refreshIntervalMs', options.refreshIntervalMs, 60_000, true);
  const backoffInput = object('backoff', options.backoff) ?? {};
  const backoff = {
    initialMs: milliseconds('backoff.initialMs', backoffInput.initialMs, 1_000),
    maxMs: milliseconds('backoff.maxMs', backoffInput.maxMs, 300_000),
    multiplier: backoffInput.multiplier ?? 2,
  };
  if (typeof backoff.multiplier !== 'number' || !Number.isFinite(backoff.multiplier) || backoff.multiplier < 1) invalid('backoff.multiplier must be a number, 1 or more');
  const initialRetries = options.initialRetries ?? 5;
  if (typeof initialRetries !== 'number' || !Number.isInteger(initialRetries) || initialRetries < 1) invalid('initialRetries must be a whole number, 1 or more');

  const logger = object('logger', options.logger) as InfisicalLogger | undefined;
  if (logger && (typeof logger.warn !== 'function' || typeof logger.error !== 'function')) invalid('logger must have warn() and error() methods (debug() and info() are optional)');
  const clock = object('clock', options.clock) as Clock | undefined;
  if (clock && (typeof clock.now !== 'function' || typeof clock.setTimeout !== 'function' || typeof clock.clearTimeout !== 'function')) {
    invalid('clock must have now(), setTimeout() and clearTimeout()');
  }
  if (options.random !== undefined && typeof options.random !== 'function') invalid('random must be a function returning a number in [0, 1)');

  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (typeof maxResponseBytes !== 'number' || !Number.isInteger(maxResponseBytes) || maxResponseBytes < 1) {
    invalid(`maxResponseBytes must be a whole number of bytes, 1 or more, got ${kind(maxResponseBytes)}`);
  }

  return {
    siteUrl,
    maxResponseBytes,
    warnings: startWarnings(url, env),
    identityId,
    tokenPath,
    sources,
    ca: ca as string | Buffer | undefined,
    rejectUnauthorized: boolean('tls.rejectUnauthorized', tls.rejectUnauthorized, true),
    refreshIntervalMs,
    push: boolean('push', options.push, true),
    maxStalenessMs: milliseconds('maxStalenessMs', options.maxStalenessMs, refreshIntervalMs > 0 ? 10 * refreshIntervalMs : 600_000),
    readyTimeoutMs: milliseconds('readyTimeoutMs', options.readyTimeoutMs, 30_000),
    initialRetries,
    backoff: backoff as BackoffPolicy,
    revokeOnClose: boolean('revokeOnClose', options.revokeOnClose, false),
    shareAnswers: boolean('shareAnswers', options.shareAnswers, false),
    logger: guardLogger(logger ?? consoleLogger),
    clock: clock ?? systemClock,
    random: (options.random as (() => number) | undefined) ?? Math.random,
    tokenFileCheckIntervalMs: milliseconds('tokenFileCheckIntervalMs', options.tokenFileCheckIntervalMs, 30_000),
    client: resolveClient(options.client),
  };
}
