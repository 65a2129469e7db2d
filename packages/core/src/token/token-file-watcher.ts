import { dirname } from 'node:path';
import type { Clock } from '../clock/clock.js';
import { DigestWatcher } from '../util/digest-watcher.js';
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
  #digest: string | undefined;
  readonly #watcher: DigestWatcher;

  constructor(options: TokenFileWatcherOptions) {
    this.#watcher = new DigestWatcher({
      folder: dirname(options.path),
      clock: options.clock,
      intervalMs: options.intervalMs,
      digest: (signal) => tokenFileDigest(options.path, { signal }),
      onDigest: (digest) => {
        const changed = this.#digest !== undefined && digest !== this.#digest;
        this.#digest = digest;
        if (changed) options.onChange();
      },
    });
  }

  start(): void {
    // The first digest is the baseline a rotation is told from.
    this.#watcher.check();
    this.#watcher.start();
  }

  check(): void {
    this.#watcher.check();
  }

  close(): void {
    this.#watcher.close();
  }
}
