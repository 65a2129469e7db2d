import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../clock/clock.js';
import { InfisicalK8sError } from '../errors/error.js';
import type { InfisicalLogger } from '../options/types.js';
import type { ResolvedFileSource } from '../options/resolve.js';
import type { SourceResult } from './secret-source.js';
import { withDeadline } from '../util/deadline.js';
import { DigestWatcher } from '../util/digest-watcher.js';

/**
 * A Kubernetes Secret holds at most 1 MiB in all, so one key's file past this is not a mounted secret.
 *
 * @example
 * if (statSync(file).size > SECRET_FILE_MAX_BYTES) console.warn('too large for a files source');
 */
export const SECRET_FILE_MAX_BYTES = 1024 * 1024;
/**
 * More files than this in the directory is not a mounted Secret (nor a CSI mount) but a wrong path.
 *
 * @example
 * if (readdirSync(dir).length > SECRET_FILES_MAX_COUNT) console.warn('not a mounted Secret');
 */
export const SECRET_FILES_MAX_COUNT = 4096;
/** A read of the whole directory that takes longer is abandoned: a hung volume must not hang `ready()` or `close()`. */
const READ_TIMEOUT_MS = 5_000;
/** Swaps in a row that a read may lose to (each one removes the folder it was reading) before it gives up. */
const MAX_ATTEMPTS = 8;

/** One consistent read of a mounted directory. */
export interface DirectoryRead {
  /** Key to value, from one version of the directory only. */
  values: Record<string, string>;
  /** A digest of keys and values: what rotation detection compares (never the values themselves). */
  digest: string;
  /** Entries that are not regular files (folders, FIFOs, sockets, devices): ignored. */
  skipped: string[];
}

const unreadable = (directory: string, reason: string, cause?: unknown) =>
  new InfisicalK8sError('SECRETS_DIR_UNREADABLE', `The secrets directory ${directory} ${reason}.`, cause === undefined ? undefined : { cause });

/** A swap removed the folder under this read: start again from `..data`. */
class Swapped extends Error {}

async function readKey(directory: string, base: string, name: string, swappable: boolean): Promise<string | undefined> {
  let handle;
  try {
    // Non-blocking: opening a FIFO for reading would otherwise wait for a writer that never comes.
    handle = await open(join(base, name), constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EISDIR' || code === 'ENXIO') return undefined;
    if (code === 'ENOENT' && swappable) throw new Swapped();
    if (code === 'ENOENT') return undefined; // removed since the listing: it is no longer a key
    throw unreadable(directory, `has a file ${name} that cannot be read (${code ?? 'error'})`, error);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return undefined;
    const tooLarge = () => unreadable(directory, `has a file ${name} larger than ${SECRET_FILE_MAX_BYTES / 1024} KiB (a Kubernetes Secret holds at most 1 MiB in all)`);
    if (stat.size > SECRET_FILE_MAX_BYTES) throw tooLarge();
    // Read to the end rather than to the stat's size (a file may grow), but never past the cap.
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(64 * 1024, SECRET_FILE_MAX_BYTES + 1 - length));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, length);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      length += bytesRead;
      if (length > SECRET_FILE_MAX_BYTES) throw tooLarge();
    }
    return Buffer.concat(chunks, length).toString('utf8');
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * The folder this version of the directory lives in. The kubelet (and the CSI driver) write each version into a
 * fresh `..<timestamp>` folder and swap the `..data` symlink to it in one rename; reading every key from the
 * folder `..data` resolved to, never through the per-key links, means a read sees one version whole.
 */
async function currentFolder(directory: string): Promise<{ base: string; swappable: boolean }> {
  try {
    return { base: await realpath(join(directory, '..data')), swappable: true };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A `..data` link whose folder is gone is a swap under way (or a broken mount), never a plain directory: its
    // per-key links would dangle too, and the read would look like an emptied Secret.
    if (code === 'ENOENT' && (await lstat(join(directory, '..data')).catch(() => undefined))) throw new Swapped();
    if (code === 'ENOENT' || code === 'ENOTDIR') return { base: directory, swappable: false };
    throw unreadable(directory, `cannot be read (${code ?? 'error'}): mount the Secret or CSI volume there, or fix secrets.files`, error);
  }
}

async function readOnce(directory: string): Promise<DirectoryRead> {
  const { base, swappable } = await currentFolder(directory);
  let names: string[];
  try {
    names = await readdir(base);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && swappable) throw new Swapped();
    throw unreadable(directory, `cannot be read (${code ?? 'error'}): mount the Secret or CSI volume there, or fix secrets.files`, error);
  }
  // `..data`, `..<timestamp>` and `..data_tmp` are the writer's own; Kubernetes forbids keys starting with `..`.
  // A single dot is a real key (`.dockerconfigjson`).
  names = names.filter((name) => !name.startsWith('..')).toSorted();
  if (names.length > SECRET_FILES_MAX_COUNT) throw unreadable(directory, `holds ${names.length} files, more than ${SECRET_FILES_MAX_COUNT}: point secrets.files at the mounted Secret itself`);
  const values = Object.create(null) as Record<string, string>;
  const skipped: string[] = [];
  const hash = createHash('sha256');
  for (const name of names) {
    const value = await readKey(directory, base, name, swappable);
    if (value === undefined) {
      skipped.push(name);
      continue;
    }
    values[name] = value;
    hash.update(`${Buffer.byteLength(name)}:${name}${Buffer.byteLength(value)}:`).update(value);
  }
  return { values: Object.freeze(values), digest: hash.digest('hex'), skipped };
}

/**
 * Reads a directory of one file per key (a mounted Kubernetes Secret, or the Infisical CSI provider's mount) as
 * one version: through `..data` when the kubelet's atomic layout is there, starting again when a swap removes the
 * folder mid-read. A plain directory is read as it is. Throws `SECRETS_DIR_UNREADABLE` (naming files, never values).
 *
 * @example
 * const { values } = await readSecretsDirectory('/etc/app-secrets');
 */
export async function readSecretsDirectory(directory: string, options: { signal?: AbortSignal; clock?: Clock; timeoutMs?: number } = {}): Promise<DirectoryRead> {
  const timeoutMs = options.timeoutMs ?? READ_TIMEOUT_MS;
  return withDeadline(
    async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await readOnce(directory);
        } catch (error) {
          if (!(error instanceof Swapped)) throw error;
          if (attempt + 1 >= MAX_ATTEMPTS) throw unreadable(directory, `changed under ${MAX_ATTEMPTS} reads in a row, or its ..data link points to a missing folder`);
        }
      }
    },
    {
      clock: options.clock,
      timeoutMs,
      signal: options.signal,
      onTimeout: () => unreadable(directory, `could not be read within ${timeoutMs} ms (a hung volume?)`),
    },
  );
}

export interface FileWatchOptions {
  clock: Clock;
  logger: InfisicalLogger;
  /** Called when the directory's content differs from what `read()` last served (never with the content). */
  onChange(): void;
}

/**
 * A `files` source: the directory is the secret store, so the pod never calls Infisical for it. Watched like the
 * token file: fs.watch on the directory (the `..data` rename is an event there) backed by a clock-driven check,
 * both comparing a digest with what was last served.
 */
export class FileSource {
  readonly source: ResolvedFileSource;
  readonly #o: FileWatchOptions;
  #served: string | undefined;
  readonly #watcher: DigestWatcher;
  readonly #warned = new Set<string>();
  /** Abandons a read under way at close: a stuck volume must not keep the config waiting. */
  readonly #abort = new AbortController();

  constructor(source: ResolvedFileSource, options: FileWatchOptions) {
    this.source = source;
    this.#o = options;
    this.#watcher = new DigestWatcher({
      folder: source.directory,
      clock: options.clock,
      intervalMs: source.checkIntervalMs,
      // A failed read is reported by the refresh that reads the content; a check only looks for change.
      digest: async (signal) => (await readSecretsDirectory(source.directory, { signal })).digest,
      onDigest: (digest) => {
        if (digest !== this.#served) options.onChange();
      },
    });
  }

  /** The directory now, as a source result; what it served becomes the baseline the watch compares against. */
  async read(): Promise<SourceResult> {
    const read = await readSecretsDirectory(this.source.directory, { signal: this.#abort.signal });
    this.#served = read.digest;
    this.#warn(read.skipped);
    const count = Object.keys(read.values).length;
    return { values: read.values, imports: [], etag: undefined, notModified: false, collisions: [], count };
  }

  #warn(skipped: string[]): void {
    const fresh = skipped.filter((name) => !this.#warned.has(name));
    if (fresh.length === 0) return;
    for (const name of fresh) this.#warned.add(name);
    this.#o.logger.warn(`ignoring ${fresh.join(', ')} in the secrets directory ${this.source.directory}: not regular files (a folder, pipe, socket or device is never a key).`);
  }

  start(): void {
    this.#watcher.start();
  }

  /** Queues a comparison of the directory with what was served; a burst of fs events is one check. */
  check(): void {
    this.#watcher.check();
  }

  close(): void {
    this.#abort.abort();
    this.#watcher.close();
  }
}
