import { invalidArgument } from '../api/validate.js';
import { backoffDelay } from './backoff.js';

/**
 * Retry policy of the client; `false` disables retries.
 *
 * @example
 * new InfisicalClient({ retry: { retries: 5, baseDelayMs: 500, maxDelayMs: 30_000 } });
 */
export interface RetryOptions {
  /** Further attempts after the first one. Default 3. */
  retries?: number;
  /** First backoff ceiling in ms; each retry doubles it (full jitter, at least a tenth of the ceiling). Default 250. */
  baseDelayMs?: number;
  /** Upper bound for any single wait, `Retry-After` included. Default 10 000. */
  maxDelayMs?: number;
  /**
   * Retry a 429 here (default `true`). `false` hands every 429 straight back, its `Retry-After` on the error's
   * `retryAfter`, to a caller that schedules its own waits: a server asking for 40 s is then never asked again
   * after the `maxDelayMs` cap.
   */
  rateLimited?: boolean;
}

export interface ResolvedRetry {
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  rateLimited: boolean;
}

function nonNegative(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalidArgument(`retry.${field}`, 'a finite number, 0 or more', value);
  }
  return value;
}

/** The one check of the retry policy (core passes its users' `client.retry` through to here). */
export function resolveRetry(options: RetryOptions | false | undefined): ResolvedRetry {
  if (options === false) return { retries: 0, baseDelayMs: 0, maxDelayMs: 0, rateLimited: false };
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    throw invalidArgument('retry', 'false or an object such as { retries: 2 }', options);
  }
  if (options?.rateLimited !== undefined && typeof options.rateLimited !== 'boolean') {
    throw invalidArgument('retry.rateLimited', 'true or false', options.rateLimited);
  }
  if (options?.retries !== undefined && (typeof options.retries !== 'number' || !Number.isInteger(options.retries) || options.retries < 0)) {
    throw invalidArgument('retry.retries', 'a whole number, 0 or more', options.retries);
  }
  return {
    rateLimited: options?.rateLimited ?? true,
    retries: options?.retries ?? 3,
    baseDelayMs: nonNegative('baseDelayMs', options?.baseDelayMs, 250),
    maxDelayMs: nonNegative('maxDelayMs', options?.maxDelayMs, 10_000),
  };
}

/** `Retry-After` is either delay-seconds or an HTTP date. Returns whole seconds, or undefined. */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  // Fractional seconds are not HTTP's, but some servers send them: wait the whole second, never zero.
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed));
  // Only an HTTP date (IMF-fixdate, RFC 850, asctime: each starts with a day name): V8's Date.parse also reads
  // "1.5" or "in 5" as dates long past, which would mean "retry at once".
  if (!/^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/** The wait before the next attempt: the server's `Retry-After` when given, else jittered backoff; capped. */
export function retryDelay(policy: ResolvedRetry, attempt: number, retryAfter: number | undefined): number {
  if (retryAfter !== undefined) return Math.min(policy.maxDelayMs, retryAfter * 1000);
  return backoffDelay(attempt, { initialMs: policy.baseDelayMs, maxMs: policy.maxDelayMs, multiplier: 2 });
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

/** What one attempt ended with, as far as the retry rule cares. */
export interface AttemptOutcome {
  status?: number;
  networkCode?: string;
  retryAfter?: number;
}

/**
 * The retry rule.
 * - Idempotent requests (GET, HEAD, PUT, DELETE) retry on any network error (timeout, reset, refused,
 *   DNS) and on 429/502/503/504.
 * - Other methods (POST: login, renew, create; PATCH) may already have acted on the server, so they
 *   retry only when it certainly did not: 429 (the rate limiter answers before any handler runs), 503
 *   that carries `Retry-After` (the server asks to come back), and a refused connection (nothing was sent).
 * - TLS failures never retry: they will not heal by themselves.
 */
export function shouldRetry(method: string, outcome: AttemptOutcome): boolean {
  const idempotent = IDEMPOTENT.has(method);
  if (outcome.status !== undefined) {
    if (idempotent) return RETRYABLE_STATUS.has(outcome.status);
    return outcome.status === 429 || (outcome.status === 503 && outcome.retryAfter !== undefined);
  }
  if (outcome.networkCode === 'TLS') return false;
  if (idempotent) return true;
  return outcome.networkCode === 'CONNECTION_REFUSED';
}
