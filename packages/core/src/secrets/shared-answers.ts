import { createHash, randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock/clock.js';
import type { ResolvedOptions } from '../options/resolve.js';
import type { SourceResult } from './secret-source.js';

/**
 * How many list answers the process keeps at most (one per server, identity and source); the least recent go first.
 *
 * @example
 * const answers = new SharedAnswers(SHARED_ANSWERS_MAX);
 */
export const SHARED_ANSWERS_MAX = 500;

/**
 * One config's side of the cache: whether it is closed, and the clock its answers are dated by.
 *
 * @example
 * const reader: AnswerReader = { closed: false, clock: systemClock };
 */
export interface AnswerReader {
  readonly closed: boolean;
  readonly clock: Clock;
}

/**
 * A routine read (start-up, polling) may take another config's answer younger than this, or join its fetch.
 *
 * @example
 * await sources.fetchAll(withToken, onError, { maxAgeMs: refreshIntervalMs });
 */
export interface ReuseWindow {
  maxAgeMs: number;
}

interface Answer {
  result: SourceResult;
  /** When it was fetched (or confirmed by a 304), on `clock`. */
  at: number;
  clock: Clock;
  by: AnswerReader;
}

interface Flight {
  promise: Promise<SourceResult>;
  by: AnswerReader;
}

/**
 * Who may share an answer (configs that set `shareAnswers`): the same server, the same identity (id and token file: never the token), and the same
 * trust in the connection and limits, so that a config never sees an answer it would not have been given.
 * Hashed: the key says nothing about them.
 *
 * @example
 * new SecretSources(client, options.sources, files, { scope: answerScope(options), cache: sharedAnswers });
 */
export function answerScope(options: Pick<ResolvedOptions, 'siteUrl' | 'identityId' | 'tokenPath' | 'maxResponseBytes' | 'rejectUnauthorized' | 'ca' | 'client' | 'shareAnswers'> & { auth?: { scope: string } }): string {
  // A config that does not share still keeps its answers in the one bounded cache, under a scope of its own.
  if (!options.shareAnswers) return `own:${randomUUID()}`;
  const ca = options.ca === undefined ? '' : createHash('sha256').update(options.ca).digest('hex');
  // The auth method's scope: a Universal Auth client ID, or a digest of a given access token (never the credential).
  const parts = [options.siteUrl, options.identityId, options.tokenPath, options.client.apiVersion ?? '', options.maxResponseBytes, options.rejectUnauthorized, ca, options.auth?.scope ?? ''];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/**
 * List answers and their ETags: one bounded cache for the whole process (least recently used first out), shared
 * by the configs that opt in (`shareAnswers`) and read the same source with the same identity (a Nest app and an
 * Express sub-app, two configs on one folder),
 * and each entry dropped when the last config reading it closes. A routine read joins another config's fetch in
 * flight, or takes its answer when younger than the reader's window; any other read asks the server, sending the
 * newest ETag any of them got. A config never takes its own earlier answer for a new one.
 *
 * @example
 * const answers = new SharedAnswers(100);
 * const result = await answers.read(key, reader, (last) => list(last?.etag), { maxAgeMs: 60_000 });
 */
export class SharedAnswers {
  readonly #answers: LRUCache<string, Answer>;
  readonly #flights = new Map<string, Flight>();
  readonly #readers = new Map<string, number>();

  constructor(max: number = SHARED_ANSWERS_MAX) {
    this.#answers = new LRUCache<string, Answer>({ max });
  }

  /** How many answers are kept. */
  get size(): number {
    return this.#answers.size;
  }

  /** A config starts reading `key`. */
  acquire(key: string): void {
    this.#readers.set(key, (this.#readers.get(key) ?? 0) + 1);
  }

  /** A config stops reading `key`; the last one out drops its answer (a config created later starts afresh). */
  release(key: string): void {
    const left = (this.#readers.get(key) ?? 1) - 1;
    if (left > 0) {
      this.#readers.set(key, left);
      return;
    }
    this.#readers.delete(key);
    this.#answers.delete(key);
  }

  /** The newest answer for `key`, whoever fetched it. */
  last(key: string): SourceResult | undefined {
    return this.#answers.get(key)?.result;
  }

  /**
   * An answer for `reader`: another config's recent answer or fetch in flight when `reuse` allows, else `fetch`
   * (given the newest answer, for its ETag). A fetch whose config closes under it is redone by those who joined it.
   */
  async read(key: string, reader: AnswerReader, fetch: (last: SourceResult | undefined) => Promise<SourceResult>, reuse?: ReuseWindow): Promise<SourceResult> {
    if (reuse) {
      const answer = this.#answers.get(key);
      if (answer && answer.by !== reader && answer.clock === reader.clock && reader.clock.now() - answer.at < reuse.maxAgeMs) return answer.result;
      const flight = this.#flights.get(key);
      if (flight && flight.by !== reader) {
        try {
          return await flight.promise;
        } catch (error) {
          if (!flight.by.closed || reader.closed) throw error;
        }
      }
    }
    const promise = fetch(this.#answers.get(key)?.result).then((result) => {
      // Nobody reads it any more (the last reader closed meanwhile): nothing to keep it for.
      if (this.#readers.has(key)) this.#answers.set(key, { result, at: reader.clock.now(), clock: reader.clock, by: reader });
      return result;
    });
    const flight: Flight = { promise, by: reader };
    this.#flights.set(key, flight);
    const done = () => {
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
    };
    promise.then(done, done);
    return promise;
  }
}

/**
 * The process-wide cache: every config keeps its answers here, and those that set `shareAnswers` share them.
 *
 * @example
 * new SecretSources(client, options.sources, files, { scope: answerScope(options), cache: sharedAnswers });
 */
export const sharedAnswers = new SharedAnswers();
