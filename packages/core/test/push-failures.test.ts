import { afterEach, describe, expect, it } from 'vitest';
import { harness, routes, waitFor, type Harness } from './helpers.js';

let h: Harness<undefined> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const streakLines = (lines: string[]) => lines.filter((line) => line.includes('push: the event stream failed'));

describe('Event stream failures (through createInfisicalConfig)', () => {
  it('a 401 on the subscription alone costs one login per streak, then backoff, and one log line', async () => {
    // Polling off: every login and list seen here comes from the event stream's handling.
    h = await harness({ config: { refreshIntervalMs: 0 } });
    // Injected before the first subscription goes out (the login comes first, over HTTP).
    h.emu.faults.inject({ route: routes.subscribe, status: 401, body: { reqId: 'r', statusCode: 401, message: 'Token missing or invalid for this route', error: 'UnauthorizedError' } });
    await h.config.ready();
    await h.clock!.advance(60 * 60_000);
    const subscribes = h.emu.counters.get(routes.subscribe);
    expect(subscribes).toBeGreaterThan(10);
    // Backoff (1 s doubling to a 5 min cap): an hour holds at most a few dozen attempts.
    expect(subscribes).toBeLessThan(40);
    expect(h.emu.counters.get(routes.login)).toBe(2);
    const lines = streakLines(h.logger.lines);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^warn push: the event stream failed \(HTTP 401 UnauthorizedError: Token missing or invalid for this route\); reconnecting with backoff/);
    expect(h.config.status.mode).toBe('polling');
    expect(h.config.snapshot).toEqual({ GREETING: 'hello', PORT: '8080' });
  });

  it('a 503 streak backs off with one log line and no login', async () => {
    h = await harness({ config: { refreshIntervalMs: 0 } });
    h.emu.faults.inject({ route: routes.subscribe, status: 503 });
    await h.config.ready();
    await h.clock!.advance(60 * 60_000);
    expect(h.emu.counters.get(routes.subscribe)).toBeGreaterThan(10);
    expect(h.emu.counters.get(routes.subscribe)).toBeLessThan(40);
    expect(h.emu.counters.get(routes.login)).toBe(1);
    expect(streakLines(h.logger.lines)).toHaveLength(1);
    expect(streakLines(h.logger.lines)[0]).toMatch(/HTTP 503/);
  });

  it('once a stream has stayed up, the next streak logs again', async () => {
    // Real time: the emulator ends each stream after 1.5 s, past the 1 s a stream needs to count as healthy.
    h = await harness({ manualClock: false, emulator: { sse: { connectionTimeoutMs: 1_500 } }, config: { refreshIntervalMs: 0, backoff: { initialMs: 20, maxMs: 40 } } });
    h.emu.faults.inject({ route: routes.subscribe, status: 503, times: 3 });
    await h.config.ready();
    await waitFor(() => h!.emu.events.connections() === 1, 10_000);
    expect(streakLines(h.logger.lines)).toHaveLength(1);
    h.emu.faults.inject({ route: routes.subscribe, status: 503, times: 3 });
    await waitFor(() => streakLines(h!.logger.lines).length === 2, 10_000);
    await waitFor(() => h!.emu.events.connections() === 1, 10_000);
    expect(streakLines(h.logger.lines)).toHaveLength(2);
  });

  it("a 404 'Route … not found' (a server without the event route) means polling, with one line saying so", async () => {
    h = await harness({ config: { refreshIntervalMs: 60_000 } });
    h.emu.faults.inject({
      route: routes.subscribe,
      status: 404,
      body: { statusCode: 404, message: 'Route POST:/api/v1/events/subscribe/project-events not found', error: 'Not Found' },
    });
    await h.config.ready();
    await h.clock!.settle();
    const refused = h.logger.lines.filter((line) => line.includes('push notifications refused'));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(/^warn push notifications refused by Infisical \(this server has no event route \(Route POST:\/api\/v1\/events\/subscribe\/project-events not found\)\); polling every 60000 ms/);
    await h.clock!.advance(60 * 60_000);
    expect(h.emu.counters.get(routes.subscribe)).toBe(1);
    expect(h.config.status.mode).toBe('polling');
    expect(streakLines(h.logger.lines)).toEqual([]);
  });
});
