/**
 * Adaptive polling: a 429 doubles this pod's poll interval, five quiet fetches in a row ease it back by a fifth
 * down to the configured one; `status` and the readiness report show it. Then a fleet: many configs behind one
 * client IP share one emulator's rate limit, and without any coordination their 429s die out.
 */
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, provision } from '@infisical-k8s/emulator';
import { createInfisicalConfig, type ClockTimer, type InfisicalConfig } from '@infisical-k8s/core';
import { ManualClock } from '@infisical-k8s/core/testing';
import { adminClient, captureLogger, harness, routes, waitFor, type Harness } from './helpers.js';

let h: Harness<undefined> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A small seeded PRNG (mulberry32): pods draw different jitter, the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('Adaptive polling', () => {
  it('a 429 on a poll doubles the interval (status and readiness show it); quiet polls ease it back to the configured one', async () => {
    h = await harness({ config: { push: false, refreshIntervalMs: 60_000 } });
    await h.config.ready();
    expect(h.config.status.pollIntervalMs).toBe(60_000);
    expect(h.config.readiness()).toEqual({ status: 'ready', stale: false });
    // The next poll is refused (Retry-After 1 s); its retry goes through.
    h.emu.faults.inject({ route: routes.list, status: 429, retryAfter: 1, times: 1 });
    await h.clock!.advanceTo(h.config.status.nextAttemptAt!);
    expect(h.config.status).toMatchObject({ pollIntervalMs: 120_000, rateLimited: 1, retryAfterMs: 1_000 });
    expect(h.config.readiness()).toEqual({ status: 'ready', stale: false, code: 'RATE_LIMITED', pollIntervalMs: 120_000 });
    await h.clock!.advanceTo(h.config.status.nextAttemptAt!);
    expect(h.config.readiness()).toEqual({ status: 'ready', stale: false, pollIntervalMs: 120_000 });
    // From here on, every attempt is a quiet poll: record the gaps between list requests and the interval after each.
    const intervals: number[] = [];
    const gaps: number[] = [];
    let last = h.clock!.now();
    for (let i = 0; i < 80 && h.config.status.pollIntervalMs !== 60_000; i++) {
      const lists = h.emu.counters.get(routes.list);
      const at = h.config.status.nextAttemptAt!;
      await h.clock!.advanceTo(at - 1);
      expect(h.emu.counters.get(routes.list)).toBe(lists);
      await h.clock!.advanceTo(at);
      expect(h.emu.counters.get(routes.list)).toBe(lists + 1);
      gaps.push(at - last);
      last = at;
      intervals.push(h.config.status.pollIntervalMs);
    }
    // Draws pinned at 0.5: each gap is exactly the interval in effect when it was scheduled.
    expect(gaps.slice(0, 4)).toEqual([120_000, 120_000, 120_000, 120_000]);
    // Five quiet fetches per step (the retry counted as the first), x0.8 each step, never below the configured 60 s.
    expect([...new Set(intervals)]).toEqual([120_000, 96_000, 76_800, 61_440, 60_000]);
    expect(h.config.readiness()).toEqual({ status: 'ready', stale: false });
  });

  it('each further 429 doubles it again, up to half of maxStalenessMs (so a slowed pod never turns stale)', async () => {
    h = await harness({ config: { push: false, refreshIntervalMs: 60_000, maxStalenessMs: 600_000 } });
    await h.config.ready();
    // The poll and its first two retries are refused: 120 s, 240 s, then 300 s (half of the 600 s staleness).
    h.emu.faults.inject({ route: routes.list, status: 429, retryAfter: 1, times: 3 });
    for (let i = 0; i < 4; i++) await h.clock!.advanceTo(h.config.status.nextAttemptAt!);
    expect(h.config.status).toMatchObject({ pollIntervalMs: 300_000, rateLimited: 3, stale: false, ready: true });
    expect(h.config.status.lastError).toBeUndefined();
    expect(h.config.status.nextAttemptAt! - h.clock!.now()).toBe(300_000);
  });

  it('a fleet of 50 pods behind one IP, polling every 60 s against a budget of 20 lists a minute, settles under 90 % of it without coordination', async () => {
    const clock = new ManualClock();
    const BUDGET = 20;
    const PODS = 50;
    const MINUTES = 90;
    const emu = await startEmulator({ clock, rateLimit: { secretsLimit: BUDGET } });
    const app = await provision(emu, { secrets: { GREETING: 'hello' } });
    const start = clock.now();
    const refusedPerMinute = Array.from({ length: MINUTES }, () => 0);
    const configs: Array<InfisicalConfig<Readonly<Record<string, string>>>> = [];
    try {
      for (let pod = 0; pod < PODS; pod++) {
        const config = createInfisicalConfig({
          siteUrl: emu.infisicalUrl,
          kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
          secrets: { projectId: app.projectId, environment: app.environment, secretPath: app.secretPath },
          logger: captureLogger(),
          clock,
          random: seeded(pod + 1),
          client: { retry: false },
          push: false,
          refreshIntervalMs: 60_000,
        });
        config.errors$.subscribe((error) => {
          const minute = Math.floor((clock.now() - start) / 60_000);
          if (error.code === 'RATE_LIMITED' && minute < MINUTES) refusedPerMinute[minute]! += 1;
        });
        configs.push(config);
      }
      const listsPerMinute: number[] = [];
      for (let minute = 0; minute < MINUTES; minute++) {
        const before = emu.counters.get(routes.list);
        await clock.advance(60_000);
        listsPerMinute.push(emu.counters.get(routes.list) - before);
      }
      const early = sum(refusedPerMinute.slice(0, 10));
      const late = sum(refusedPerMinute.slice(-30));
      // For the report: node's console in vitest shows it with --reporter=verbose.
      console.info(`fleet: 429s per minute ${refusedPerMinute.join(' ')}; lists per minute ${listsPerMinute.join(' ')}`);
      // Without adaptation 50 pods ask about 50 times a minute, 30 of them refused, every minute.
      expect(early).toBeGreaterThan(30);
      // Settled: at most one refusal every two minutes over the last half hour (the first ten minutes: over a hundred).
      expect(late).toBeLessThanOrEqual(15);
      expect(late * 10).toBeLessThan(early);
      // Every pod is ready and serving.
      expect(configs.every((config) => config.isReady())).toBe(true);
      // And the fleet still uses most of its budget: slowed down no more than needed (at least half of it), and
      // keeps a margin below it (the answers' x-ratelimit headers slow pods down before the limiter refuses them).
      expect(sum(listsPerMinute.slice(-30)) / 30).toBeGreaterThan(BUDGET / 2);
      expect(sum(listsPerMinute.slice(-30)) / 30).toBeLessThanOrEqual(0.9 * BUDGET);
    } finally {
      await Promise.all(configs.map((config) => config.close()));
      app.projected.stop();
      await emu.close();
      await rm(app.projected.dir, { recursive: true, force: true });
    }
  }, 240_000);
});

/** A neighbour behind the same IP (loopback): `count` list requests now, against the same per-IP bucket. */
async function neighbourLists(running: Harness<undefined>, count: number): Promise<void> {
  const neighbour = adminClient(running.emu);
  for (let i = 0; i < count; i++) {
    await neighbour.secrets.list({ projectId: running.app.projectId, environment: running.app.environment, secretPath: running.app.secretPath });
  }
}

describe('Adaptive polling: the shared bucket read from every answer', () => {
  it('a poll whose answer shows the bucket filling up slows this pod by a quarter before anything is refused; one that shows room does not', async () => {
    // 10 lists a minute; a neighbour's requests open each window 20 s before the pod's poll, which lands in it.
    h = await harness({ emulator: { rateLimit: { secretsLimit: 10 } }, config: { push: false, refreshIntervalMs: 90_000 } });
    await h.config.ready();
    const firstPoll = h.config.status.nextAttemptAt!;
    // Room: five neighbour requests, then the pod's poll: 6 of the window's 10 used.
    await h.clock!.advanceTo(firstPoll - 20_000);
    await neighbourLists(h, 5);
    await h.clock!.advanceTo(firstPoll);
    expect(h.config.status).toMatchObject({ pollIntervalMs: 90_000, rateLimited: 0 });
    // Nearly used up: six neighbour requests, then the pod's: 7 of 10.
    const secondPoll = h.config.status.nextAttemptAt!;
    await h.clock!.advanceTo(secondPoll - 20_000);
    await neighbourLists(h, 6);
    await h.clock!.advanceTo(secondPoll);
    expect(h.config.status).toMatchObject({ pollIntervalMs: 112_500, rateLimited: 0 });
    expect(h.config.status.nextAttemptAt! - h.clock!.now()).toBe(112_500);
    expect(h.config.readiness()).toEqual({ status: 'ready', stale: false, pollIntervalMs: 112_500 });
  });
});

/** A ManualClock that records the delay of every timer armed on it. */
class RecordingClock extends ManualClock {
  readonly armed: number[] = [];
  override setTimeout(fn: () => void, ms: number): ClockTimer {
    this.armed.push(ms);
    return super.setTimeout(fn, ms);
  }
}

describe('Adaptive polling with push', { timeout: 120_000 }, () => {
  it('once a push refetch is refused, the next pushed change is refetched at a random point of a spread, not with the whole fleet at once', async () => {
    const clock = new RecordingClock();
    h = await harness({ manualClock: false, emulator: { clock }, config: { clock, refreshIntervalMs: 60_000 } });
    await h.config.ready();
    await waitFor(() => h!.config.status.mode === 'push', 60_000);
    const set = (value: string) => h!.emu.setSecret({ projectId: h!.app.projectId, environment: 'prod', key: 'GREETING', value });
    // Small fleet, nothing refused yet: a change is fetched the moment it is announced.
    let lists = h.emu.counters.get(routes.list);
    set('first');
    await waitFor(() => h!.config.get('GREETING') === 'first', 60_000);
    expect(h.emu.counters.get(routes.list)).toBe(lists + 1);
    // The burst debounce (50 ms) ends with nothing more to fetch.
    await clock.advance(50);
    expect(h.emu.counters.get(routes.list)).toBe(lists + 1);
    // The next announced change's refetch is refused: the spread becomes the 60 s interval, and the refetch comes
    // back at its draw (0.5 here) over the spread after Retry-After (1 s), not when the limiter's window resets.
    h.emu.faults.inject({ route: routes.list, status: 429, retryAfter: 1, times: 1 });
    clock.armed.length = 0;
    set('second');
    await waitFor(() => h!.config.status.rateLimited === 1 && clock.armed.includes(31_000), 60_000);
    await clock.advance(30_999);
    expect(h.config.get('GREETING')).toBe('first');
    await clock.advance(1);
    expect(h.config.get('GREETING')).toBe('second');
    // The change after that waits for its draw over the 60 s spread, and is then fetched once.
    lists = h.emu.counters.get(routes.list);
    clock.armed.length = 0;
    set('third');
    await waitFor(() => clock.armed.includes(30_000), 60_000);
    await clock.settle();
    expect(h.emu.counters.get(routes.list)).toBe(lists);
    await clock.advance(29_999);
    expect(h.config.get('GREETING')).toBe('second');
    await clock.advance(1);
    expect(h.emu.counters.get(routes.list)).toBe(lists + 1);
    expect(h.config.get('GREETING')).toBe('third');
  });
});
