import { backoffDelay, type BackoffPolicy } from 'node-infisical';

// One backoff formula for the whole project: node-infisical's, which its own retries use too.
export { backoffDelay, type BackoffPolicy };

/** ±`spread` jitter around `ms`, so a fleet started together does not refresh together. */
export function jittered(ms: number, random: () => number, spread = 0.1): number {
  return Math.round(ms * (1 - spread + 2 * spread * random()));
}

/**
 * The wait before trying again after a failure: the backoff draw, but never sooner than the server's
 * `Retry-After`. Above `Retry-After` a jitter of up to 20 % of it (at least up to 1 s) spreads the pods a
 * limiter refused together, since its window resets for all of them at once. The result is capped at
 * `policy.maxMs`, except that the cap never brings the wait below `Retry-After` itself: coming back sooner
 * than asked only earns another 429.
 */
export function retryWait(attempt: number, policy: BackoffPolicy, random: () => number, retryAfterMs: number | undefined): number {
  const drawn = backoffDelay(attempt, policy, random);
  const asked = retryAfterMs ?? 0;
  if (!(asked > 0)) return drawn;
  const floor = Math.ceil(asked + random() * Math.max(1_000, asked * 0.2));
  return Math.min(Math.max(drawn, floor), Math.max(policy.maxMs, asked));
}
