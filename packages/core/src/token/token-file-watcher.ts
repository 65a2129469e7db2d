import { watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock, ClockTimer } from '../clock/clock.js';
import { tokenFileDigest } from './token-file.js';

export interface TokenFileWatcherOptions {
  path: string;
  clock: Clock;
  /** Period of the digest check that backs up fs.watch (which misses events on some volumes). */
  intervalMs: number;
  /** Called once per observed content change (never with the content). */
  onChange(): void;
}

/**
 * Notices the kubelet rotating the projected token. The kubelet swaps a `..data` symlink atomically,
 * so the file itself is never modified in place: watch the folder, and compare a digest of the
 * content on every event and on a clock-driven period. Only the digest is kept, never the token.
 */
export class TokenFileWatcher {
  readonly #o: TokenFileWatcherOptions;
  #digest: string | undefined;
  #watcher: FSWatcher | undefined;
  #timer: ClockTimer | undefined;
  /** Checks run one after another: two overlapping reads could otherwise flip the digest back. */
  #chain: Promise<void> = Promise.resolve();
  #pendingCheck = false;
  #closed = false;
  /** Abandons a read under way at close: a stuck volume must not keep `idle()` waiting. */
  readonly #abort = new AbortController();

  constructor(options: TokenFileWatcherOptions) {
    this.#o = options;
  }

  start(): void {
    this.check();
    try {
      this.#watcher = watch(dirname(this.#o.path), { persistent: false }, () => this.check());
      this.#watcher.on('error', () => undefined);
    } catch {
      // The volume is not mounted (yet): the periodic check covers it.
    }
    this.#schedule();
  }

  /** Resolves once every queued check has run. */
  idle(): Promise<void> {
    return this.#chain;
  }

  /** Queues a digest comparison; a burst of fs events collapses into one pending check. */
  check(): void {
    if (this.#closed || this.#pendingCheck) return;
    this.#pendingCheck = true;
    this.#chain = this.#chain.then(async () => {
      this.#pendingCheck = false;
      const digest = await tokenFileDigest(this.#o.path, { signal: this.#abort.signal });
      if (this.#closed || digest === undefined) return;
      const changed = this.#digest !== undefined && digest !== this.#digest;
      this.#digest = digest;
      if (changed) this.#o.onChange();
    });
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = this.#o.clock.setTimeout(() => {
      this.check();
      this.#schedule();
    }, this.#o.intervalMs);
    this.#timer.unref?.();
  }

  close(): void {
    this.#closed = true;
    this.#abort.abort();
    if (this.#timer) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#watcher?.close();
    this.#watcher = undefined;
  }
}
