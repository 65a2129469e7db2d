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
/** Each quiet push refetch narrows the spread by this factor. */
const SPREAD_EASE = 0.9;
/** A shared bucket this full (of its limit, in the current window) slows this pod down before anything is refused: the fleet then settles with a margin under the limit, not at it... */
const PRESSURE_THRESHOLD = 0.7;
/** ...by this factor: gently, since every pod that polls late in a full window sees the same. */
const PRESSURE_GROWTH = 1.25;

/**
 * How much of the limiter's bucket the current window has used (1 = all of it), from the `x-ratelimit-limit` and
 * `x-ratelimit-remaining` headers Infisical's limiter (@fastify/rate-limit) adds to its answers; undefined when
 * they are missing (a server without limits). Every pod behind one IP reads the same bucket: this is how a fleet
 * learns it is near its shared budget without talking, before the limiter refuses anyone.
 */
export function bucketUse(headers: { get(name: string): string | null }): number | undefined {
  // A missing header is NaN, not Number(null)'s 0: a server without limits says nothing about a bucket.
  const limit = Number(headers.get('x-ratelimit-limit') ?? Number.NaN);
  const remaining = Number(headers.get('x-ratelimit-remaining') ?? Number.NaN);
  if (!(limit > 0) || !Number.isFinite(remaining)) return undefined;
  return Math.min(1, Math.max(0, limit - remaining) / limit);
}

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

  /**
   * A fetch went through and its answer said the shared bucket is nearly used up (`bucketUse`): slow down a
   * little, before the limiter refuses anyone. Without this, pods that were never refused keep the configured
   * interval and the fleet settles right at the limit, probing past it.
   */
  underPressure(use: number | undefined): boolean {
    if (use === undefined || use < PRESSURE_THRESHOLD) return false;
    this.#quiet = 0;
    this.#refusedAt = Math.max(this.#refusedAt ?? 0, this.#current);
    this.#current = Math.min(this.#ceiling, Math.round(this.#current * PRESSURE_GROWTH));
    return true;
  }

  /** A fetch went through: after a run of them, ease back toward the configured interval. */
  succeeded(): void {
    // At the configured interval a step changes nothing, and any level still remembered is at or below it: the next
    // 429 overwrites it and a pressure step takes the larger current interval instead.
    this.#quiet += 1;
    const next = Math.max(this.#configured, Math.round(this.#current * EASE));
    // No remembered level (0): never cautious.
    const cautious = next < (this.#refusedAt ?? 0) * CAUTION_MARGIN;
    if (this.#quiet < (cautious ? CAUTIOUS_QUIET_FETCHES : QUIET_FETCHES)) return;
    this.#quiet = 0;
    this.#current = next;
    if (next < (this.#refusedAt ?? 0)) this.#refusedAt = undefined;
  }
}

/**
 * How long this pod may wait, at random, before it refetches a pushed change. Every pod of a deployment gets each
 * event at the same moment: a fleet larger than its shared budget would refetch all at once and be refused
 * together. Zero until a push refetch is refused or finds the bucket crowded; then at least the configured
 * interval, doubled for each refusal and grown by a quarter under pressure, up to the poll ceiling. Each quiet push
 * refetch narrows it by a tenth down to the configured interval, and five quiet ones there end it: push is there
 * for its latency.
 * Pods converge on the spread the fleet needs (its size over the budget) without knowing either.
 */
export class RefetchSpread {
  readonly #minimum: number;
  readonly #ceiling: number;
  #current = 0;
  #quietAtMinimum = 0;

  constructor(configuredMs: number, maxStalenessMs: number) {
    this.#minimum = configuredMs;
    this.#ceiling = Math.max(configuredMs, Math.min(configuredMs * MAX_FACTOR, Math.floor(maxStalenessMs / 2)));
  }

  /** The spread in effect (ms): the refetch waits a uniform draw below it. */
  get current(): number {
    return this.#current;
  }

  /** A push refetch was refused. */
  rateLimited(): void {
    this.#quietAtMinimum = 0;
    this.#current = Math.min(this.#ceiling, Math.max(this.#minimum, this.#current * GROWTH));
  }

  /** A push refetch went through; `use` is how full the shared bucket was (`bucketUse`). */
  succeeded(use: number | undefined): void {
    if ((use ?? 0) >= PRESSURE_THRESHOLD) {
      this.#quietAtMinimum = 0;
      this.#current = Math.min(this.#ceiling, Math.max(this.#minimum, Math.round(this.#current * PRESSURE_GROWTH)));
      return;
    }
    if (this.#current > this.#minimum) {
      this.#current = Math.max(this.#minimum, Math.round(this.#current * SPREAD_EASE));
      this.#quietAtMinimum = 0;
      return;
    }
    // At the minimum (or already none): count quiet refetches; the fifth ends the spread, later ones keep it ended.
    this.#quietAtMinimum += 1;
    if (this.#quietAtMinimum >= QUIET_FETCHES) this.#current = 0;
  }
}
