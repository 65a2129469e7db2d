/** Full-jitter exponential backoff: uniform in [0, min(max, initial × multiplier^attempt)], never below 10 % of the ceiling. */
export function backoffDelay(attempt: number, policy: { initialMs: number; maxMs: number; multiplier: number }, random: () => number): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** Math.max(0, attempt));
  return Math.round(ceiling * (0.1 + 0.9 * random()));
}

/** ±`spread` jitter around `ms`, so a fleet started together does not refresh together. */
export function jittered(ms: number, random: () => number, spread = 0.1): number {
  return Math.round(ms * (1 - spread + 2 * spread * random()));
}
