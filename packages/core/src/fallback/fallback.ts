import { createHash } from 'node:crypto';
import { tracked } from '../clock/clock.js';
import type { InfisicalK8sError } from '../errors/error.js';
import type { InfisicalErrorCode } from '../errors/codes.js';
import type { ResolvedAnySource } from '../options/sources.js';
import type { ResolvedOptions } from '../options/resolve.js';
import { open, seal, type FallbackPayload } from './envelope.js';
import { readLimited, writeAtomically } from './file.js';
import { withDeadline } from '../util/deadline.js';
import type { ResolvedFallback } from './options.js';

/**
 * The failures of an outage: no answer (network, DNS, TLS, timeout) or a 5xx. Only these open the fallback file;
 * a refusal (401, 403, 404, 429, a schema failure) is an answer, and old values must not outlive it.
 */
const OUTAGE_CODES: ReadonlySet<InfisicalErrorCode> = new Set(['INFISICAL_UNREACHABLE', 'SERVER_ERROR']);

/**
 * Whether a failure is an outage the fallback file may stand in for.
 *
 * @example
 * isOutage('SERVER_ERROR'); // true; isOutage('UNAUTHORIZED') === false
 */
export function isOutage(code: InfisicalErrorCode): boolean {
  return OUTAGE_CODES.has(code);
}

/** A hung volume must not hold up the retries: the read is given up after this long (real time). */
const READ_TIMEOUT_MS = 5_000;

/** Why a file was not served, in words with no value in them. */
const REFUSALS = {
  malformed: 'it is not a fallback file',
  version: 'it was written by another version of the format',
  authentication: 'it does not decrypt under this key: the key is not the one it was written with, or the file was altered',
  'not-a-file': 'it is not a regular file',
  'too-large': 'it is larger than any fallback file core writes',
} as const;

/** The scope of a config's values: which server, identity and sources; a digest, so the file names none of them. */
export function fallbackScope(siteUrl: string, identityId: string, sources: readonly ResolvedAnySource[]): string {
  return createHash('sha256').update(JSON.stringify([siteUrl, identityId, sources])).digest('hex');
}

/** What the file needs of a config's options besides its own. */
type FallbackContext = Pick<ResolvedOptions, 'clock' | 'logger' | 'siteUrl' | 'identityId' | 'sources' | 'maxResponseBytes'>;

/**
 * The persistent last good snapshot: written (encrypted, atomically, 0600) after loads, read once, only when the
 * first load meets an outage, and only when no refusal came first. While it is served the config is degraded.
 */
export class FallbackFile {
  readonly #o: ResolvedFallback;
  readonly #ctx: FallbackContext;
  /** Which values these are (server, identity, sources): a file of others is refused. */
  readonly #scope: string;
  #closed = false;
  /** A refusal came before any load succeeded: the file must not be served in this process. */
  #blocked = false;
  #tried = false;
  #loaded = false;
  /** The file's fetch time while its snapshot is served; undefined otherwise. */
  #servingSince: number | undefined;
  /** The raw values last written (by identity: a config replaces its raw object only when a value changed). */
  #saved: Record<string, string> | undefined;
  #savedAt = Number.NEGATIVE_INFINITY;
  #writing: Promise<void> | undefined;
  #pending: FallbackPayload | undefined;
  #writeWarned = false;

  constructor(options: ResolvedFallback, context: FallbackContext) {
    this.#o = options;
    this.#ctx = context;
    this.#scope = fallbackScope(context.siteUrl, context.identityId, context.sources);
  }

  /** Serving the file's snapshot: no load from Infisical has succeeded yet. */
  get degraded(): boolean {
    return this.#servingSince !== undefined;
  }

  /** When the served file passes `maxAgeMs` (epoch ms); undefined when not degraded. */
  get expiresAt(): number | undefined {
    return this.#servingSince === undefined ? undefined : this.#servingSince + this.#o.maxAgeMs;
  }

  /**
   * A load failed; called before its retry is scheduled, so the retry cannot race the file's read. The first load
   * failed: once, on an outage with no refusal before it, the file's values (checked, not yet
   * validated) go to `serve`, which validates and publishes them. It runs inside the failed load, so no other
   * load can publish meanwhile. A schema refusal is a warning naming keys, never a value.
   */
  async failed(error: InfisicalK8sError, serve: (values: Record<string, string>) => Promise<unknown>): Promise<void> {
    if (!isOutage(error.code)) this.#blocked = true;
    // Once a load succeeded (or the file was tried) only the last good snapshot in memory counts.
    if (this.#blocked || this.#tried || this.#loaded) return;
    this.#tried = true;
    const payload = await this.#read();
    if (!payload || this.#closed) return;
    // Degraded before the snapshot is out: whoever awaited it reads the status right away.
    this.#servingSince = payload.fetchedAt;
    try {
      await serve(payload.values);
    } catch (refusal) {
      this.#servingSince = undefined;
      this.#refuse(`its values do not pass the schema: ${(refusal as InfisicalK8sError).message}`);
      return;
    }
    this.#saved = undefined;
    this.#savedAt = payload.fetchedAt;
    const at = new Date(payload.fetchedAt).toISOString();
    this.#ctx.logger.warn(
      `Serving the fallback snapshot in ${this.#o.path} (fetched ${at}) while Infisical is unreachable: readiness reports 'degraded' until a load succeeds.`,
    );
  }

  /** The file's checked payload, or undefined after one warning saying why not. */
  async #read(): Promise<FallbackPayload | undefined> {
    let text: string;
    try {
      const limit = Math.max(2 * this.#ctx.maxResponseBytes, 1 << 20);
      const read = await withDeadline(() => readLimited(this.#o.path, limit), { timeoutMs: READ_TIMEOUT_MS, onTimeout: () => Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }) });
      if (read === 'not-a-file' || read === 'too-large') return this.#refuse(REFUSALS[read]);
      text = read;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      return this.#refuse(code === 'ENOENT' ? 'there is none yet' : `it cannot be read (${code})`);
    }
    const payload = open(text, this.#o.key);
    if (typeof payload === 'string') return this.#refuse(REFUSALS[payload]);
    if (payload.scope !== this.#scope) return this.#refuse('it holds the values of another server, identity or set of sources');
    const age = this.#ctx.clock.now() - payload.fetchedAt;
    if (age > this.#o.maxAgeMs) return this.#refuse(`it is ${Math.round(age / 60_000)} min old, older than fallback.maxAgeMs (${this.#o.maxAgeMs} ms)`);
    return payload;
  }

  #refuse(why: string): undefined {
    this.#ctx.logger.warn(`Not serving the fallback file ${this.#o.path} while Infisical is unreachable: ${why}.`);
    return undefined;
  }

  /**
   * A load succeeded: the config is no longer degraded, and the file is rewritten when a value changed, or when
   * its fetch time is a tenth of `maxAgeMs` old (unchanged values would otherwise age out of a long-lived file).
   */
  succeeded(raw: Record<string, string> | undefined): void {
    this.#servingSince = undefined;
    this.#loaded = true;
    if (raw === undefined) return;
    const now = this.#ctx.clock.now();
    if (raw === this.#saved && now - this.#savedAt < this.#o.maxAgeMs / 10) return;
    this.#saved = raw;
    this.#savedAt = now;
    this.#pending = { version: 1, fetchedAt: now, scope: this.#scope, values: raw };
    this.#writing ??= tracked(this.#ctx.clock, this.#drain());
  }

  /** One write at a time; a load that succeeds meanwhile is written after it (only the latest). */
  async #drain(): Promise<void> {
    try {
      while (this.#pending) {
        const payload = this.#pending;
        this.#pending = undefined;
        await this.#write(payload);
      }
    } finally {
      this.#writing = undefined;
    }
  }

  async #write(payload: FallbackPayload): Promise<void> {
    try {
      await writeAtomically(this.#o.path, seal(payload, this.#o.key));
      this.#writeWarned = false;
    } catch (error) {
      // Loading is unaffected; the file just does not follow. Warned once until a write works again.
      if (this.#writeWarned) return;
      this.#writeWarned = true;
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      this.#ctx.logger.warn(`Could not write the fallback file ${this.#o.path} (${code}): the last good snapshot is not kept on disk until a write succeeds.`);
    }
  }

  /** Serves nothing from now on, and waits for the write under way (no temp file outlives the config). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#writing;
  }
}
