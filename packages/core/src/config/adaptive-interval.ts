/** Each 429 multiplies the interval by this. */
const GROWTH = 2;
/** Each easing step multiplies it by this, never below the configured interval. */
const EASE = 0.8;
/** Consecutive successful fetches before one easing step... */
const QUIET_FETCHES = 5;
/** ...and before a step that comes within 25 % of the interval the last 429 answered. */
const CAUTIOUS_QUIET_FETCHES = 20;
const CAUTION_MARGIN = 1.25;
/** The interval never grows past this many times the configured one. */
const MAX_FACTOR = 16;

/**
 * This pod's poll interval under a rate limit it shares with others (Infisical Cloud counts per client IP, so a
 * cluster behind one NAT shares one bucket). A 429 doubles the interval at once. Five successful fetches in a row
 * ease it back by a fifth, down to the configured interval; near the interval at which the last 429 came (within
 * 25 % of it) a step waits for twenty, and once the interval is below that level and still quiet, the level is
 * forgotten. Every pod does this alone, with no coordination: refused pods slow down hard, pods that see room
 * speed up, quickly far from the last refusal and carefully near it, so the fleet's rate settles just under the
 * budget instead of probing past it every few minutes.
 *
 * The ceiling is 16 times the configured interval, but never more than half of `maxStalenessMs`: a pod slowed
 * down by the limiter must still refresh (and retry one failure) before its data counts as stale.
 */
export class AdaptiveInterval {
  readonly #configured: number;
  readonly #ceiling: number;
  #current: number;
  #quiet = 0;
  /** The interval in effect when the last 429 came, until the interval has gone below it without one. */
  #refusedAt: number | undefined;

  constructor(configuredMs: number, maxStalenessMs: number) {
    this.#configured = configuredMs;
    this.#ceiling = Math.max(configuredMs, Math.min(configuredMs * MAX_FACTOR, Math.floor(maxStalenessMs / 2)));
    this.#current = configuredMs;
  }

  /** The interval in effect (ms); 0 when polling is off. */
  get current(): number {
    return this.#current;
  }

  /** Longer than configured because of 429s. */
  get adapted(): boolean {
    return this.#current !== this.#configured;
  }

  /** Infisical answered 429: back off multiplicatively, and remember where. */
  rateLimited(): void {
    this.#quiet = 0;
    this.#refusedAt = this.#current;
    this.#current = Math.min(this.#ceiling, Math.round(this.#current * GROWTH));
  }

  /** A fetch went through: after a run of them, ease back toward the configured interval. */
  succeeded(): void {
    if (this.#current === this.#configured) {
      this.#refusedAt = undefined;
      return;
    }
    this.#quiet += 1;
    const next = Math.max(this.#configured, Math.round(this.#current * EASE));
    const cautious = this.#refusedAt !== undefined && next < this.#refusedAt * CAUTION_MARGIN;
    if (this.#quiet < (cautious ? CAUTIOUS_QUIET_FETCHES : QUIET_FETCHES)) return;
    this.#quiet = 0;
    this.#current = next;
    if (this.#refusedAt !== undefined && next < this.#refusedAt) this.#refusedAt = undefined;
  }
}
