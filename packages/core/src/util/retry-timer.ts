import type { Clock, ClockTimer } from '../clock/clock.js';
import { retryWait, type BackoffPolicy } from './backoff.js';

export interface RetryTimerOptions {
  clock: Clock;
  backoff: BackoffPolicy;
  random: () => number;
}

/**
 * A streak of failures and the one timer that tries again: counts failures, draws each wait from the one backoff
 * formula (never sooner than a `Retry-After`), and runs the next attempt on an unref'd clock timer. The config's
 * refresh scheduler, the token manager and the event stream each own one.
 *
 * @example
 * const retry = new RetryTimer({ clock, backoff, random });
 * retry.start(() => attempt(), retry.fail(error.retryAfterMs)); // after a failure
 * retry.reset(); // after a success
 */
export class RetryTimer {
  readonly #o: RetryTimerOptions;
  #failures = 0;
  #timer: ClockTimer | undefined;
  #at: number | undefined;

  constructor(options: RetryTimerOptions) {
    this.#o = options;
  }

  /** Failures since the last `reset()`. */
  get failures(): number {
    return this.#failures;
  }

  /** When the pending timer fires (epoch ms), or undefined. */
  get at(): number | undefined {
    return this.#at;
  }

  get pending(): boolean {
    return this.#timer !== undefined;
  }

  /** Counts one failure and draws its wait: the backoff step of the streak so far, never below `retryAfterMs`. */
  fail(retryAfterMs?: number): number {
    const delay = retryWait(this.#failures, this.#o.backoff, this.#o.random, retryAfterMs);
    this.#failures += 1;
    return delay;
  }

  /** The streak is over: the next failure starts from the first backoff step. */
  reset(): void {
    this.#failures = 0;
  }

  /** Runs `fn` after `ms`, replacing a pending run. */
  start(fn: () => void, ms: number): void {
    this.cancel();
    this.#at = this.#o.clock.now() + ms;
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#at = undefined;
      fn();
    }, ms);
    this.#timer.unref?.();
  }

  cancel(): void {
    if (this.#timer) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#at = undefined;
  }
}
