import { watch, type FSWatcher } from 'node:fs';
import type { Clock, ClockTimer } from '../clock/clock.js';

export interface DigestWatcherOptions {
  /** The folder to fs.watch: the kubelet's `..data` swap is a rename there, never an in-place write. */
  folder: string;
  clock: Clock;
  /** Period of the check that backs up fs.watch (which misses events on some volumes). */
  intervalMs: number;
  /** Reads the current digest (never the content); `undefined` when there is nothing to compare yet. */
  digest(signal: AbortSignal): Promise<string | undefined>;
  /** Each digest read, in order. A failed read is skipped: whoever reads the content reports why. */
  onDigest(digest: string): void;
}

/**
 * Notices a mounted file or folder changing: fs.watch on its folder, backed by a clock-driven check, both
 * comparing digests. The token file and the `files` source are both watched through it.
 */
export class DigestWatcher {
  readonly #o: DigestWatcherOptions;
  #watcher: FSWatcher | undefined;
  #timer: ClockTimer | undefined;
  /** Checks run one after another: two overlapping reads could otherwise report digests out of order. */
  #chain: Promise<void> = Promise.resolve();
  #pendingCheck = false;
  #closed = false;
  /** Abandons a read under way at close: a stuck volume must not hold anything waiting. */
  readonly #abort = new AbortController();

  constructor(options: DigestWatcherOptions) {
    this.#o = options;
  }

  start(): void {
    try {
      this.#watcher = watch(this.#o.folder, { persistent: false }, () => this.check());
      this.#watcher.on('error', () => undefined);
    } catch {
      // Not mounted (yet): the periodic check covers it.
    }
    this.#schedule();
  }

  /** Queues a digest read; a burst of fs events collapses into one pending check. */
  check(): void {
    if (this.#closed || this.#pendingCheck) return;
    this.#pendingCheck = true;
    this.#chain = this.#chain.then(async () => {
      this.#pendingCheck = false;
      let digest: string | undefined;
      try {
        digest = await this.#o.digest(this.#abort.signal);
      } catch {
        return;
      }
      if (!this.#closed && digest !== undefined) this.#o.onDigest(digest);
    });
    this.#o.clock.track?.(this.#chain);
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
