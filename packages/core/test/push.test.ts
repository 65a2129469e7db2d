import { afterEach, describe, expect, it } from 'vitest';
import { harness, routes, waitFor, type Harness } from './helpers.js';

let h: Harness<undefined> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Resolves with the real time from now until a change touching `key` arrives. */
function timeChange(config: Harness<undefined>['config'], key: string): Promise<{ ms: number; reason: string }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const subscription = config.changes$.subscribe((change) => {
      if (!change.changedKeys.includes(key)) return;
      subscription.unsubscribe();
      resolve({ ms: performance.now() - started, reason: change.reason });
    });
  });
}

describe('Class: PushSubscription (through createInfisicalConfig)', () => {
  it('serves a change within 100 ms of emulator.setSecret, without waiting for the interval', async () => {
    h = await harness({ manualClock: false, config: { refreshIntervalMs: 600_000 } });
    await h.config.ready();
    await waitFor(() => h!.emu.events.connections() === 1 && h!.config.status.mode === 'push');
    const lists = h.emu.counters.get(routes.list);
    const changed = timeChange(h.config, 'GREETING');
    h.emu.setSecret({ projectId: h.app.projectId, environment: 'prod', key: 'GREETING', value: 'pushed' });
    const { ms, reason } = await changed;
    expect(ms).toBeLessThan(100);
    expect(reason).toBe('push');
    expect(h.config.get('GREETING')).toBe('pushed');
    expect(h.emu.counters.get(routes.list)).toBe(lists + 1);
    expect(h.emu.counters.get(routes.subscribe)).toBe(1);
  });

  it('a burst of events costs one refetch at once and one after the burst, whatever its size', async () => {
    h = await harness({ config: { refreshIntervalMs: 600_000 } });
    await h.config.ready();
    await waitFor(() => h!.config.status.mode === 'push');
    const lists = h.emu.counters.get(routes.list);
    for (let i = 1; i <= 20; i++) h.emu.setSecret({ projectId: h.app.projectId, environment: 'prod', key: 'GREETING', value: `edit ${i}` });
    await waitFor(() => h!.emu.counters.get(routes.list) === lists + 1);
    await new Promise((r) => setTimeout(r, 50)); // let the other 19 events arrive (real time)
    await h.clock!.advance(50);
    expect(h.emu.counters.get(routes.list)).toBe(lists + 2);
    expect(h.config.get('GREETING')).toBe('edit 20');
  });

  it('ignores events for folders it does not read (the server matches paths by prefix)', async () => {
    h = await harness({ manualClock: false, config: { refreshIntervalMs: 600_000 } });
    await h.config.ready();
    await waitFor(() => h!.config.status.mode === 'push');
    const lists = h.emu.counters.get(routes.list);
    // '/' is registered, so the server forwards '/other' too; the source is not recursive.
    h.emu.setSecret({ projectId: h.app.projectId, environment: 'prod', secretPath: '/other', key: 'ELSEWHERE', value: 'x' });
    h.emu.setSecret({ projectId: h.app.projectId, environment: 'prod', key: 'MARKER', value: 'y' });
    await waitFor(() => h!.config.snapshot.MARKER === 'y');
    expect(h.emu.counters.get(routes.list)).toBe(lists + 1);
    expect(h.config.snapshot.ELSEWHERE).toBeUndefined();
  });

  it('pushes changes made in an imported folder too', async () => {
    h = await harness({ manualClock: false, config: { refreshIntervalMs: 600_000 } });
    h.emu.setSecrets(h.app.projectId, 'prod', { SHARED: 'v1', GREETING: 'shared greeting' }, '/shared');
    h.emu.addImport({ projectId: h.app.projectId, environment: 'prod', secretPath: '/', importEnvironment: 'prod', importPath: '/shared' });
    // The folder's own GREETING overrides the imported one.
    expect(await h.config.ready()).toEqual({ SHARED: 'v1', GREETING: 'hello', PORT: '8080' });
    await waitFor(() => h!.emu.events.connections() === 1 && h!.config.status.mode === 'push');
    const changed = timeChange(h.config, 'SHARED');
    h.emu.setSecret({ projectId: h.app.projectId, environment: 'prod', secretPath: '/shared', key: 'SHARED', value: 'v2' });
    expect((await changed).ms).toBeLessThan(100);
    expect(h.config.get('SHARED')).toBe('v2');
  });

  it('refetches once after the server closes the stream (events are not replayed)', async () => {
    h = await harness({ manualClock: false, emulator: { sse: { connectionTimeoutMs: 150 } }, config: { refreshIntervalMs: 600_000, backoff: { initialMs: 20, maxMs: 40 } } });
    await h.config.ready();
    await waitFor(() => h!.emu.counters.get(routes.subscribe) >= 1 && h!.emu.events.connections() === 1);
    // No event and no poll is due (10 min): a new list request can only be the refetch after reconnecting.
    const lists = h.emu.counters.get(routes.list);
    await waitFor(() => h!.emu.counters.get(routes.subscribe) >= 2);
    await waitFor(() => h!.emu.counters.get(routes.list) > lists);
    expect(h.config.status.lastError).toBeUndefined();
  });

  it('reconnects all day without piling listeners on its abort signal or handles on the loop', async () => {
    // One AbortSignal ends every stream of a subscription; a link left on it per reconnect is a leak Node
    // reports after ten (MaxListenersExceededWarning) and that grows by one an hour against a real server.
    const warnings: string[] = [];
    const onWarning = (warning: Error) => void warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      h = await harness({ manualClock: false, emulator: { sse: { connectionTimeoutMs: 60 } }, config: { refreshIntervalMs: 600_000, backoff: { initialMs: 20, maxMs: 40 } } });
      await h.config.ready();
      await waitFor(() => h!.emu.events.connections() === 1);
      const handles = process.getActiveResourcesInfo().length;
      await waitFor(() => h!.emu.counters.get(routes.subscribe) >= 16, 10_000);
      await new Promise((r) => setImmediate(r));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
      expect(process.getActiveResourcesInfo().length).toBeLessThanOrEqual(handles + 2);
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
    await waitFor(() => h!.config.status.mode === 'push');
    await h.clock!.advance(1); // reschedules nothing yet: the first poll was set before push came up
    const lists = h.emu.counters.get(routes.list);
    await h.clock!.advance(70_000); // first poll (60 s ± 10 %) → next one 5 × 60 s later
    expect(h.emu.counters.get(routes.list)).toBe(lists + 1);
    await h.clock!.advance(4 * 60_000);
    expect(h.emu.counters.get(routes.list)).toBe(lists + 1);
    await h.clock!.advance(2 * 60_000);
    expect(h.emu.counters.get(routes.list)).toBe(lists + 2);
    expect(h.config.isReady()).toBe(true);
  });
});
