import type { ClockTimer } from '../clock/clock.js';
import type { InfisicalK8sError } from '../errors/error.js';
import type { ResolvedOptions } from '../options/resolve.js';
import { jittered } from '../util/backoff.js';
import { RetryTimer } from '../util/retry-timer.js';
import { AdaptiveInterval, RefetchSpread, bucketUse } from './adaptive-interval.js';
import type { RefreshReason } from './types.js';

/** While push is up, polling only backs it up: this many times the interval. */
const PUSH_SAFETY_NET_FACTOR = 5;
/** Change events closer together than this (a bulk edit) are one burst: one refetch at once, one at the end. */
export const PUSH_DEBOUNCE_MS = 50;

export interface RefreshHooks {
  /** A timer fired: refetch for this reason. */
  fire(reason: RefreshReason): void;
  /** Every push stream is connected: polling only backs them up. */
  pushActive(): boolean;
  /** After a failed login, when the login's own backoff window ends (epoch ms). */
  loginBlockedUntil(): number | undefined;
  /** A snapshot was loaded: a retry is no longer the initial load. */
  loaded(): boolean;
}

/**
 * Every timer of a config: the retry after a failed fetch (backoff, never sooner than `Retry-After`), the poll
 * (jittered, slowed by 429s, stretched while push is up) and the debounce of push events.
 */
export class RefreshScheduler {
  /** The poll interval as a shared rate limit allows it: lengthened by each 429, eased back by quiet polls. */
  readonly interval: AdaptiveInterval;
  /** How far apart a fleet's refetches of one pushed change must be to fit its shared rate limit. */
  readonly pushSpread: RefetchSpread;
  /** The fullest the shared rate-limit bucket was, over the secrets answers of the fetch under way. */
  #pressure: number | undefined;
  readonly #o: Pick<ResolvedOptions, 'clock' | 'random' | 'backoff' | 'refreshIntervalMs'>;
  readonly #hooks: RefreshHooks;
  readonly #retry: RetryTimer;
  #poll: ClockTimer | undefined;
  #pollAt: number | undefined;
  #firstPollScheduled = false;
  /** Until then (epoch ms) Infisical asked to be left alone: other triggers fold into the pending retry. */
  #notBefore: number | undefined;
  #debounce: ClockTimer | undefined;
  #pushPending = false;
  #closed = false;
  /** Fetches refused with 429 so far. */
  rateLimited = 0;

  constructor(options: Pick<ResolvedOptions, 'clock' | 'random' | 'backoff' | 'refreshIntervalMs' | 'maxStalenessMs'>, hooks: RefreshHooks) {
    this.#o = options;
    this.#hooks = hooks;
    this.#retry = new RetryTimer(options);
    this.interval = new AdaptiveInterval(options.refreshIntervalMs, options.maxStalenessMs);
    this.pushSpread = new RefetchSpread(options.refreshIntervalMs, options.maxStalenessMs);
  }

  /** An answer to a secrets request: how full its `x-ratelimit-*` headers say the shared bucket is. */
  noteAnswer(headers: Headers): void {
    const use = bucketUse(headers);
    if (use !== undefined) this.#pressure = Math.max(this.#pressure ?? 0, use);
  }

  /** The earlier of the pending retry and poll: when this config next asks Infisical on its own. */
  get nextAttemptAt(): number | undefined {
    const times = [this.#retry.at, this.#pollAt].filter((t): t is number => t !== undefined);
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  /**
   * Inside a Retry-After window a push event, a poll or a new token would only earn another 429: the retry
   * already pending (at or after the window's end) refetches everything. Only refresh() asks regardless.
   */
  allows(reason: RefreshReason): boolean {
    if (reason === 'retry' || reason === 'initial') return true;
    return !(this.#retry.pending && this.#notBefore !== undefined && this.#o.clock.now() < this.#notBefore);
  }

  /**
   * A fetch succeeded: the failure streak ends. An answer showing the shared bucket nearly used up slows the
   * polls (and widens the push spread) before the limiter refuses anyone; a quiet one eases them back.
   */
  succeeded(reason: RefreshReason): void {
    this.#retry.reset();
    this.#notBefore = undefined;
    if (!this.interval.underPressure(this.#pressure)) this.interval.succeeded();
    if (reason === 'push') this.pushSpread.succeeded(this.#pressure);
    this.#pressure = undefined;
    this.#retry.cancel();
  }

  /** A fetch failed: retry with backoff, or (the schema refused the values) wait for the next poll. */
  failed(error: InfisicalK8sError, reason: RefreshReason): void {
    this.#pressure = undefined;
    if (error.code === 'RATE_LIMITED') {
      // The budget is shared (per client IP): whatever asked, this pod asks less often from now on.
      this.rateLimited += 1;
      this.interval.rateLimited();
      if (reason === 'push') this.pushSpread.rateLimited();
    }
    // The schema refuses these values: retrying them cannot help, the next poll or push refetches them.
    if (error.code === 'CONFIG_INVALID') this.schedulePoll();
    // A refused refetch of a pushed change: every pod the window refused would retry the moment it resets.
    // Each comes back at its own point of the (now wider) spread after Retry-After instead.
    else if (error.code === 'RATE_LIMITED' && reason === 'push' && this.#hooks.loaded()) this.#spreadPushRefetch(error.retryAfterMs ?? 0);
    else this.#scheduleRetry(error.retryAfterMs);
  }

  /** Backoff after a failed fetch, never sooner than the `Retry-After` it carried. */
  #scheduleRetry(retryAfterMs: number | undefined): void {
    if (this.#closed) return;
    let delay = this.#retry.fail(retryAfterMs);
    const now = this.#o.clock.now();
    this.#notBefore = retryAfterMs !== undefined && retryAfterMs > 0 ? now + retryAfterMs : undefined;
    // A retry inside the login's own backoff window would fail fast without trying: recovery would then wait
    // for the retry after it, up to two backoff caps after the fault cleared.
    const blockedUntil = this.#hooks.loginBlockedUntil();
    if (blockedUntil !== undefined) delay = Math.max(delay, blockedUntil - now);
    this.#retry.start(() => this.#hooks.fire(this.#hooks.loaded() ? 'retry' : 'initial'), delay);
  }

  schedulePoll(): void {
    if (this.#closed || this.#o.refreshIntervalMs === 0) return;
    if (this.#poll) this.#o.clock.clearTimeout(this.#poll);
    const interval = this.#hooks.pushActive() ? this.interval.current * PUSH_SAFETY_NET_FACTOR : this.interval.current;
    // Pods of a rollout start within seconds of each other: the first wait is drawn over a whole interval
    // (0.5x to 1.5x) so their polls spread at once; +-10 % afterwards keeps them spread without drifting far.
    const delay = jittered(interval, this.#o.random, this.#firstPollScheduled ? 0.1 : 0.5);
    this.#firstPollScheduled = true;
    this.#pollAt = this.#o.clock.now() + delay;
    this.#poll = this.#o.clock.setTimeout(() => {
      this.#poll = undefined;
      this.#pollAt = undefined;
      this.#hooks.fire('interval');
    }, delay);
    this.#poll.unref?.();
  }

  /**
   * The first event of a burst refetches at once (latency is the point of push); the rest of the burst, until
   * the window has been quiet for PUSH_DEBOUNCE_MS, becomes one more refetch at its end.
   */
  pushEvent(): void {
    if (this.#closed) return;
    // Push refetches have met the shared rate limit: the fleet is larger than its budget, and every pod got this
    // event at the same moment. Each refetches at a random point of its spread instead of all at once (one pending
    // refetch takes every event until it runs: it fetches the latest values).
    if (this.pushSpread.current > 0) {
      if (this.#debounce) this.#pushPending = true;
      else this.#spreadPushRefetch(0);
      return;
    }
    if (this.#debounce) {
      this.#pushPending = true;
      this.#o.clock.clearTimeout(this.#debounce);
    } else {
      this.#hooks.fire('push');
    }
    this.#debounce = this.#o.clock.setTimeout(() => {
      this.#debounce = undefined;
      if (!this.#pushPending) return;
      this.#pushPending = false;
      this.#hooks.fire('push');
    }, PUSH_DEBOUNCE_MS);
    this.#debounce.unref?.();
  }

  /** The refetch of a pushed change, at a random point of the spread after `notBeforeMs`. */
  #spreadPushRefetch(notBeforeMs: number): void {
    if (this.#closed) return;
    if (this.#debounce) this.#o.clock.clearTimeout(this.#debounce);
    this.#debounce = this.#o.clock.setTimeout(() => {
      this.#debounce = undefined;
      this.#pushPending = false;
      this.#hooks.fire('push');
    }, Math.round(notBeforeMs + this.#o.random() * this.pushSpread.current));
    this.#debounce.unref?.();
  }

  close(): void {
    this.#closed = true;
    this.#retry.cancel();
    for (const timer of [this.#poll, this.#debounce]) if (timer) this.#o.clock.clearTimeout(timer);
    this.#pollAt = undefined;
  }
}
