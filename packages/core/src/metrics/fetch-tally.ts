import type { InfisicalErrorCode } from '../errors/codes.js';

/** How a refresh's fetch ended: counted for the `infisical_k8s.fetches` metric (a count, never a value). */
export type FetchOutcome = 'success' | 'not_modified' | 'error';

/**
 * Counts a config's fetches by outcome and error code. The config notes what the server answered, then whether the
 * refresh as a whole succeeded; a validation failure after a good answer counts as that error.
 */
export class FetchTally {
  readonly #counts = new Map<string, { outcome: FetchOutcome; code: InfisicalErrorCode | undefined; count: number }>();
  #notModified = false;

  /** The sources answered; `notModified` when every one of them said nothing changed. */
  answered(notModified: boolean): void {
    this.#notModified = notModified;
  }

  /** The refresh ended: successfully (as last answered) or with `code`. */
  settled(code?: InfisicalErrorCode): void {
    const outcome: FetchOutcome = code !== undefined ? 'error' : this.#notModified ? 'not_modified' : 'success';
    const key = `${outcome}:${code ?? ''}`;
    const entry = this.#counts.get(key) ?? { outcome, code, count: 0 };
    entry.count += 1;
    this.#counts.set(key, entry);
    this.#notModified = false;
  }

  /** Every outcome seen so far with its count (cumulative). */
  entries(): Array<{ outcome: FetchOutcome; code: InfisicalErrorCode | undefined; count: number }> {
    return [...this.#counts.values()].map((entry) => ({ ...entry }));
  }
}
