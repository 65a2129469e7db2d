/**
 * Exponential backoff settings, all in milliseconds.
 *
 * @example
 * const policy: BackoffPolicy = { initialMs: 1_000, maxMs: 300_000, multiplier: 2 };
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  multiplier: number;
}

/**
 * The one backoff formula of the project (the client's own retries and every wait core schedules): full-jitter
 * exponential backoff, uniform over min(max, initial × multiplier^attempt), floored at 10 % of that ceiling so a
 * run of low draws cannot turn into a tight retry loop.
 *
 * @example
 * backoffDelay(3, { initialMs: 1_000, maxMs: 300_000, multiplier: 2 }, Math.random); // 800–8 000 ms
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** Math.max(0, attempt));
  return Math.round(ceiling * (0.1 + 0.9 * random()));
}
