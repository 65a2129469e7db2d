import type { Clock } from '../clock/clock.js';
import type { ConfigStatus } from '../config/types.js';
import type { InfisicalErrorCode } from '../errors/codes.js';
import { FetchTally } from './fetch-tally.js';
import { startMetrics } from './instruments.js';
import type { ResolvedMetrics } from './types.js';

/**
 * A config's metrics: the fetch tally it feeds, and the instruments registered when `metrics` is on (nothing
 * otherwise). Everything else is read from the config's status when the SDK collects.
 */
export class ConfigMetrics {
  readonly #fetches = new FetchTally();
  readonly #stop: (() => void) | undefined;

  constructor(metrics: ResolvedMetrics | undefined, source: { clock: Clock; status(): ConfigStatus }) {
    this.#stop = metrics ? startMetrics(metrics, { ...source, fetches: this.#fetches }) : undefined;
  }

  /** The sources answered; `notModified` when none of them changed. */
  answered(notModified: boolean): void {
    this.#fetches.answered(notModified);
  }

  /** The refresh ended: successfully, or with `code`. */
  settled(code?: InfisicalErrorCode): void {
    this.#fetches.settled(code);
  }

  /** Unregisters the instruments (close): the config observes nothing more. */
  stop(): void {
    this.#stop?.();
  }
}
