import { systemClock, type Clock } from '../clock/clock.js';
import { InfisicalK8sError } from '../errors/error.js';

export interface DeadlineOptions {
  /** Default: real time. A hung volume is a wall-clock matter: a simulated clock jumping hours must not fire it. */
  clock?: Clock | undefined;
  timeoutMs: number;
  /** Abandons the wait at once (close()): rejects with `CLOSED`. */
  signal?: AbortSignal | undefined;
  /** The error when the deadline passes first. */
  onTimeout(): Error;
}

const closed = () => new InfisicalK8sError('CLOSED', 'The Infisical config is closed.');

/**
 * Starts `work` and settles with it, or rejects when `timeoutMs` passes or `signal` aborts first. `work` is
 * never cancelled (a stuck read cannot be): it is only no longer waited for.
 */
export function withDeadline<T>(work: () => Promise<T>, options: DeadlineOptions): Promise<T> {
  const clock = options.clock ?? systemClock;
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(closed());
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const finish = (settle: () => void) => {
      if (done) return;
      done = true;
      clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    const onAbort = () => finish(() => reject(closed()));
    const timer = clock.setTimeout(() => finish(() => reject(options.onTimeout())), options.timeoutMs);
    timer.unref?.();
    signal?.addEventListener('abort', onAbort, { once: true });
    work().then(
      (value) => finish(() => resolve(value)),
      (error: unknown) => finish(() => reject(error)),
    );
  });
}
