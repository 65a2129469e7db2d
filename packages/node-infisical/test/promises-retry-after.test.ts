/**
 * The wait before a retry, read from the timer the client sets instead of measured in real time: the
 * server's `Retry-After` (seconds or an HTTP date) is waited to the millisecond, capped by `maxDelayMs`
 * (default 10 s); without one, the backoff (`backoffDelay`, exported) stays within its ceiling and its
 * 10 % floor. Only timers set by the client's own code are read (and shortened to 0 so the test does not
 * wait); the emulator and the sockets run on real time.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, type InfisicalClient, type InfisicalClientOptions } from 'node-infisical';
import { appClient, rejectionOf, useEmulator } from './helpers.js';

const LIST = 'GET /api/v4/secrets';
/** The per-attempt timeout of these clients: the one client timer that is not a wait. */
const TIMEOUT_MS = 3_600_000;
const env = useEmulator({}, { secrets: { A: 'a' } });
const where = () => ({ projectId: env.app().projectId, environment: 'prod', secretPath: '/' });

let waits: number[] = [];
beforeEach(() => {
  env.emu().faults.clear();
  waits = [];
  const real = globalThis.setTimeout;
  vi.spyOn(globalThis, 'setTimeout').mockImplementation(((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const fromClient = /node-infisical[\\/]src[\\/]/.test(new Error().stack ?? '');
    if (!fromClient || ms === TIMEOUT_MS) return real(callback, ms, ...args);
    waits.push(ms ?? 0);
    return real(callback, 0, ...args);
  }) as unknown as typeof setTimeout);
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function listAfterOneFailure(options: InfisicalClientOptions, fault: { status: number; retryAfter?: number | string }): Promise<void> {
  const client: InfisicalClient = await appClient(env.emu(), env.app(), { timeoutMs: TIMEOUT_MS, ...options });
  env.emu().counters.reset();
  waits = [];
  env.emu().faults.inject({ route: LIST, ...fault, times: 1 });
  await client.secrets.list(where());
  expect(env.emu().counters.get(LIST)).toBe(2);
}

describe('The wait before a retry', () => {
  it('is exactly the seconds Retry-After asks for', async () => {
    await listAfterOneFailure({ retry: { retries: 1, baseDelayMs: 1, maxDelayMs: TIMEOUT_MS } }, { status: 503, retryAfter: 7 });
    expect(waits).toEqual([7_000]);
  });

  it("lasts until an HTTP-date Retry-After, on the client's clock", async () => {
    const now = Date.UTC(2026, 0, 1);
    await listAfterOneFailure({ now: () => now, retry: { retries: 1, baseDelayMs: 1, maxDelayMs: TIMEOUT_MS } }, { status: 429, retryAfter: new Date(now + 40_000).toUTCString() });
    expect(waits).toEqual([40_000]);
  });

  it('rounds fractional seconds (not HTTP, but sent) up to the whole second, never down to 0', async () => {
    await listAfterOneFailure({ retry: { retries: 1, baseDelayMs: 1, maxDelayMs: TIMEOUT_MS } }, { status: 503, retryAfter: '1.5' });
    expect(waits).toEqual([2_000]);
    await listAfterOneFailure({ retry: { retries: 1, baseDelayMs: 1, maxDelayMs: TIMEOUT_MS } }, { status: 503, retryAfter: '0.2' });
    expect(waits).toEqual([1_000]);
  });

  it('is capped at maxDelayMs', async () => {
    await listAfterOneFailure({ retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 2_500 } }, { status: 503, retryAfter: 30 });
    expect(waits).toEqual([2_500]);
  });

  it('is capped at 10 s by default', async () => {
    await listAfterOneFailure({ retry: { retries: 1 } }, { status: 503, retryAfter: 30 });
    expect(waits).toEqual([10_000]);
  });

  it('without Retry-After, is between 10 % and 100 % of baseDelayMs on the first retry', async () => {
    await listAfterOneFailure({ retry: { retries: 1, baseDelayMs: 1_000, maxDelayMs: TIMEOUT_MS } }, { status: 502 });
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(100);
    expect(waits[0]).toBeLessThanOrEqual(1_000);
  });

  it.each([
    ['the highest draw', 1, [250, 500, 1_000]],
    ['the lowest draw', 0, [25, 50, 100]],
  ])('without Retry-After, by default: three retries, the ceiling 250 ms doubling each time, %s', async (_name, draw, expected) => {
    const client = await appClient(env.emu(), env.app(), { timeoutMs: TIMEOUT_MS, retry: {} });
    env.emu().counters.reset();
    waits = [];
    vi.spyOn(Math, 'random').mockReturnValue(draw);
    env.emu().faults.inject({ route: LIST, status: 502, times: 3 });
    await client.secrets.list(where());
    expect(env.emu().counters.get(LIST)).toBe(4);
    expect(waits).toEqual(expected);
  });
});

describe('Retry-After that is not a delay', () => {
  // V8's Date.parse reads each of these as a date long past, which would have meant "retry at once".
  it.each(['soon', '1 hour', '5s', 'in 5', '-1', '1.5.3'])('%j on a 429 is no retryAfter at all (not NaN, not 0)', async (header) => {
    const client = await appClient(env.emu(), env.app(), { retry: false, timeoutMs: TIMEOUT_MS });
    env.emu().faults.inject({ route: LIST, status: 429, retryAfter: header, times: 1 });
    const error = await rejectionOf(client.secrets.list(where()));
    expect(error).toMatchObject({ status: 429 });
    expect((error as { retryAfter?: unknown }).retryAfter).toBeUndefined();
  });

  it('a POST that failed with a 500 is not retried, even with Retry-After (only a 503 asks to come back)', async () => {
    env.emu().counters.reset();
    env.emu().faults.inject({ route: 'POST /api/v1/auth/kubernetes-auth/login', status: 500, retryAfter: 0, times: 1 });
    const error = await rejectionOf(appClient(env.emu(), env.app(), { retry: { retries: 3, baseDelayMs: 1 }, timeoutMs: TIMEOUT_MS }));
    expect(error).toMatchObject({ status: 500 });
    expect(env.emu().counters.get('POST /api/v1/auth/kubernetes-auth/login')).toBe(1);
  });

  it('zero retries and a zero delay are valid policies', async () => {
    const client = await appClient(env.emu(), env.app(), { retry: { retries: 0, baseDelayMs: 0, maxDelayMs: 0 }, timeoutMs: TIMEOUT_MS });
    env.emu().counters.reset();
    env.emu().faults.inject({ route: LIST, status: 503, retryAfter: 0, times: 1 });
    expect(await rejectionOf(client.secrets.list(where()))).toMatchObject({ status: 503 });
    expect(env.emu().counters.get(LIST)).toBe(1);
  });
});

describe('Function: backoffDelay', () => {
  const policy = { initialMs: 1_000, maxMs: 300_000, multiplier: 2 };
  it('draws between 10 % and 100 % of initial × multiplier^attempt', () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(800);
    expect(backoffDelay(3, policy, () => 1)).toBe(8_000);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(4_400);
    expect(backoffDelay(0, policy, () => 1)).toBe(1_000);
  });

  it('caps the ceiling at maxMs and treats a negative attempt as the first', () => {
    expect(backoffDelay(20, policy, () => 1)).toBe(300_000);
    expect(backoffDelay(20, policy, () => 0)).toBe(30_000);
    expect(backoffDelay(-3, policy, () => 1)).toBe(1_000);
  });

  it('draws from Math.random by default, within the bounds', () => {
    for (let i = 0; i < 50; i++) {
      const delay = backoffDelay(2, policy);
      expect(delay).toBeGreaterThanOrEqual(400);
      expect(delay).toBeLessThanOrEqual(4_000);
    }
  });
});
