import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { readTokenClaims, type TokenClaims } from 'node-infisical';
import type { Clock } from '../clock/clock.js';
import { InfisicalK8sError } from '../errors/error.js';
import { withDeadline } from '../util/deadline.js';

/** What core keeps of a service-account token (claims for error hints, never the token): node-infisical's decoding. */
export type { TokenClaims };

/** A projected token is about 1 KiB; anything past this is not one (and `/dev/zero` must not fill the heap). */
export const TOKEN_FILE_MAX_BYTES = 64 * 1024;
/** A read that takes longer is abandoned: a hung volume must not hang `ready()`, `refresh()` or `close()`. */
export const TOKEN_FILE_READ_TIMEOUT_MS = 5_000;

/** How to read the token file: the clock that times the read, and a signal that abandons it (close). */
export interface TokenFileReadOptions {
  /**
   * Default: the real clock, even when core runs on a simulated one. A hung volume is a wall-clock matter, and a
   * simulated clock that jumps hours must not time out a read that is merely in flight.
   */
  clock?: Clock;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The checked read itself; a seam for tests that need a read that never ends (a hung volume). */
  read?: (path: string) => Promise<Buffer>;
}

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

const mountHint = (path: string) => `mount a projected serviceAccountToken volume at ${dirname(path)} with path: ${basename(path)}`;

function kindOf(stat: { isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * The file's bytes, checked before they are read: a regular file of at most TOKEN_FILE_MAX_BYTES. The open is
 * non-blocking, because opening a FIFO for reading otherwise blocks (a libuv thread, and every caller) until
 * some writer appears.
 */
async function readRegularFile(path: string): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw new InfisicalK8sError('TOKEN_FILE_INVALID', `${path} is a folder, not the service-account token file: point tokenPath at the token file in it.`, { cause: error });
    if (code === 'ENXIO') throw new InfisicalK8sError('TOKEN_FILE_INVALID', `${path} is a socket, not the service-account token file: ${mountHint(path)}.`, { cause: error });
    throw new InfisicalK8sError('TOKEN_FILE_MISSING', `The service-account token file ${path} cannot be read (${code ?? 'error'}): ${mountHint(path)}, or set kubernetesAuth.tokenPath.`, { cause: error });
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new InfisicalK8sError('TOKEN_FILE_INVALID', `${path} is a folder, not the service-account token file: point tokenPath at the token file in it.`);
    if (!stat.isFile()) throw new InfisicalK8sError('TOKEN_FILE_INVALID', `${path} is ${kindOf(stat)}, not a regular file: point tokenPath at the projected service-account token file.`);
    const tooLarge = () =>
      new InfisicalK8sError('TOKEN_FILE_INVALID', `${path} is larger than ${TOKEN_FILE_MAX_BYTES / 1024} KiB, so it is not a service-account token (those are about 1 KiB): point tokenPath at the projected token file.`);
    if (stat.size > TOKEN_FILE_MAX_BYTES) throw tooLarge();
    // One byte more than allowed: a file that grew since the stat is caught without reading all of it.
    const buffer = Buffer.alloc(TOKEN_FILE_MAX_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > TOKEN_FILE_MAX_BYTES) throw tooLarge();
    return buffer.subarray(0, length);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * `readRegularFile` within `timeoutMs` on `clock`, abandoned at once when `signal` aborts. An abandoned read
 * still closes its file handle when (if ever) it finishes.
 */
export function readTokenFileBytes(path: string, options: TokenFileReadOptions = {}): Promise<Buffer> {
  const timeoutMs = options.timeoutMs ?? TOKEN_FILE_READ_TIMEOUT_MS;
  return withDeadline(() => (options.read ?? readRegularFile)(path), {
    clock: options.clock,
    timeoutMs,
    signal: options.signal,
    onTimeout: () =>
      new InfisicalK8sError(
        'TOKEN_FILE_MISSING',
        `The service-account token file ${path} could not be read within ${timeoutMs} ms (a hung volume?): check the projected volume at ${dirname(path)}.`,
      ),
  });
}

/**
 * Reads the projected token now (the kubelet rotates it; a stale copy is how other clients loop on
 * failed logins). The caller uses the JWT for one login and drops it.
 */
export async function readServiceAccountToken(path: string, options: TokenFileReadOptions = {}): Promise<{ jwt: string; claims: TokenClaims }> {
  const jwt = (await readTokenFileBytes(path, options)).toString('utf8').trim();
  if (jwt.length === 0) throw new InfisicalK8sError('TOKEN_FILE_MISSING', `The service-account token file ${path} is empty: ${mountHint(path)} (the kubelet writes it).`);
  if (!JWT.test(jwt)) throw new InfisicalK8sError('TOKEN_FILE_INVALID', `The file ${path} does not hold a JWT (expected three base64url parts).`);
  return { jwt, claims: readTokenClaims(jwt) ?? {} };
}

/** A digest of the file's content, to notice rotation without keeping the token; undefined when it cannot be read. */
export async function tokenFileDigest(path: string, options: TokenFileReadOptions = {}): Promise<string | undefined> {
  try {
    return createHash('sha256').update(await readTokenFileBytes(path, options)).digest('hex');
  } catch {
    return undefined;
  }
}
