/**
 * The emulator's notion of now: every token time and lifetime check reads it.
 *
 * @example
 * const clock = { t: Date.UTC(2026, 0, 1), now() { return this.t; } };
 * const emu = await startEmulator({ clock });
 * clock.t += 3600_000; // an hour later for every JWT and renew budget
 */
export interface EmulatorClock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: EmulatorClock = { now: () => Date.now() };

export const seconds = (clock: EmulatorClock): number => Math.floor(clock.now() / 1000);
