import { describe, expect, it } from 'vitest';
import { backoffDelay, jittered, retryWait } from './backoff.js';

const policy = { initialMs: 1_000, maxMs: 30_000, multiplier: 2 };
/** A random() that answers the given draws in turn (the backoff draw first, then the Retry-After jitter). */
const draws = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

describe('Function: retryWait', () => {
  it('is the backoff draw when the server named no wait (none, 0, negative, NaN)', () => {
    for (const retryAfterMs of [undefined, 0, -5_000, Number.NaN]) {
      // A jitter draw of 0.9 would make any floor 900 ms, above the 100 ms backoff draw.
      expect(retryWait(0, policy, draws(0, 0.9), retryAfterMs)).toBe(100);
    }
    expect(retryWait(2, policy, draws(0.5), undefined)).toBe(backoffDelay(2, policy, draws(0.5)));
  });

  it('never comes back before Retry-After, plus a jitter of 20 % of it (at least up to 1 s)', () => {
    // Backoff draw 100 ms (attempt 0, random 0); Retry-After 5 s; jitter draw 0, then all of the 1 s.
    expect(retryWait(0, policy, draws(0, 0), 5_000)).toBe(5_000);
    expect(retryWait(0, policy, draws(0, 0.999_9), 5_000)).toBe(6_000);
    // Retry-After 20 s: the jitter reaches 20 % of it, 4 s.
    expect(retryWait(0, policy, draws(0, 0.5), 20_000)).toBe(22_000);
    // A backoff draw longer than the floor wins.
    expect(retryWait(4, { ...policy, maxMs: 60_000 }, draws(1, 0), 5_000)).toBe(16_000);
  });

  it('is capped at maxMs, but the cap never brings it below Retry-After itself', () => {
    expect(retryWait(0, policy, draws(0, 0.5), 28_000)).toBe(30_000);
    expect(retryWait(0, policy, draws(0, 0.5), 60_000)).toBe(60_000);
  });
});

describe('Function: jittered', () => {
  it('spreads a wait evenly over ±10 % (or the spread given)', () => {
    expect([0, 0.5, 1].map((r) => jittered(1_000, () => r))).toEqual([900, 1_000, 1_100]);
    expect([0, 0.25, 1].map((r) => jittered(1_000, () => r, 0.5))).toEqual([500, 750, 1_500]);
  });
});
