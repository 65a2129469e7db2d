import { systemClock, type Clock } from '../clock/clock.js';
import { ReadyWaiters } from '../config/ready-waiters.js';
import type { ConfigStatus, InfisicalConfig } from '../config/types.js';
import type { InfisicalK8sError } from '../errors/error.js';

/** Stands in for `lastError` while nothing failed yet: a wait that ends then is simply not ready. */
const NOTHING_YET = { code: 'NOT_READY', message: 'Infisical has not answered yet', at: 0 } as const satisfies NonNullable<ConfigStatus['lastError']>;

/**
 * Waits at most `timeoutMs` for a config's first snapshot, for a request that arrives before it: resolves with the
 * snapshot, or rejects with a typed error whose code is the last failure's (`NOT_READY` when nothing failed yet).
 * Earlier when `ready()` itself gives up (a permanent refusal, `initialRetries`, `readyTimeoutMs`, `close()`).
 * The wait is core's `ReadyWaiters`, so it ends by the same rules as `ready()`, on a shorter deadline.
 *
 * @example
 * firstSnapshot(config, 5_000).then(
 *   (snapshot) => next(),
 *   (error: InfisicalK8sError) => res.status(503).json({ code: error.code }),
 * );
 */
export function firstSnapshot<T>(config: Pick<InfisicalConfig<T>, 'ready' | 'status'>, timeoutMs: number, clock: Clock = systemClock): Promise<T> {
  // Attempts are ready()'s to count: this wait only adds the deadline.
  const waiters = new ReadyWaiters<T>(clock, timeoutMs, Number.POSITIVE_INFINITY, () => config.status.lastError ?? NOTHING_YET);
  const waiting = waiters.wait();
  config.ready().then(
    (snapshot) => waiters.resolve(snapshot),
    (error: unknown) => waiters.close(error as InfisicalK8sError),
  );
  return waiting;
}
