/** Retry policy of the transport. `false` disables retries. */
export interface RetryOptions {
  /** Further attempts after the first one. Default 3. */
  retries?: number;
  /** First backoff ceiling in ms; each retry doubles it (full jitter). Default 250. */
  baseDelayMs?: number;
  /** Upper bound for any single wait, `Retry-After` included. Default 10 000. */
  maxDelayMs?: number;
}

export interface ResolvedRetry {
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export function resolveRetry(options: RetryOptions | false | undefined): ResolvedRetry {
  if (options === false) return { retries: 0, baseDelayMs: 0, maxDelayMs: 0 };
  return {
    retries: options?.retries ?? 3,
    baseDelayMs: options?.baseDelayMs ?? 250,
    maxDelayMs: options?.maxDelayMs ?? 10_000,
  };
}

/** Full jitter (AWS architecture blog): uniform in [0, min(cap, base * 2^attempt)]. */
export function backoffDelay(policy: ResolvedRetry, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/** `Retry-After` is either delay-seconds or an HTTP date. Returns seconds, or undefined. */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

/**
 * The retry rule. Idempotent requests (GET, HEAD, PUT, DELETE) retry on network errors and on
 * 429/502/503/504. Other methods (login, renew, create) may have taken effect on the server, so they
 * retry only when the server certainly did not act: 429 and 503 (refused before handling) and a
 * refused connection (nothing was sent).
 */
export function shouldRetry(method: string, outcome: { status?: number; networkCode?: string }): boolean {
  const idempotent = method === 'GET' || method === 'HEAD' || method === 'PUT' || method === 'DELETE';
  if (outcome.status !== undefined) {
    if (idempotent) return RETRYABLE_STATUS.has(outcome.status);
    return outcome.status === 429 || outcome.status === 503;
  }
  if (idempotent) return true;
  return outcome.networkCode === 'CONNECTION_REFUSED';
}
