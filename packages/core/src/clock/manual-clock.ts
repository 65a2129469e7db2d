import type { Clock, ClockTimer } from './clock.js';

interface ManualTimer extends ClockTimer {
  id: number;
  at: number;
  fn: () => void;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
/** Work may start more work (a refresh logs in, a login reschedules): this many rounds settle any chain core makes. */
const MAX_ROUNDS = 20;

/**
 * A clock that only moves when told to. `advance()` fires due timers in order and lets the work they started (HTTP
 * to the emulator included) settle before moving on: core hands that work to `track`. Share it with the emulator
 * (`startEmulator({ clock })`) so token lifetimes agree on both sides. For tests: import it from
 * `@infisical-k8s/core/testing`.
 *
 * @example
 * import { ManualClock } from '@infisical-k8s/core/testing';
 * const clock = new ManualClock();
 * const emu = await startEmulator({ clock });
 * const config = createInfisicalConfig({ ...options, clock });
 * await clock.advance(24 * 3600_000); // one simulated day
 */
export class ManualClock implements Clock {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, ManualTimer>();
  /** Work core started and told the clock about, until it settles. */
  readonly #work = new Set<Promise<unknown>>();

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

  /** Remembers `work` until it settles: `settle()` and `advance()` wait for it. */
  track(work: Promise<unknown>): void {
    this.#work.add(work);
    const done = () => this.#work.delete(work);
    work.then(done, done);
  }

  /** Number of scheduled timers. */
  pending(): number {
    return this.#timers.size;
  }

  /** Waits until in-flight work (HTTP included) has settled, without moving time. */
  async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) await tick();
    for (let round = 0; round < MAX_ROUNDS && this.#work.size > 0; round++) await Promise.allSettled(this.#work);
    for (let i = 0; i < 3; i++) await tick();
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
