import { afterEach, describe, expect, it } from 'vitest';
import type { ClockTimer } from '@infisical-k8s/core';
import { ManualClock } from '@infisical-k8s/core/testing';
import { harness, routes, waitFor, type Harness } from './helpers.js';

/** A ManualClock that counts the timers armed for core's push debounce (50 ms): one per event core has read. */
class DebounceCountingClock extends ManualClock {
  debounces = 0;
  override setTimeout(fn: () => void, ms: number): ClockTimer {
    if (ms === 50) this.debounces += 1;
    return super.setTimeout(fn, ms);
  }
}

let h: Harness<undefined> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/**
 * Resolves with the simulated time that passed until a change touching `key` arrived. The ManualClock stands
 * still unless a test moves it, so 0 means no timer (no poll, no debounce, no backoff) was waited on: the change
 * came straight from the event. A wall-clock latency budget would instead measure how busy the machine is.
 */
function timeChange(running: Harness<undefined>, key: string): Promise<{ simulatedMs: number; reason: string }> {
  const started = running.clock!.now();
  return new Promise((resolve) => {
    const subscription = running.config.changes$.subscribe((change) => {
      if (!change.changedKeys.includes(key)) return;
      subscription.unsubscribe();
      resolve({ simulatedMs: running.clock!.now() - started, reason: change.reason });
    });
  });
}

/** Waits on loopback I/O (SSE) in real time; the bound only turns a hang into a failure, load cannot reach it. */
const eventually = (predicate: () => boolean) => waitFor(predicate, 60_000);

// Real-time waits on loopback I/O (SSE) are bounded only to turn a hang into a failure: a busy machine is slow, not wrong.
describe('Class: PushSubscription (through createInfisicalConfig)', { timeout: 120_000 }, () => {
  it('serves a change from emulator.setSecret at once, without waiting for the interval or any other timer', async () => {
    h = await harness({ config: { refreshIntervalMs: 600_000 } });
    await h.config.ready();
    await eventually(() => h!.emu.events.connections() === 1 && h!.config.status.mode === 'push');
    const lists = h.emu.counters.get(routes.list);
    const changed = timeChange(h, 'GREETING');
    h.emu.setSecret({ projectId: h.app.projectId, environment: 'prod', key: 'GREETING', value: 'pushed' });
    const { simulatedMs, reason } = await changed;
    expect(simulatedMs).toBe(0);
    expect(reason).toBe('push');
    expect(h.config.get('GREETING')).toBe('pushed');
    expect(h.emu.counters.get(routes.list)).toBe(lists + 1);
    expect(h.emu.counters.get(routes.subscribe)).toBe(1);
  });

  it('a burst of events costs one refetch at once and one after the burst, whatever its size', async () => {
    // Core arms its 50 ms debounce timer anew for each event it reads: counting them tells when all 20 have
    // arrived, so the debounce fires after the whole burst by construction rather than after a real-time pause.
    const clock = new DebounceCountingClock();
    h = await harness({ manualClock: false, emulator: { clock }, config: { clock, refreshIntervalMs: 600_000 } });
    await h.config.ready();
    await eventually(() => h!.config.status.mode === 'push');
    const lists = h.emu.counters.get(routes.list);
    for (let i = 1; i <= 20; i++) h.emu.setSecret({ projectId: h.app.projectId, environment: 'prod', key: 'GREETING', value: `edit ${i}` });
    await eventually(() => clock.debounces === 20);
    await clock.settle();
    expect(h.emu.counters.get(routes.list)).toBe(lists + 1);
    await clock.advance(50);
    expect(h.emu.counters.get(routes.list)).toBe(lists + 2);
    expect(h.config.get('GREETING')).toBe('edit 20');
  });

  it('ignores events for folders it does not read (the server matches paths by prefix)', async () => {
    h = await harness({ config: { refreshIntervalMs: 600_000 } });
    await h.config.ready();
    await eventually(() => h!.config.status.mode === 'push');
    const lists = h.emu.counters.get(routes.list);
    // '/' is registered, so the server forwards '/other' too; the source is not recursive.
    h.emu.setSecret({ projectId: h.app.projectId, environment: 'prod', secretPath: '/other', key: 'ELSEWHERE', value: 'x' });
    h.emu.setSecret({ projectId: h.app.projectId, environment: 'prod', key: 'MARKER', value: 'y' });
    await eventually(() => h!.config.snapshot.MARKER === 'y');
    expect(h.emu.counters.get(routes.list)).toBe(lists + 1);
    expect(h.config.snapshot.ELSEWHERE).toBeUndefined();
  });

  it('pushes changes made in an imported folder too', async () => {
    h = await harness({ config: { refreshIntervalMs: 600_000 } });
    h.emu.setSecrets(h.app.projectId, 'prod', { SHARED: 'v1', GREETING: 'shared greeting' }, '/shared');
    h.emu.addImport({ projectId: h.app.projectId, environment: 'prod', secretPath: '/', importEnvironment: 'prod', importPath: '/shared' });
    // The folder's own GREETING overrides the imported one.
    expect(await h.config.ready()).toEqual({ SHARED: 'v1', GREETING: 'hello', PORT: '8080' });
    // The first fetch found the import, so the stream opened at start (for '/' only) was replaced by one that also
    // registers '/shared'; 'push' means that one is connected. The emulator may still count the first stream for a
    // while when it was cut off mid-subscribe, so its connection count says nothing here.
    await eventually(() => h!.config.status.mode === 'push');
    const changed = timeChange(h, 'SHARED');
    h.emu.setSecret({ projectId: h.app.projectId, environment: 'prod', secretPath: '/shared', key: 'SHARED', value: 'v2' });
    expect(await changed).toEqual({ simulatedMs: 0, reason: 'push' });
    expect(h.config.get('SHARED')).toBe('v2');
  });

  it('refetches once after the server closes the stream (events are not replayed)', async () => {
    h = await harness({ manualClock: false, emulator: { sse: { connectionTimeoutMs: 150 } }, config: { refreshIntervalMs: 600_000, backoff: { initialMs: 20, maxMs: 40 } } });
    await h.config.ready();
    await eventually(() => h!.emu.counters.get(routes.subscribe) >= 1 && h!.emu.events.connections() === 1);
    // No event and no poll is due (10 min): a new list request can only be the refetch after reconnecting.
    const lists = h.emu.counters.get(routes.list);
    await eventually(() => h!.emu.counters.get(routes.subscribe) >= 2);
    await eventually(() => h!.emu.counters.get(routes.list) > lists);
    expect(h.config.status.lastError).toBeUndefined();
  });

  it('reconnects all day without piling listeners on its abort signal or handles on the loop', async () => {
    // One AbortSignal ends every stream of a subscription; a link left on it per reconnect is a leak Node
    // reports after ten (MaxListenersExceededWarning) and that grows by one an hour against a real server.
    const warnings: string[] = [];
    const onWarning = (warning: Error) => void warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      // The server ends each stream after 60 ms (real time); each reconnect waits its backoff on the ManualClock,
      // which this test moves only once the stream has ended. So every cycle is one whole stream, one reconnect and
      // one refetch, and the handles are counted at the same quiet point of two cycles (the stream over, core's
      // work settled, the reconnect waiting on simulated time), whatever the machine's load.
      h = await harness({ emulator: { sse: { connectionTimeoutMs: 60 } }, config: { refreshIntervalMs: 600_000, backoff: { initialMs: 20, maxMs: 40 } } });
      const clock = h.clock!;
      await h.config.ready();
      const ended = async (subscriptions: number) => {
        await eventually(() => h!.emu.counters.get(routes.subscribe) === subscriptions && h!.emu.events.connections() === 0 && h!.config.status.mode === 'polling');
        await clock.settle();
      };
      const reconnect = async (subscriptions: number) => {
        // One simulated millisecond per step, until the one reconnect has been made: a step of a whole backoff cap
        // could also fire the next reconnect when a loaded machine lets the new stream end (60 ms, real time) inside it.
        while (h!.emu.counters.get(routes.subscribe) < subscriptions) {
          await clock.advance(1);
          await new Promise((r) => setTimeout(r, 5));
        }
        await ended(subscriptions);
      };
      await ended(1);
      await reconnect(2);
      const handles = process.getActiveResourcesInfo();
      for (let subscriptions = 3; subscriptions <= 16; subscriptions++) await reconnect(subscriptions);
      expect(h.emu.counters.get(routes.subscribe)).toBe(16);
      expect(warnings).not.toContain('MaxListenersExceededWarning');
      expect(process.getActiveResourcesInfo().length).toBeLessThanOrEqual(handles.length);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('falls back to polling with one log line when the plan refuses event subscriptions', async () => {
    h = await harness({ emulator: { eventSubscriptions: false }, config: { refreshIntervalMs: 60_000 } });
    await h.config.ready();
    await h.clock!.settle();
    const refused = h.logger.lines.filter((line) => line.includes('push notifications refused'));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(/^warn .*HTTP 400.*plan.*polling every 60000 ms/);
    h.emu.setSecret({ projectId: h.app.projectId, environment: 'prod', key: 'GREETING', value: 'polled' });
    await h.clock!.advance(66_000);
    expect(h.config.get('GREETING')).toBe('polled');
    expect(h.config.status.mode).toBe('polling');
    // Never asks again, never logs again.
    await h.clock!.advance(60 * 60_000);
    expect(h.emu.counters.get(routes.subscribe)).toBe(1);
    expect(h.logger.lines.filter((line) => line.includes('push notifications refused'))).toHaveLength(1);
  });

  it('keeps polling, slower, as a safety net while push is up', async () => {
    h = await harness({ manualClock: true, config: { refreshIntervalMs: 60_000 } });
    await h.config.ready();
    await eventually(() => h!.config.status.mode === 'push');
    // The stream and the first fetch start together, so which finishes first (and with it the first poll's
    // interval) is the machine's to decide. A refresh once push is up schedules the next poll from a known state.
    await h.config.refresh();
    const lists = h.emu.counters.get(routes.list);
    const clock = h.clock!;
    await clock.advance(260_000); // 5 × 60 s ± 10 %: not before 270 s, where polling alone would have polled 4 times
    expect(h.emu.counters.get(routes.list)).toBe(lists);
    await clock.advance(80_000); // 340 s: past 330 s
    expect(h.emu.counters.get(routes.list)).toBe(lists + 1);
    await clock.advance(190_000); // 530 s: the next one comes 270 s to 330 s after the first, so not before 540 s
    expect(h.emu.counters.get(routes.list)).toBe(lists + 1);
    await clock.advance(140_000); // 670 s: past 660 s
    expect(h.emu.counters.get(routes.list)).toBe(lists + 2);
    expect(h.config.isReady()).toBe(true);
  });
});
