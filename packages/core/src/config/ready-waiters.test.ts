import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock/manual-clock.js';
import { InfisicalK8sError } from '../errors/error.js';
import type { ConfigStatus } from './types.js';
import { ReadyWaiters } from './ready-waiters.js';

/** Node's own count of live timers and intervals: the keep-alive is a real interval (the process must not exit). */
const liveTimers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
const settled = <T>(promise: Promise<T>) => promise.then((value) => ({ value }), (error: unknown) => ({ error }));

function waiters(lastError: ConfigStatus['lastError'] = undefined, attempts = 3) {
  const clock = new ManualClock();
  return { clock, waiters: new ReadyWaiters<string>(clock, 10_000, attempts, () => lastError) };
}

describe('Class: ReadyWaiters', () => {
  it('holds the process open with one interval while anyone waits, and lets go when the last one is answered', async () => {
    const { waiters: w } = waiters();
    const before = liveTimers();
    const first = w.wait();
    const second = w.wait();
    expect(liveTimers()).toBe(before + 1);
    w.resolve('snapshot');
    expect(await Promise.all([first, second])).toEqual(['snapshot', 'snapshot']);
    expect(liveTimers()).toBe(before);
  });

  it('keeps holding the process while a later waiter still waits, after an earlier one gave up', async () => {
    const { clock, waiters: w } = waiters();
    const before = liveTimers();
    const early = settled(w.wait());
    await clock.advance(5_000);
    const later = w.wait();
    await clock.advance(5_000);
    expect(await early).toEqual({ error: expect.objectContaining({ code: 'INFISICAL_UNREACHABLE' }) });
    expect(liveTimers()).toBe(before + 1);
    w.resolve('snapshot');
    expect(await later).toBe('snapshot');
    expect(liveTimers()).toBe(before);
  });

  it('close() rejects every waiter with its error and lets the process go', async () => {
    const { waiters: w } = waiters();
    const before = liveTimers();
    const pending = [settled(w.wait()), settled(w.wait())];
    const closed = new InfisicalK8sError('CLOSED', 'closed');
    w.close(closed);
    expect(await Promise.all(pending)).toEqual([{ error: closed }, { error: closed }]);
    expect(liveTimers()).toBe(before);
  });

});

describe('Class: ReadyWaiters, giving up', () => {
  it('gives up after readyTimeoutMs with the last error, or says Infisical did not answer', async () => {
    const quiet = waiters();
    const unanswered = settled(quiet.waiters.wait());
    await quiet.clock.advance(10_000);
    expect(await unanswered).toEqual({ error: expect.objectContaining({ code: 'INFISICAL_UNREACHABLE', message: 'No secrets after 10000 ms (readyTimeoutMs): Infisical did not answer' }) });

    const failing = waiters({ code: 'SERVER_ERROR', message: 'Infisical answered 503', at: 0 });
    const refused = settled(failing.waiters.wait());
    await failing.clock.advance(9_999);
    failing.waiters.resolve('too late?');
    expect(await refused).toEqual({ value: 'too late?' });
    const late = settled(failing.waiters.wait());
    await failing.clock.advance(10_000);
    expect(await late).toEqual({ error: expect.objectContaining({ code: 'SERVER_ERROR', message: 'No secrets after 10000 ms (readyTimeoutMs): Infisical answered 503' }) });
  });

  it('rejects after its attempts (counted from when it began to wait), or at once on a permanent refusal', async () => {
    const { waiters: w } = waiters(undefined, 2);
    const transient = new InfisicalK8sError('SERVER_ERROR', 'm');
    const counting = settled(w.wait());
    w.attemptFailed(transient);
    const joinedLate = settled(w.wait());
    w.attemptFailed(transient);
    expect(await counting).toEqual({ error: transient });
    const permanent = new InfisicalK8sError('PERMISSION_DENIED', 'm');
    const fresh = settled(w.wait());
    w.attemptFailed(permanent);
    expect(await Promise.all([joinedLate, fresh])).toEqual([{ error: permanent }, { error: permanent }]);
  });
});
