/** Exponential backoff settings, all in milliseconds. */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  multiplier: number;
}

/**
 * Full-jitter exponential backoff: uniform over min(max, initial × multiplier^attempt), floored at 10 % of
 * that ceiling so a run of low draws cannot turn into a tight retry loop.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** Math.max(0, attempt));
  return Math.round(ceiling * (0.1 + 0.9 * random()));
}

/** ±`spread` jitter around `ms`, so a fleet started together does not refresh together. */
export function jittered(ms: number, random: () => number, spread = 0.1): number {
  return Math.round(ms * (1 - spread + 2 * spread * random()));
}
