import { describe, expect, it } from 'vitest';
import { createInfisicalConfig, systemClock, type Clock } from '@infisical-k8s/core';
import { ManualClock } from '@infisical-k8s/core/testing';

describe('Class: ManualClock', () => {
  it('fires nothing until advanced, then every due timer in due order (ties in scheduling order)', async () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b@20'), 20);
    clock.setTimeout(() => fired.push('a@10'), 10);
    clock.setTimeout(() => fired.push('c@20'), 20);
    const cancelled = clock.setTimeout(() => fired.push('never'), 15);
    clock.clearTimeout(cancelled);
    clock.setTimeout(() => fired.push('late@100'), 100);
    expect(clock.pending()).toBe(4);
    expect(fired).toEqual([]);
    await clock.advance(20);
    expect(fired).toEqual(['a@10', 'b@20', 'c@20']);
    expect(clock.now()).toBe(20);
    expect(clock.pending()).toBe(1);
  });

  it('fires timers scheduled by timers inside the window, at their own time', async () => {
    const clock = new ManualClock(1_000);
    const at: number[] = [];
    const tick = () => {
      at.push(clock.now());
      if (at.length < 5) clock.setTimeout(tick, 10);
    };
    clock.setTimeout(tick, 10);
    await clock.advanceTo(1_100);
    expect(at).toEqual([1_010, 1_020, 1_030, 1_040, 1_050]);
    expect(clock.now()).toBe(1_100);
  });

  it('lets real I/O started by a timer settle before the next one fires', async () => {
    const clock = new ManualClock(0);
    const order: string[] = [];
    clock.setTimeout(() => void new Promise((r) => setImmediate(r)).then(() => order.push('io done')), 1);
    clock.setTimeout(() => order.push('second timer'), 2);
    await clock.advance(2);
    expect(order).toEqual(['io done', 'second timer']);
  });

  it('waits for work handed to track() before firing the next timer, however long it takes', async () => {
    const clock = new ManualClock(0);
    const order: string[] = [];
    // Ten event-loop turns: longer than settle()'s own few turns, so only track() can make advance wait for it.
    const slow = async () => {
      for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
      order.push('work done');
    };
    clock.setTimeout(() => clock.track(slow()), 1);
    clock.setTimeout(() => order.push('second timer'), 2);
    await clock.advance(2);
    expect(order).toEqual(['work done', 'second timer']);
  });
});

describe('Interface: Clock', () => {
  it('core hands its own work to any clock\'s track() hook, not only to a ManualClock', async () => {
    const manual = new ManualClock();
    let tracked = 0;
    const clock: Clock = {
      now: () => manual.now(),
      setTimeout: (fn, ms) => manual.setTimeout(fn, ms),
      clearTimeout: (timer) => manual.clearTimeout(timer),
      track: (work) => {
        tracked += 1;
        manual.track(work);
      },
    };
    const config = createInfisicalConfig({
      siteUrl: 'http://127.0.0.1:9',
      kubernetesAuth: { identityId: '00000000-0000-4000-8000-000000000000', tokenPath: '/nonexistent/token' },
      secrets: { projectId: 'p', environment: 'prod' },
      push: false,
      clock,
      logger: { warn: () => undefined, error: () => undefined },
    });
    await manual.settle();
    await config.close();
    expect(tracked).toBeGreaterThan(0);
  });
});

describe('Object: systemClock', () => {
  it('runs real timers, unref\'d so they never keep the process alive', async () => {
    let fired = false;
    const timer = systemClock.setTimeout(() => (fired = true), 1) as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    await new Promise((r) => setTimeout(r, 10));
    expect(fired).toBe(true);
    const cancelled = systemClock.setTimeout(() => (fired = false), 1);
    systemClock.clearTimeout(cancelled);
    await new Promise((r) => setTimeout(r, 10));
    expect(fired).toBe(true);
    // Bracketed, not a tolerance: a loaded machine can pause between two reads for any time.
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});
