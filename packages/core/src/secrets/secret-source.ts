import type { InfisicalClient, ListSecretsOptions, Secret } from 'node-infisical';
import { InfisicalK8sError } from '../errors/error.js';
import { toInfisicalK8sError } from '../errors/map.js';
import type { ResolvedAnySource, ResolvedSource } from '../options/resolve.js';
import type { WatchedLocation } from './push.js';
import { FileSource, type FileWatchOptions } from './file-source.js';
import { DynamicSource } from './dynamic-source.js';
import { systemClock } from '../clock/clock.js';
import { SharedAnswers, type AnswerReader, type ReuseWindow } from './shared-answers.js';

/**
 * Which answers a set of sources may share with other configs: a scope (see `answerScope`) in a cache.
 *
 * @example
 * const sharing: AnswerSharing = { scope: answerScope(options), cache: sharedAnswers };
 */
export interface AnswerSharing {
  scope: string;
  cache: SharedAnswers;
}

/** A key that several folders of one recursive source define, and the folders (never the values). */
export interface KeyCollision {
  key: string;
  /** The winner first, then the folders it overrides. */
  folders: string[];
}

/** What one source last returned: its flat map and the folders it imports (for push registrations). */
export interface SourceResult {
  values: Readonly<Record<string, string>>;
  imports: ReadonlyArray<{ environment: string; secretPath: string }>;
  /** The list's `ETag`, sent back as `If-None-Match` on the next fetch. */
  etag: string | undefined;
  /** This fetch got `304 Not Modified`: `values` are the previous answer's. */
  notModified: boolean;
  /** Keys of a recursive source defined in more than one folder. */
  collisions: readonly KeyCollision[];
  /** How many secrets the answer held (own and imported), before merging. */
  count: number;
}

/** One source and what it answered this time. */
export interface FetchedSource {
  source: ResolvedAnySource;
  result: SourceResult;
}

/** Runs a call with the access token; retries once after a fresh login when the token was rejected. */
export type WithToken = <T>(call: () => Promise<T>) => Promise<T>;

/** Folder depth: `/` is 0, `/a` is 1, `/a/b` is 2. */
function depth(path: string): number {
  return path.split('/').filter(Boolean).length;
}

/**
 * The rule for a key several folders of a recursive source define: the shallowest folder wins (the source's own
 * folder first), ties go to the folder that sorts first. Whoever may write a sub-folder thus cannot replace a
 * secret of a folder above it.
 */
function precedes(a: string, b: string): boolean {
  const da = depth(a);
  const db = depth(b);
  return da !== db ? da < db : a < b;
}

/**
 * Fetches sources as flat maps. Imports are merged first and the folder's own secrets override them,
 * as Infisical resolves them. One request in flight per source whatever the number of callers; the
 * last good answer per source is kept in a bounded cache (keyed by scope, then project, environment, path and
 * flags), shared with the other configs of the same scope (see `SharedAnswers`), and its `ETag` makes an
 * unchanged folder a `304` without a body. Without a sharing scope the cache is this object's own.
 */
export class SecretSources {
  readonly #client: InfisicalClient;
  readonly #sources: ResolvedAnySource[];
  readonly #files: Map<string, FileSource>;
  readonly #leases: Map<string, DynamicSource>;
  readonly #inFlight = new Map<string, Promise<SourceResult>>();
  readonly #answers: SharedAnswers;
  readonly #scope: string;
  readonly #reader: { closed: boolean; readonly clock: AnswerReader['clock'] };
  /** The answer each source last gave this object: what "not modified" is measured against. */
  readonly #seen = new Map<string, SourceResult>();

  constructor(
    client: InfisicalClient,
    sources: ResolvedAnySource[],
    files: FileWatchOptions & { onLeaseChange?: () => void } = { clock: systemClock, logger: { warn: () => undefined, error: () => undefined }, onChange: () => undefined },
    sharing: AnswerSharing = { scope: '', cache: new SharedAnswers(256) },
  ) {
    this.#client = client;
    this.#sources = sources;
    this.#files = new Map(sources.flatMap((source) => (source.kind === 'files' ? [[source.key, new FileSource(source, files)] as const] : [])));
    const leaseHooks = { clock: files.clock, logger: files.logger, onChange: files.onLeaseChange ?? (() => undefined) };
    this.#leases = new Map(sources.flatMap((source) => (source.kind === 'dynamic' ? [[source.key, new DynamicSource(client, source, leaseHooks)] as const] : [])));
    this.#answers = sharing.cache;
    this.#scope = sharing.scope;
    this.#reader = { closed: false, clock: files.clock };
    for (const source of this.#infisicalSources()) this.#answers.acquire(this.#keyOf(source));
  }

  #infisicalSources(): ResolvedSource[] {
    return this.#sources.filter((source): source is ResolvedSource => source.kind !== 'files' && source.kind !== 'dynamic');
  }

  #keyOf(source: ResolvedSource): string {
    return `${this.#scope}\0${source.key}`;
  }

  /** Whether any source is an Infisical folder: without one, nothing logs in or subscribes. */
  get callsInfisical(): boolean {
    return this.#sources.some((source) => source.kind !== 'files');
  }

  /** Starts watching the mounted directories. */
  startWatching(): void {
    for (const files of this.#files.values()) files.start();
  }

  close(): void {
    if (this.#reader.closed) return;
    this.#reader.closed = true;
    for (const files of this.#files.values()) files.close();
    for (const source of this.#infisicalSources()) this.#answers.release(this.#keyOf(source));
  }

  /** A dynamic source's served credentials have ended (see `DynamicSource.ended`). */
  leaseEnded(now: number): boolean {
    return [...this.#leases.values()].some((lease) => lease.ended(now));
  }

  /** Revokes every lease of the dynamic sources (close() calls it while requests may still go out). */
  async revokeLeases(): Promise<void> {
    await Promise.all([...this.#leases.values()].map((lease) => lease.close()));
  }

  /** A snapshot was published: a dynamic source whose replacement lease it carries revokes the old lease. */
  served(): void {
    for (const lease of this.#leases.values()) lease.served();
  }

  /** The Infisical sources, and every folder their last answers imported. */
  watchedLocations(): WatchedLocation[] {
    const locations: WatchedLocation[] = [];
    for (const source of this.#sources) {
      if (source.kind === 'files' || source.kind === 'dynamic') continue;
      locations.push({ projectId: source.projectId, environment: source.environment, secretPath: source.secretPath, recursive: source.recursive });
      for (const imported of this.#seen.get(source.key)?.imports ?? []) {
        locations.push({ projectId: source.projectId, environment: imported.environment, secretPath: imported.secretPath, recursive: false });
      }
    }
    return locations;
  }

  #fetch(source: ResolvedAnySource, withToken: WithToken, onError: (error: unknown, source: ResolvedSource) => unknown, reuse: ReuseWindow | undefined): Promise<SourceResult> {
    let pending = this.#inFlight.get(source.key);
    if (!pending) {
      const read = source.kind === 'files' ? this.#files.get(source.key)!.read() : source.kind === 'dynamic' ? this.#leases.get(source.key)!.read(withToken) : this.#read(source, withToken, reuse);
      pending = read
        .catch((error: unknown) => {
          // A directory's errors are already typed, and name the directory rather than a project; a lease's name its secret.
          if (source.kind === 'dynamic') throw toInfisicalK8sError(error, { phase: 'fetch' });
          throw source.kind === 'files' ? error : onError(error, source);
        })
        .finally(() => this.#inFlight.delete(source.key));
      this.#inFlight.set(source.key, pending);
    }
    return pending;
  }

  /** The source's answer through the shared cache, marked `notModified` when it is the one this object had. */
  async #read(source: ResolvedSource, withToken: WithToken, reuse: ReuseWindow | undefined): Promise<SourceResult> {
    const result = await this.#answers.read(this.#keyOf(source), this.#reader, (last) => withToken(() => this.#list(source, last)), reuse);
    const unchanged = this.#seen.get(source.key)?.values === result.values;
    this.#seen.set(source.key, result);
    return unchanged ? { ...result, notModified: true, collisions: [] } : result;
  }

  /** One list request; a `304` gives back `last` itself (the answer whose ETag it sent). */
  async #list(source: ResolvedSource, last: SourceResult | undefined): Promise<SourceResult> {
    const options: ListSecretsOptions = {
      projectId: source.projectId,
      environment: source.environment,
      secretPath: source.secretPath,
      recursive: source.recursive,
      includeImports: source.includeImports,
      expandSecretReferences: source.expandSecretReferences,
      ...(source.tagSlugs.length > 0 ? { tagSlugs: source.tagSlugs } : {}),
      ...(last?.etag !== undefined ? { ifNoneMatch: last.etag } : {}),
    };
    const answer = await this.#client.secrets.list(options);
    if (answer.notModified === true) {
      // Only possible after an If-None-Match, so there is a last answer; never guess an empty list instead.
      if (!last) throw new InfisicalK8sError('BAD_RESPONSE', `Infisical answered 304 Not Modified to a list of ${source.environment}:${source.secretPath} sent without If-None-Match.`);
      return last;
    }
    const { secrets, imports } = answer;
    // A null-prototype map: a key named `__proto__` or `constructor` is just a key.
    const values = Object.create(null) as Record<string, string>;
    const put = (list: Secret[] | undefined) => {
      for (const secret of list ?? []) if (typeof secret.secretKey === 'string') values[secret.secretKey] = String(secret.secretValue ?? '');
    };
    // A later import overrides an earlier one; the folder's own secrets override every import.
    for (const imported of imports) put(imported.secrets);
    const collisions = this.#putOwn(values, secrets, source);
    const result: SourceResult = {
      values: Object.freeze(values),
      imports: imports.filter((i) => typeof i.environment === 'string' && typeof i.secretPath === 'string').map((i) => ({ environment: i.environment, secretPath: i.secretPath })),
      etag: typeof answer.etag === 'string' && answer.etag !== '' ? answer.etag : undefined,
      notModified: false,
      collisions,
      count: secrets.length + imports.reduce((n, i) => n + (Array.isArray(i.secrets) ? i.secrets.length : 0), 0),
    };
    return result;
  }

  /** The folder's own secrets; with `recursive`, a key several folders define goes to the shallowest one. */
  #putOwn(values: Record<string, string>, secrets: Secret[], source: ResolvedSource): KeyCollision[] {
    const owner = new Map<string, string>();
    const folders = new Map<string, Set<string>>();
    for (const secret of secrets) {
      if (typeof secret.secretKey !== 'string') continue;
      const key = secret.secretKey;
      const folder = source.recursive && typeof secret.secretPath === 'string' ? secret.secretPath : source.secretPath;
      const current = owner.get(key);
      if (current !== undefined && current !== folder) {
        let seen = folders.get(key);
        if (!seen) folders.set(key, (seen = new Set([current])));
        seen.add(folder);
      }
      if (current === undefined || current === folder || precedes(folder, current)) {
        owner.set(key, folder);
        values[key] = String(secret.secretValue ?? '');
      }
    }
    return [...folders]
      .map(([key, seen]) => {
        const winner = owner.get(key)!;
        return { key, folders: [winner, ...[...seen].filter((f) => f !== winner).toSorted((a, b) => (precedes(a, b) ? -1 : 1))] };
      })
      .toSorted((a, b) => a.key.localeCompare(b.key));
  }

  /**
   * Fetches every source and merges them in order, later sources winning. `onError` turns a source's failure
   * into what is thrown (core names the source's project in it). `reuse` marks a routine read (start-up, polling):
   * it may take another config's answer younger than `maxAgeMs`, or join its fetch; without it every source is asked.
   */
  async fetchAll(
    withToken: WithToken,
    onError: (error: unknown, source: ResolvedSource) => unknown = (error) => error,
    reuse?: ReuseWindow,
  ): Promise<{ values: Record<string, string>; notModified: boolean; fetched: FetchedSource[] }> {
    const results = await Promise.all(this.#sources.map((source) => this.#fetch(source, withToken, onError, reuse)));
    const merged = Object.create(null) as Record<string, string>;
    for (const { values } of results) Object.assign(merged, values);
    return {
      values: merged,
      notModified: results.every((r) => r.notModified),
      fetched: results.map((result, i) => ({ source: this.#sources[i]!, result })),
    };
  }
}
