import { existsSync, readFileSync } from 'node:fs';
import { systemClock, type Clock } from '../clock/clock.js';
import type { BackoffPolicy } from '../util/backoff.js';
import { resolveMetrics } from '../metrics/resolve.js';
import type { ResolvedMetrics } from '../metrics/types.js';
import { boolean, fromEnv, invalid, invalidOption, milliseconds, object, string, wholeNumber, type Bag } from './check.js';
import { DEFAULT_MAX_RESPONSE_BYTES, ENVIRONMENT_VARIABLES, PROJECTED_TOKEN_PATH, SERVICE_ACCOUNT_TOKEN_PATH } from './defaults.js';
import { resolveSiteUrl, startWarnings } from './site-url.js';
import { resolveAuth, type ResolvedAuth } from './auth.js';
import { resolveSource, type ResolvedAnySource } from './sources.js';
import { resolveProcessEnv, type ResolvedProcessEnv } from './process-env.js';
import type { InfisicalConfigOptions, InfisicalLogger } from './types.js';
import { resolveFallback, type ResolvedFallback } from '../fallback/options.js';

export { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_SITE_URL, ENVIRONMENT_VARIABLES, PROJECTED_TOKEN_PATH, SERVICE_ACCOUNT_TOKEN_PATH } from './defaults.js';
export type { ResolvedAnySource, ResolvedFileSource, ResolvedSource } from './sources.js';
export type { AuthMethod, ResolvedAuth } from './auth.js';
export type { ResolvedDynamicSource } from './dynamic-source.js';

export interface ResolvedOptions {
  siteUrl: string;
  /** Largest answer body accepted, in bytes. */
  maxResponseBytes: number;
  /** Unsafe but legal settings, logged once at start. */
  warnings: string[];
  /** The auth method and its credentials (Kubernetes Auth uses identityId and tokenPath below). */
  auth: ResolvedAuth;
  /** Empty when every source is a directory, or the auth method is not Kubernetes Auth. */
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
  /** The process.env bridge; undefined when off. */
  processEnv: ResolvedProcessEnv | undefined;
  /** OpenTelemetry reporting; undefined when off. */
  metrics: ResolvedMetrics | undefined;
  /** The encrypted last-good-snapshot file; undefined when off. */
  fallback: ResolvedFallback | undefined;
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

/**
 * The client's options. `retry`'s fields are the client's to check (node-infisical refuses them, and core maps
 * that to OPTIONS_INVALID); core only needs an object it can merge its defaults into.
 */
function resolveClient(value: unknown): ResolvedOptions['client'] {
  const client = object('client', value) ?? {};
  const timeoutMs = client.timeoutMs === undefined ? undefined : milliseconds('client.timeoutMs', client.timeoutMs, 10_000);
  const retry = client.retry;
  if (retry !== false) object('client.retry', retry);
  const apiVersion = client.apiVersion;
  if (apiVersion !== undefined && apiVersion !== 'auto' && apiVersion !== 'v4' && apiVersion !== 'v3') throw invalidOption('client.apiVersion', "'auto', 'v4' or 'v3'", apiVersion);
  return {
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(retry !== undefined ? { retry: retry as NonNullable<InfisicalConfigOptions['client']>['retry'] } : {}),
    ...(apiVersion !== undefined ? { apiVersion } : {}),
  };
}

/** The sources, and the identity that logs in for them (none when every source is a directory). */
function resolveLogin(options: Bag, env: Bag): Pick<ResolvedOptions, 'auth' | 'identityId' | 'tokenPath' | 'sources'> {
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
  // Directories only: no login, so no auth method to check either.
  const auth: ResolvedAuth = logsIn ? resolveAuth(options, env) : { method: 'kubernetes', scope: 'none' };
  let identityId = string('kubernetesAuth.identityId', kubernetesAuth.identityId)?.trim() || fromEnv(env, ENVIRONMENT_VARIABLES.identityId);
  if (!logsIn || auth.method !== 'kubernetes') identityId = '';
  else if (!identityId) invalid('kubernetesAuth.identityId is missing: pass the machine identity ID or set INFISICAL_KUBERNETES_IDENTITY_ID (outside a cluster: universalAuth or INFISICAL_UNIVERSAL_AUTH_CLIENT_ID and _SECRET, or accessToken or INFISICAL_TOKEN)');
  const sources = list.map((source, index) => resolveSource(source, env, index, single));
  const tokenPath =
    string('kubernetesAuth.tokenPath', kubernetesAuth.tokenPath)?.trim() ||
    fromEnv(env, ENVIRONMENT_VARIABLES.tokenPath) ||
    (existsSync(PROJECTED_TOKEN_PATH) || !existsSync(SERVICE_ACCOUNT_TOKEN_PATH) ? PROJECTED_TOKEN_PATH : SERVICE_ACCOUNT_TOKEN_PATH);
  return { auth, identityId, tokenPath, sources };
}

function checkSchema(schema: unknown): void {
  if (schema === undefined) return;
  const standard = schema !== null && (typeof schema === 'object' || typeof schema === 'function') ? (schema as { '~standard'?: unknown })['~standard'] : undefined;
  if (!standard || typeof standard !== 'object' || typeof (standard as { validate?: unknown }).validate !== 'function') {
    invalid('schema must be a Standard Schema (zod, valibot, arktype, ...): it has no ~standard.validate');
  }
}

/** The CA: given, or read from `tls.caPath` / INFISICAL_CA_PATH now, so a missing file fails at start. */
function resolveCa(tls: Bag, env: Bag): string | Buffer | undefined {
  const ca = tls.ca;
  if (ca !== undefined && typeof ca !== 'string' && !Buffer.isBuffer(ca)) throw invalidOption('tls.ca', 'a PEM string or a Buffer', ca);
  const caPath = string('tls.caPath', tls.caPath) ?? fromEnv(env, ENVIRONMENT_VARIABLES.caPath);
  if (ca !== undefined || !caPath) return ca;
  try {
    return readFileSync(caPath);
  } catch {
    invalid(`tls.caPath "${caPath}" cannot be read: mount the CA file or fix INFISICAL_CA_PATH`);
  }
}

function resolveBackoff(value: unknown): BackoffPolicy {
  const input = object('backoff', value) ?? {};
  const multiplier = input.multiplier ?? 2;
  const backoff = { initialMs: milliseconds('backoff.initialMs', input.initialMs, 1_000), maxMs: milliseconds('backoff.maxMs', input.maxMs, 300_000), multiplier };
  if (typeof multiplier !== 'number' || !Number.isFinite(multiplier) || multiplier < 1) invalid('backoff.multiplier must be a number, 1 or more');
  return backoff as BackoffPolicy;
}

/** The injectable parts: logger, clock and random source, each checked for the methods core calls. */
function resolveHooks(options: Bag): Pick<ResolvedOptions, 'logger' | 'clock' | 'random'> {
  const logger = object('logger', options.logger) as InfisicalLogger | undefined;
  if (logger && (typeof logger.warn !== 'function' || typeof logger.error !== 'function')) invalid('logger must have warn() and error() methods (debug() and info() are optional)');
  const clock = object('clock', options.clock) as Clock | undefined;
  if (clock && (typeof clock.now !== 'function' || typeof clock.setTimeout !== 'function' || typeof clock.clearTimeout !== 'function')) {
    invalid('clock must have now(), setTimeout() and clearTimeout()');
  }
  if (options.random !== undefined && typeof options.random !== 'function') throw invalidOption('random', 'a function returning a number in [0, 1)', options.random);
  return { logger: guardLogger(logger ?? consoleLogger), clock: clock ?? systemClock, random: (options.random as (() => number) | undefined) ?? Math.random };
}

/**
 * Validates options up front, whatever their shape, and fills defaults from the environment. Throws
 * `OPTIONS_INVALID` naming the option and its environment variable; never a TypeError.
 */
export function resolveOptions(input: unknown, envInput: unknown = process.env): ResolvedOptions {
  const options = object('options', input) ?? {};
  const env = object('env', envInput) ?? {};
  const { siteUrl, url } = resolveSiteUrl(options, env);
  const login = resolveLogin(options, env);
  checkSchema(options.schema);
  const tls = object('tls', options.tls) ?? {};
  const ca = resolveCa(tls, env);
  const refreshIntervalMs = milliseconds('refreshIntervalMs', options.refreshIntervalMs, 60_000, true);
  const backoff = resolveBackoff(options.backoff);
  const initialRetries = wholeNumber('initialRetries', options.initialRetries ?? undefined, 5, 1);
  const hooks = resolveHooks(options);
  const maxResponseBytes = wholeNumber('maxResponseBytes', options.maxResponseBytes ?? undefined, DEFAULT_MAX_RESPONSE_BYTES, 1, ' of bytes');
  return {
    siteUrl,
    maxResponseBytes,
    warnings: startWarnings(url, env),
    ...login,
    ca,
    rejectUnauthorized: boolean('tls.rejectUnauthorized', tls.rejectUnauthorized, true),
    refreshIntervalMs,
    push: boolean('push', options.push, true),
    maxStalenessMs: milliseconds('maxStalenessMs', options.maxStalenessMs, refreshIntervalMs > 0 ? 10 * refreshIntervalMs : 600_000),
    readyTimeoutMs: milliseconds('readyTimeoutMs', options.readyTimeoutMs, 30_000),
    initialRetries,
    backoff,
    revokeOnClose: boolean('revokeOnClose', options.revokeOnClose, false),
    shareAnswers: boolean('shareAnswers', options.shareAnswers, false),
    ...hooks,
    tokenFileCheckIntervalMs: milliseconds('tokenFileCheckIntervalMs', options.tokenFileCheckIntervalMs, 30_000),
    client: resolveClient(options.client),
    processEnv: resolveProcessEnv(options.processEnv),
    metrics: resolveMetrics(options.metrics),
    fallback: resolveFallback(options.fallback, env),
  };
}
