import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock/manual-clock.js';
import { RetryTimer } from './retry-timer.js';

const backoff = { initialMs: 1_000, maxMs: 8_000, multiplier: 2 };

describe('Class: RetryTimer', () => {
  it('draws each failure\'s wait from the backoff of the streak so far, capped, never below Retry-After, and starts over after reset()', () => {
    const retry = new RetryTimer({ clock: new ManualClock(0), backoff, random: () => 1 });
    expect([retry.fail(), retry.fail(), retry.fail(), retry.fail(), retry.fail()]).toEqual([1_000, 2_000, 4_000, 8_000, 8_000]);
    expect(retry.failures).toBe(5);
    retry.reset();
    expect(retry.fail()).toBe(1_000);
    expect(retry.fail(30_000)).toBeGreaterThanOrEqual(30_000);
  });

  it('runs one pending attempt at a time on the clock, and says when', async () => {
    const clock = new ManualClock(0);
    const retry = new RetryTimer({ clock, backoff, random: () => 0.5 });
    const fired: string[] = [];
    retry.start(() => fired.push('first'), 100);
    retry.start(() => fired.push('second'), 200);
    expect(retry.pending).toBe(true);
    expect(retry.at).toBe(200);
    expect(clock.pending()).toBe(1);
    await clock.advance(200);
    expect(fired).toEqual(['second']);
    expect(retry.pending).toBe(false);
    expect(retry.at).toBeUndefined();
    retry.start(() => fired.push('cancelled'), 10);
    retry.cancel();
    await clock.advance(50);
    expect(fired).toEqual(['second']);
  });
});
