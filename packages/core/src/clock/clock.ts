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
};

interface ManualTimer extends ClockTimer {
  id: number;
  at: number;
  fn: () => void;
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A clock that only moves when told to. `advance()` fires due timers in order and lets real I/O
 * (HTTP to the emulator) that a timer started settle before moving on. Share it with the emulator
 * (`startEmulator({ clock })`) so token lifetimes agree on both sides.
 *
 * @example
 * const clock = new ManualClock();
 * const emu = await startEmulator({ clock });
 * const config = createInfisicalConfig({ ...options, clock });
 * await clock.advance(24 * 3600_000); // one simulated day
 */
export class ManualClock implements Clock {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, ManualTimer>();
  /** Awaited after every fired timer; core registers its idle check here so `advance` waits for in-flight work. */
  #idle: Array<() => Promise<void>> = [];

  constructor(startMs: number = Date.UTC(2026, 0, 1)) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): ClockTimer {
    const timer: ManualTimer = { id: this.#nextId++, at: this.#now + Math.max(0, ms), fn };
    this.#timers.set(timer.id, timer);
    return timer;
  }

  clearTimeout(timer: ClockTimer): void {
    this.#timers.delete((timer as ManualTimer).id);
  }

  /** Number of scheduled timers. */
  pending(): number {
    return this.#timers.size;
  }

  /** Lets `advance` wait for work a timer started (core calls this; users rarely need it). */
  onIdle(wait: () => Promise<void>): () => void {
    this.#idle.push(wait);
    return () => {
      this.#idle = this.#idle.filter((w) => w !== wait);
    };
  }

  /** Waits until in-flight work (HTTP included) has settled, without moving time. */
  async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) await settle();
    for (const wait of this.#idle) await wait();
    for (let i = 0; i < 3; i++) await settle();
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.#now + ms);
  }

  /** Moves time forward to the epoch-ms `target` (never backwards), firing every timer that falls due, in order. */
  async advanceTo(target: number): Promise<void> {
    await this.settle();
    for (;;) {
      let next: ManualTimer | undefined;
      for (const timer of this.#timers.values()) {
        if (timer.at <= target && (!next || timer.at < next.at || (timer.at === next.at && timer.id < next.id))) next = timer;
      }
      if (!next) break;
      this.#timers.delete(next.id);
      this.#now = Math.max(this.#now, next.at);
      next.fn();
      await this.settle();
    }
    this.#now = Math.max(this.#now, target);
    await this.settle();
  }
}
