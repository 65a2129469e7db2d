/**
 * Retry-After at every wait core schedules: the retry of a failed fetch, the login backoff, the event stream's
 * reconnect, and the client's own retries (which hand a 429 back instead of capping its wait at 2 s). Real 429s
 * with Retry-After from the emulator, on a manual clock; every draw pinned at 0.5, so the backoff draw is 550 ms
 * and the jitter above a Retry-After of R is 0.5 x max(1 s, 0.2 R).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { harness, routes, type Harness } from './helpers.js';

let h: Harness<undefined> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Moves the clock to `at` (epoch ms) and returns how many requests `route` has seen by then. */
async function countAt(t: Harness<undefined>, route: string, at: number): Promise<number> {
  await t.clock!.advanceTo(at);
  return t.emu.counters.get(route);
}

describe('Retry-After', () => {
  describe('Method: retry of a failed fetch', () => {
    it('waits at least Retry-After (40 s), jittered above it, not the 550 ms backoff draw; status shows the wait', async () => {
      h = await harness({ config: { push: false } });
      h.emu.faults.inject({ route: routes.list, status: 429, retryAfter: 40, times: 1 });
      const t0 = h.clock!.now();
      await h.clock!.settle();
      expect(h.emu.counters.get(routes.list)).toBe(1);
      expect(h.config.status).toMatchObject({ ready: false, retryAfterMs: 40_000, rateLimited: 1, lastError: { code: 'RATE_LIMITED' } });
      // 40 s plus half of the 8 s jitter span (20 % of 40 s).
      expect(h.config.status.nextAttemptAt).toBe(t0 + 44_000);
      expect(await countAt(h, routes.list, t0 + 40_000)).toBe(1);
      expect(await countAt(h, routes.list, t0 + 43_999)).toBe(1);
      expect(await countAt(h, routes.list, t0 + 44_000)).toBe(2);
      await h.config.ready();
      // A success clears the refusal.
      expect(h.config.status.retryAfterMs).toBeUndefined();
      expect(h.config.status.lastError).toBeUndefined();
    });

    it('is capped at backoff.maxMs, but the cap never brings the wait below Retry-After itself', async () => {
      // Retry-After 9.5 s plus 0.95 s of jitter would pass the 10 s cap: the cap wins (still after 9.5 s).
      h = await harness({ config: { push: false, backoff: { initialMs: 1_000, maxMs: 10_000 } } });
      h.emu.faults.inject({ route: routes.list, status: 429, retryAfter: 9, times: 1 });
      let t0 = h.clock!.now();
      await h.clock!.settle();
      // 9 s + 0.5 x 1.8 s = 9.9 s: inside the cap, jittered above Retry-After.
      expect(h.config.status.nextAttemptAt).toBe(t0 + 9_900);
      await h.clock!.advance(9_900);
      await h.config.ready();
      // After a success, a refusal asking for longer than the cap: wait exactly what it asks, not the 10 s cap.
      h.emu.faults.inject({ route: routes.list, status: 429, retryAfter: 40, times: 1 });
      await h.config.refresh().catch(() => undefined);
      t0 = h.clock!.now();
      expect(h.config.status.nextAttemptAt).toBe(t0 + 40_000);
      // Three so far: the first 429, its retry, this refresh's 429.
      expect(await countAt(h, routes.list, t0 + 39_999)).toBe(3);
      expect(await countAt(h, routes.list, t0 + 40_000)).toBe(4);
      // Retry-After 10 s with the cap at 10 s: jitter would take it to 11 s, the cap keeps it at 10 s.
      h.emu.faults.inject({ route: routes.list, status: 429, retryAfter: 10, times: 1 });
      await h.config.refresh().catch(() => undefined);
      t0 = h.clock!.now();
      expect(h.config.status.nextAttemptAt).toBe(t0 + 10_000);
    });

    it('reads Retry-After as an HTTP date, measured against core\'s clock', async () => {
      h = await harness({ config: { push: false } });
      const t0 = h.clock!.now();
      h.emu.faults.inject({ route: routes.list, status: 429, retryAfter: new Date(t0 + 40_000).toUTCString(), times: 1 });
      await h.clock!.settle();
      expect(h.config.status.retryAfterMs).toBe(40_000);
      expect(await countAt(h, routes.list, t0 + 43_999)).toBe(1);
      expect(await countAt(h, routes.list, t0 + 44_000)).toBe(2);
      await h.config.ready();
    });

    it("the client never retries a 429 itself (it would cap 'try again in 40 s' at 2 s): core's wait is the only one", async () => {
      // The client's default retry policy (2 retries, 2 s cap), not the harness's `retry: false`.
      h = await harness({ config: { push: false, client: {} } });
      h.emu.faults.inject({ route: routes.list, status: 429, retryAfter: 40, times: 1 });
      const t0 = h.clock!.now();
      // settle() waits for the fetch in flight, client retries included.
      await h.clock!.settle();
      expect(h.emu.counters.get(routes.list)).toBe(1);
      expect(h.config.status.ready).toBe(false);
      expect(await countAt(h, routes.list, t0 + 43_999)).toBe(1);
      expect(await countAt(h, routes.list, t0 + 44_000)).toBe(2);
      await h.config.ready();
    });
  });

  describe('Method: other triggers', () => {
    it('inside a Retry-After window a new token does not refetch at once: the pending retry does, after the window', async () => {
      h = await harness({ config: { push: false, refreshIntervalMs: 600_000 } });
      await h.config.ready();
      h.emu.faults.inject({ route: routes.list, status: 429, retryAfter: 40, times: 1 });
      await expect(h.config.refresh()).rejects.toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 40_000 });
      const t0 = h.clock!.now();
      // The kubelet rotates the token; the watcher sees it within its 30 s check and logs in with it.
      await h.app.projected.rotate();
      expect(await countAt(h, routes.list, t0 + 39_999)).toBe(2);
      expect(h.emu.counters.get(routes.login)).toBe(2);
      expect(await countAt(h, routes.list, t0 + 44_000)).toBe(3);
      expect(h.config.status.lastError).toBeUndefined();
    });
  });

  describe('Method: login backoff', () => {
    it('a 429 on the login blocks every login (and the fetch retry) until Retry-After has passed', async () => {
      h = await harness({ config: { push: false } });
      h.emu.faults.inject({ route: routes.login, status: 429, retryAfter: 40, times: 1 });
      const t0 = h.clock!.now();
      await h.clock!.settle();
      expect(h.emu.counters.get(routes.login)).toBe(1);
      expect(h.config.status).toMatchObject({ retryAfterMs: 40_000, lastError: { code: 'RATE_LIMITED' } });
      expect(h.config.status.nextAttemptAt).toBeGreaterThanOrEqual(t0 + 40_000);
      expect(await countAt(h, routes.login, t0 + 39_999)).toBe(1);
      expect(h.emu.counters.get(routes.list)).toBe(0);
      expect(await countAt(h, routes.login, t0 + 48_000)).toBe(2);
      await h.config.ready();
    });
  });

  describe('Method: renewal retry', () => {
    it("a 429 on a scheduled renewal retries it no sooner than Retry-After (here 600 s, past the backoff's 300 s cap)", async () => {
      h = await harness({ config: { push: false, refreshIntervalMs: 0 } });
      await h.config.ready();
      h.emu.faults.inject({ route: routes.renew, status: 429, retryAfter: 600, times: 1 });
      // Until the renewal (at about two thirds of the hour-long token) goes out and is refused.
      for (let i = 0; i < 60 && h.emu.counters.get(routes.renew) === 0; i++) await h.clock!.advance(60_000);
      expect(h.emu.counters.get(routes.renew)).toBe(1);
      expect(h.config.status).toMatchObject({ retryAfterMs: 600_000, lastError: { code: 'RATE_LIMITED' } });
      // The refusal happened during the last minute's step: 600 s after the start of that minute nothing went out.
      expect(await countAt(h, routes.renew, h.clock!.now() + 540_000)).toBe(1);
      expect(h.emu.counters.get(routes.login)).toBe(1);
      expect(await countAt(h, routes.renew, h.clock!.now() + 60_000)).toBe(2);
      expect(h.emu.counters.get(routes.login)).toBe(1);
    });
  });

  describe('Method: push reconnect', () => {
    it('a 429 on the subscription reconnects no sooner than Retry-After, and status shows it', async () => {
      // Polling off: only the event stream asks Infisical here.
      h = await harness({ config: { refreshIntervalMs: 0 } });
      h.emu.faults.inject({ route: routes.subscribe, status: 429, retryAfter: 40, times: 1 });
      await h.config.ready();
      await h.clock!.settle();
      const t0 = h.clock!.now();
      expect(h.emu.counters.get(routes.subscribe)).toBe(1);
      expect(h.config.status.retryAfterMs).toBe(40_000);
      expect(await countAt(h, routes.subscribe, t0 + 39_999)).toBe(1);
      expect(await countAt(h, routes.subscribe, t0 + 44_000)).toBe(2);
    });
  });
});
