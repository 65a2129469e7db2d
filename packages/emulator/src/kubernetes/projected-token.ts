import { mkdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IssueTokenOptions } from './issuer.js';

/**
 * A projected service-account token on disk, laid out as the kubelet's atomic writer does.
 *
 * @example
 * const projected = await emu.writeProjectedToken('/tmp/sa');
 * // point the app at projected.path; later:
 * await projected.rotate();
 */
export interface ProjectedToken {
  /** The volume's mount folder. */
  dir: string;
  /** `<dir>/token`: a symlink to `..data/token`. Point your app's token path here. */
  path: string;
  /** The current token text. */
  current(): string;
  /** Writes a new token with an atomic `..data` symlink swap; returns it. */
  rotate(options?: IssueTokenOptions): Promise<string>;
  /** Rotates on a real-time interval (timer unref'd). */
  startRotation(intervalMs: number): void;
  /** Stops the rotation timer; resolves once a write already under way has landed (no token changes after). */
  stop(): Promise<void>;
}

/** The emulator's own handle: it waits for a write under way before close() returns. */
export interface ProjectedTokenHandle extends ProjectedToken {
  idle(): Promise<void>;
}

/**
 * The kubelet's AtomicWriter: each version goes into a fresh `..<timestamp>` folder, a `..data_tmp`
 * symlink is pointed at it and renamed over `..data` (rename is atomic), and `token` links to
 * `..data/token`. A reader never sees a half-written file.
 */
async function writeAtomically(dir: string, versionDir: string, token: string): Promise<void> {
  await mkdir(join(dir, versionDir));
  await writeFile(join(dir, versionDir, 'token'), token, { mode: 0o644 });
  let previous: string | undefined;
  try {
    previous = await readlink(join(dir, '..data'));
  } catch {
    previous = undefined;
  }
  await rm(join(dir, '..data_tmp'), { force: true });
  await symlink(versionDir, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
  try {
    await readlink(join(dir, 'token'));
  } catch {
    await symlink(join('..data', 'token'), join(dir, 'token'));
  }
  if (previous && previous !== versionDir) await rm(join(dir, previous), { recursive: true, force: true });
}

/** Writes a projected token into `dir` and returns the handle that rotates it, by hand or on a timer. */
export async function writeProjectedToken(
  dir: string,
  issue: (options: IssueTokenOptions) => string,
  defaults: IssueTokenOptions = {},
): Promise<ProjectedTokenHandle> {
  await mkdir(dir, { recursive: true });
  let generation = 0;
  let timer: NodeJS.Timeout | undefined;
  const write = (token: string): Promise<void> => {
    generation += 1;
    return writeAtomically(dir, `..${new Date().toISOString().replace(/[:.]/g, '_')}.${process.pid}.${generation}`, token);
  };

  // One write at a time: a timer tick and a manual rotate() share the `..data_tmp` name.
  let chain: Promise<void> = Promise.resolve();
  const enqueue = (token: string): Promise<void> => {
    const next = chain.then(() => write(token));
    chain = next.catch(() => {});
    return next;
  };

  let options = defaults;
  let rotationEpoch = 0;
  await enqueue(issue(options));
  const path = join(dir, 'token');
  return {
    dir,
    path,
    current: () => readFileSync(path, 'utf8'),
    async rotate(next?: IssueTokenOptions) {
      if (next) options = { ...options, ...next };
      const token = issue(options);
      await enqueue(token);
      return token;
    },
    startRotation(intervalMs: number) {
      if (timer) clearInterval(timer);
      let busy = false;
      const epoch = ++rotationEpoch;
      timer = setInterval(() => {
        // Ticks never pile up behind a slow disk, and none lands after stop().
        if (busy) return;
        busy = true;
        const next = chain.then(() => (epoch === rotationEpoch ? write(issue(options)) : undefined));
        chain = next.catch(() => {});
        // A failed background write (folder removed by the test) must not crash the process.
        next.catch(() => {}).finally(() => (busy = false));
      }, intervalMs);
      timer.unref();
    },
    stop() {
      rotationEpoch += 1;
      if (timer) clearInterval(timer);
      timer = undefined;
      return chain;
    },
    idle: () => chain,
  };
}
