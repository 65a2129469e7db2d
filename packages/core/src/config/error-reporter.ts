import { Subject } from 'rxjs';
import type { Clock } from '../clock/clock.js';
import type { InfisicalK8sError } from '../errors/error.js';
import type { InfisicalLogger } from '../options/types.js';
import type { ConfigStatus } from './types.js';

/**
 * Where a config's errors go: `errors$`, the logger (code, message, hint: never values) and the last error and
 * `Retry-After` that `status` shows. Repeats of one code log once per outage: a success ends the outage.
 */
export class ErrorReporter {
  readonly errors$ = new Subject<InfisicalK8sError>();
  lastError: ConfigStatus['lastError'];
  /** The last `Retry-After` Infisical sent (ms) since the last successful fetch. */
  retryAfterMs: number | undefined;
  readonly #logged = new Set<string>();
  readonly #clock: Clock;
  readonly #logger: InfisicalLogger;

  constructor(clock: Clock, logger: InfisicalLogger) {
    this.#clock = clock;
    this.#logger = logger;
  }

  /** `serving`: a last good snapshot is still served, which the log line says. */
  report(error: InfisicalK8sError, serving: boolean): void {
    this.lastError = { code: error.code, message: error.message, at: this.#clock.now() };
    if (error.retryAfterMs !== undefined) this.retryAfterMs = error.retryAfterMs;
    this.errors$.next(error);
    if (this.#logged.has(error.code)) return;
    this.#logged.add(error.code);
    this.#logger.error(`[${error.code}] ${error.message}${serving ? ' (serving the last good snapshot)' : ''} Fix: ${error.hint}`, { code: error.code });
  }

  /** A fetch succeeded: the outage, if any, is over. */
  succeeded(): void {
    this.lastError = undefined;
    this.retryAfterMs = undefined;
    this.#logged.clear();
  }
}
