/** Each 429 multiplies the interval by this. */
const GROWTH = 2;
/** Each easing step multiplies it by this, never below the configured interval. */
const EASE = 0.8;
/** Consecutive successful fetches before one easing step. */
const QUIET_FETCHES = 5;
/** The interval never grows past this many times the configured one... */
const MAX_FACTOR = 16;

/**
 * This pod's poll interval under a rate limit it shares with others (Infisical Cloud counts per client IP, so a
 * cluster behind one NAT shares one bucket). Additive-increase/multiplicative-decrease turned around for
 * intervals: a 429 doubles the interval at once; five successful fetches in a row ease it back by a fifth,
 * down to the configured interval. Every pod does this alone, with no coordination, and the fleet's request
 * rate settles under the budget: pods refused slow down hard, pods that see room speed up gently.
 *
 * The ceiling is 16 times the configured interval, but never more than half of `maxStalenessMs`: a pod slowed
 * down by the limiter must still refresh (and retry one failure) before its data counts as stale.
 */
export class AdaptiveInterval {
  readonly #configured: number;
  readonly #ceiling: number;
  #current: number;
  #quiet = 0;

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

  /** Infisical answered 429: back off multiplicatively. */
  rateLimited(): void {
    this.#quiet = 0;
    this.#current = Math.min(this.#ceiling, Math.round(this.#current * GROWTH));
  }

  /** A fetch went through: after a run of them, ease back toward the configured interval. */
  succeeded(): void {
    if (this.#current === this.#configured) return;
    this.#quiet += 1;
    if (this.#quiet < QUIET_FETCHES) return;
    this.#quiet = 0;
    this.#current = Math.max(this.#configured, Math.round(this.#current * EASE));
  }
}
