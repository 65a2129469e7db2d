import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces `path` with `text` so a reader sees the old file or the new one, never a part: a temp file in the same
 * directory (created 0600, so the values are never readable by others, not even for an instant), fsync, rename,
 * then an fsync of the directory so the rename itself survives a crash.
 */
export async function writeAtomically(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
}

/** Best effort: some filesystems (and Windows) refuse to open or fsync a directory. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // The file itself is synced; only the rename's durability is left to the filesystem.
  }
}

/**
 * The file's text, or why not: only a regular file (a FIFO would block the read) of at most `maxBytes`. Errors
 * of the filesystem (ENOENT, EACCES) are thrown for the caller to name.
 */
export async function readLimited(path: string, maxBytes: number): Promise<string | 'not-a-file' | 'too-large'> {
  const info = await stat(path);
  if (!info.isFile()) return 'not-a-file';
  if (info.size > maxBytes) return 'too-large';
  const bytes = await readFile(path);
  return bytes.length > maxBytes ? 'too-large' : bytes.toString('utf8');
}
