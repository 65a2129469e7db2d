import type { Clock, ClockTimer } from '../clock/clock.js';
import { InfisicalK8sError } from '../errors/error.js';
import { isPermanentError } from '../errors/codes.js';
import type { ConfigStatus } from './types.js';

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: InfisicalK8sError): void;
  attemptsLeft: number;
  timer: ClockTimer;
}

/**
 * Callers of `ready()` before the first snapshot. Each gives up with the typed error at the first permanent
 * refusal, or after `initialRetries` failed attempts or `readyTimeoutMs`, whichever comes first; loading itself
 * carries on.
 */
export class ReadyWaiters<T> {
  readonly #waiters = new Set<Waiter<T>>();
  /** Every other timer is unref'd; while someone awaits the first snapshot the process must not exit under them. */
  #keepAlive: NodeJS.Timeout | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    private readonly attempts: number,
    private readonly lastError: () => ConfigStatus['lastError'],
  ) {}

  wait(): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.#remove(waiter);
        const last = this.lastError();
        reject(
          new InfisicalK8sError(last?.code ?? 'INFISICAL_UNREACHABLE', `No secrets after ${this.timeoutMs} ms (readyTimeoutMs)${last ? `: ${last.message}` : ': Infisical did not answer'}`),
        );
      }, this.timeoutMs);
      timer.unref?.();
      const waiter: Waiter<T> = { resolve, reject, attemptsLeft: this.attempts, timer };
      this.#waiters.add(waiter);
      this.#keepAlive ??= setInterval(() => undefined, 60_000);
    });
  }

  resolve(value: T): void {
    for (const waiter of this.#waiters) {
      this.#remove(waiter);
      waiter.resolve(value);
    }
  }

  /** A permanent refusal (see `isPermanentError`) rejects at once: retrying cannot help until someone fixes it. */
  attemptFailed(error: InfisicalK8sError): void {
    const permanent = isPermanentError(error.code);
    for (const waiter of this.#waiters) {
      waiter.attemptsLeft -= 1;
      if (waiter.attemptsLeft <= 0 || permanent) {
        this.#remove(waiter);
        waiter.reject(error);
      }
    }
  }

  close(error: InfisicalK8sError): void {
    for (const waiter of this.#waiters) {
      this.#remove(waiter);
      waiter.reject(error);
    }
  }

  #remove(waiter: Waiter<T>): void {
    this.clock.clearTimeout(waiter.timer);
    this.#waiters.delete(waiter);
    if (this.#waiters.size === 0 && this.#keepAlive) {
      clearInterval(this.#keepAlive);
      this.#keepAlive = undefined;
    }
  }
}
