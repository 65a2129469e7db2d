import { describe, expect, it } from 'vitest';
import { AdaptiveInterval, RefetchSpread, bucketUse } from './adaptive-interval.js';

const headers = (values: Record<string, string>) => new Headers(values);

describe('bucketUse: how full the shared limiter bucket is, from the answer headers', () => {
  it('is the used share of the limit', () => {
    expect(bucketUse(headers({ 'x-ratelimit-limit': '120', 'x-ratelimit-remaining': '24' }))).toBe(0.8);
    expect(bucketUse(headers({ 'x-ratelimit-limit': '120', 'x-ratelimit-remaining': '120' }))).toBe(0);
  });

  it('is undefined without both headers (a server without limits) or with a limit that is not a positive number', () => {
    expect(bucketUse(headers({}))).toBeUndefined();
    expect(bucketUse(headers({ 'x-ratelimit-limit': '120' }))).toBeUndefined();
    expect(bucketUse(headers({ 'x-ratelimit-remaining': '3' }))).toBeUndefined();
    expect(bucketUse(headers({ 'x-ratelimit-limit': '0', 'x-ratelimit-remaining': '0' }))).toBeUndefined();
    expect(bucketUse(headers({ 'x-ratelimit-limit': 'many', 'x-ratelimit-remaining': '3' }))).toBeUndefined();
    expect(bucketUse(headers({ 'x-ratelimit-limit': '120', 'x-ratelimit-remaining': 'some' }))).toBeUndefined();
  });

  it('stays within 0 and 1 whatever the server says', () => {
    expect(bucketUse(headers({ 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '-5' }))).toBe(1);
    expect(bucketUse(headers({ 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '50' }))).toBe(0);
  });
});

describe('AdaptiveInterval after a 429', () => {
  it('doubles at once; five quiet fetches ease it by a fifth while far from the refused level, twenty near it', () => {
    const interval = new AdaptiveInterval(60_000, 3_600_000);
    interval.rateLimited();
    expect(interval.current).toBe(120_000);
    // 96 s is not within 25 % of the 60 s level the 429 came at: a normal step.
    for (let i = 0; i < 4; i++) interval.succeeded();
    expect(interval.current).toBe(120_000);
    interval.succeeded();
    expect(interval.current).toBe(96_000);
    for (let i = 0; i < 5; i++) interval.succeeded();
    expect(interval.current).toBe(76_800);
    // 61.4 s is within 25 % of 60 s: a cautious step.
    for (let i = 0; i < 19; i++) interval.succeeded();
    expect(interval.current).toBe(76_800);
    interval.succeeded();
    expect(interval.current).toBe(61_440);
  });
});

/** How many quiet fetches it takes to ease one step, and the interval after it. */
function step(interval: AdaptiveInterval): [number, number] {
  const before = interval.current;
  let fetches = 0;
  while (interval.current === before && fetches < 100) {
    interval.succeeded();
    fetches += 1;
  }
  return [fetches, interval.current];
}

describe('AdaptiveInterval: the level of the last 429', () => {
  it('is forgotten once the interval eases below it: further steps are normal ones again', () => {
    const interval = new AdaptiveInterval(60_000, 3_600_000);
    interval.rateLimited();
    interval.rateLimited(); // refused at 120 s: now 240 s
    expect(interval.current).toBe(240_000);
    expect([step(interval), step(interval), step(interval), step(interval), step(interval)]).toEqual([
      [5, 192_000],
      [5, 153_600],
      [20, 122_880], // within 25 % of the 120 s level: cautious
      [20, 98_304], // below 120 s: the level is forgotten
      [5, 78_643], // so this step is a normal one
    ]);
    // Back at the configured interval, quiet fetches change nothing.
    while (interval.current !== 60_000) step(interval);
    for (let i = 0; i < 25; i++) interval.succeeded();
    expect(interval).toMatchObject({ current: 60_000, adapted: false });
  });
  it('is kept while the interval eases exactly onto it, and forgotten only below it', () => {
    const interval = new AdaptiveInterval(60_000, 3_600_000);
    interval.rateLimited(); // 120 s
    expect(interval.underPressure(0.9)).toBe(true); // felt at 120 s: 150 s
    expect([step(interval), step(interval)]).toEqual([
      [20, 120_000], // onto the level itself: still remembered...
      [20, 96_000], // ...so this step, within 25 % of it, is cautious too
    ]);
  });
});

describe('AdaptiveInterval.underPressure', () => {
  it('slows by a quarter at 70 % of the bucket, not below; and counts as a refusal level for easing back', () => {
    const interval = new AdaptiveInterval(60_000, 600_000);
    expect(interval.underPressure(undefined)).toBe(false);
    expect(interval.underPressure(0.69)).toBe(false);
    expect(interval.current).toBe(60_000);
    expect(interval.underPressure(0.7)).toBe(true);
    expect(interval.current).toBe(75_000);
    expect(interval.adapted).toBe(true);
    // Easing back to 60 s comes within 25 % of the 60 s level the pressure was felt at: twenty quiet fetches.
    for (let i = 0; i < 19; i++) interval.succeeded();
    expect(interval.current).toBe(75_000);
    interval.succeeded();
    expect(interval.current).toBe(60_000);
  });

  it('never grows past the ceiling (half of maxStalenessMs)', () => {
    const interval = new AdaptiveInterval(60_000, 200_000);
    for (let i = 0; i < 10; i++) interval.underPressure(1);
    expect(interval.current).toBe(100_000);
  });
});

describe('RefetchSpread', () => {
  it('is zero until a push refetch is refused or crowded; then the configured interval, doubled per refusal up to the ceiling', () => {
    const spread = new RefetchSpread(60_000, 600_000);
    expect(spread.current).toBe(0);
    spread.succeeded(0.69);
    expect(spread.current).toBe(0);
    spread.rateLimited();
    expect(spread.current).toBe(60_000);
    spread.rateLimited();
    expect(spread.current).toBe(120_000);
    spread.succeeded(0.7);
    expect(spread.current).toBe(150_000);
    for (let i = 0; i < 10; i++) spread.rateLimited();
    expect(spread.current).toBe(300_000);
  });

  it('narrows by a tenth per quiet refetch down to the configured interval; five quiet ones there end it (push is there for its latency)', () => {
    const spread = new RefetchSpread(60_000, 600_000);
    spread.rateLimited();
    spread.rateLimited();
    spread.succeeded(undefined);
    expect(spread.current).toBe(108_000);
    for (let i = 0; i < 5; i++) spread.succeeded(0.1);
    expect(spread.current).toBe(63_773);
    spread.succeeded(0.1);
    expect(spread.current).toBe(60_000);
    for (let i = 0; i < 4; i++) spread.succeeded(0.1);
    expect(spread.current).toBe(60_000);
    // A crowded refetch at the minimum starts the count again.
    spread.succeeded(0.9);
    expect(spread.current).toBe(75_000);
    spread.succeeded(0.1);
    spread.succeeded(0.1);
    spread.succeeded(0.1);
    expect(spread.current).toBe(60_000);
    for (let i = 0; i < 4; i++) spread.succeeded(0.1);
    expect(spread.current).toBe(60_000);
    spread.succeeded(0.1);
    expect(spread.current).toBe(0);
  });
});
