/** The emulator's notion of now: every token time and lifetime check reads it. */
export interface EmulatorClock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: EmulatorClock = { now: () => Date.now() };

export const seconds = (clock: EmulatorClock): number => Math.floor(clock.now() / 1000);
