/**
 * A scheduled callback. Real timers are unref'd so a config never keeps a process alive.
 *
 * @example
 * const timer = clock.setTimeout(tick, 1000); timer.unref?.();
 */
export interface ClockTimer {
  unref?(): unknown;
}

/**
 * Time as core sees it: injectable, so tests drive days of token life in milliseconds.
 *
 * @example
 * const clock: Clock = { now: () => Date.now(), setTimeout: (fn, ms) => setTimeout(fn, ms).unref(), clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout) };
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  setTimeout(fn: () => void, ms: number): ClockTimer;
  clearTimeout(timer: ClockTimer): void;
  /**
   * Told about work core started on its own (a fetch, a login, a file check), so a clock that moves only when
   * told (`ManualClock` from `@infisical-k8s/core/testing`) can let it settle before firing the next timer. Real
   * clocks leave it out or empty: nothing waits on it.
   */
  track?(work: Promise<unknown>): void;
}

/** Hands `work` to the clock's `track` hook and returns it, so a call site stays one expression. */
export function tracked<T>(clock: Clock, work: Promise<T>): Promise<T> {
  clock.track?.(work);
  return work;
}

/**
 * The real clock; every timer is unref'd.
 *
 * @example
 * createInfisicalConfig({ clock: systemClock });
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const timer = setTimeout(fn, Math.max(0, Math.min(ms, 2_147_483_647)));
    timer.unref();
    return timer;
  },
  clearTimeout(timer) {
    clearTimeout(timer as NodeJS.Timeout);
  },
  track() {
    // Real time runs by itself: nothing needs to wait for core's work.
  },
};
