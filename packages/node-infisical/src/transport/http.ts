import { Agent, type Dispatcher } from 'undici';
import { InfisicalError, InfisicalRedirectError, InfisicalResponseError, InfisicalResponseTooLargeError, InfisicalValidationError } from '../errors/errors.js';
import { VERSION } from '../version.js';
import { parseAnswer, readCapped } from './body.js';
import { toNetworkError } from './network-error.js';
import { parseRetryAfter, resolveRetry, retryDelay, shouldRetry, type AttemptOutcome, type ResolvedRetry, type RetryOptions } from './retry.js';
import { normalizeBaseUrl, toSearch, type Query } from './url.js';

/**
 * TLS settings for a self-hosted Infisical behind a private CA.
 *
 * @example
 * new InfisicalClient({ baseUrl: 'https://infisical.internal', tls: { ca: readFileSync('/etc/ssl/internal-ca.pem') } });
 */
export interface TlsOptions {
  /** PEM CA certificate(s) to trust for this client (they replace Node's default store). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Defaults to true. Turning it off accepts any certificate: only for throwaway environments. */
  rejectUnauthorized?: boolean;
}

export interface TransportOptions {
  baseUrl?: string;
  timeoutMs?: number;
  tls?: TlsOptions;
  retry?: RetryOptions | false;
  userAgent?: string;
  fetch?: typeof fetch;
  /** Largest response body accepted, in bytes. Default 10 MiB. */
  maxResponseBytes?: number;
  /** Epoch ms that an HTTP-date `Retry-After` is measured against. Default `Date.now`. */
  now?: () => number;
}

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  query?: Query;
  body?: unknown;
  /** Send the stored access token. */
  auth?: boolean;
  /** Ends the request (and any wait between attempts) early. */
  signal?: AbortSignal;
  /** Extra request headers (e.g. `if-none-match`). */
  headers?: Record<string, string>;
}

/** A 2xx (or, for a conditional request, 304) answer: the parsed body and what its headers say. */
export interface Answer<T> {
  status: number;
  /** Undefined for a 304 and for an empty body. */
  body: T;
  etag: string | undefined;
  notModified: boolean;
}

/** The origin a `Location` header points to (relative ones resolve against the request), never its path or query. */
function targetOrigin(location: string | null, requestUrl: string): string | undefined {
  if (!location) return undefined;
  try {
    const origin = new URL(location, requestUrl).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

/** An abortable wait; the timer is cleared whichever way it ends. */
function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

type Attempt =
  | { done: true; response: Response; body: unknown; release?: () => void }
  /** `final`: the same request would get the same answer (redirect, oversize), so it is never retried. */
  | { done: false; failure: InfisicalError; outcome: AttemptOutcome; final?: boolean };

/** An open event stream and the way to let go of the caller's signal once the stream has ended. */
export interface OpenStream {
  response: Response;
  /** Removes the link from the caller's signal to this stream; call it when the body is done with. Idempotent. */
  release: () => void;
}

/** The HTTP layer: one place for the base URL, TLS, timeouts, retries, size caps and error mapping. */
export class Transport {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly #retry: ResolvedRetry;
  readonly #fetch: typeof fetch;
  readonly #dispatcher: Dispatcher | undefined;
  readonly #userAgent: string;
  readonly #now: () => number;
  #token: string | undefined;
  /** Waits between attempts; replaceable so the retry rule can be exercised without real time. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void> = wait;

  constructor(options: TransportOptions = {}) {
    this.baseUrl = normalizeBaseUrl(options.baseUrl);
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new InfisicalValidationError('timeoutMs', 'must be a positive number of milliseconds (default 10000)');
    }
    this.timeoutMs = timeoutMs;
    this.#retry = resolveRetry(options.retry);
    if (options.now !== undefined && typeof options.now !== 'function') throw new InfisicalValidationError('now', 'must be a function returning epoch milliseconds');
    this.#now = options.now ?? Date.now;
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== 'function') throw new InfisicalValidationError('fetch', 'must be a fetch-compatible function');
    this.#fetch = fetchImpl;
    const maxResponseBytes = options.maxResponseBytes ?? 10 * 1024 * 1024;
    if (typeof maxResponseBytes !== 'number' || !Number.isInteger(maxResponseBytes) || maxResponseBytes <= 0) {
      throw new InfisicalValidationError('maxResponseBytes', 'must be a positive whole number of bytes (default 10485760, 10 MiB)');
    }
    this.maxResponseBytes = maxResponseBytes;
    if (options.userAgent !== undefined && (typeof options.userAgent !== 'string' || /[\r\n]/.test(options.userAgent))) {
      throw new InfisicalValidationError('userAgent', 'must be a single-line string, e.g. "my-service/1.2.3"');
    }
    this.#userAgent = `node-infisical/${VERSION} node/${process.versions.node}${options.userAgent ? ` ${options.userAgent}` : ''}`;
    const tls = options.tls;
    if (tls && (tls.ca !== undefined || tls.rejectUnauthorized === false)) {
      // Global fetch accepts an undici dispatcher; an Agent is the only way to give it a CA.
      this.#dispatcher = new Agent({
        connect: {
          ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
          // Stryker disable next-line LogicalOperator: `undefined && true` is undefined, which the Agent reads as its default, true; false stays false either way
          rejectUnauthorized: tls.rejectUnauthorized ?? true,
        },
      });
    }
  }

  get token(): string | undefined {
    return this.#token;
  }

  set token(value: string | undefined) {
    this.#token = value;
  }

  /** Sends a JSON request and returns the parsed JSON body. */
  async json<T>(spec: RequestSpec): Promise<T> {
    return (await this.request<T>(spec)).body;
  }

  /**
   * Sends a JSON request and returns the parsed body with the status and ETag. A `304` is an answer
   * (not an error) only when the request carried `if-none-match`; its body is never read as JSON.
   */
  async request<T>(spec: RequestSpec): Promise<Answer<T>> {
    const { response, body } = await this.#send(spec, false);
    return { status: response.status, body: body as T, etag: response.headers.get('etag') ?? undefined, notModified: response.status === 304 };
  }

  /** Opens a stream (SSE): retries and error mapping apply until the headers arrive, then `signal` alone ends it. */
  async stream(spec: RequestSpec): Promise<OpenStream> {
    const { response, release } = await this.#send(spec, true);
    return { response, release: release ?? (() => undefined) };
  }

  async #send(spec: RequestSpec, streaming: boolean): Promise<{ response: Response; body: unknown; release?: () => void }> {
    const url = `${this.baseUrl}${spec.path}${toSearch(spec.query)}`;
    const headers: Record<string, string> = { ...spec.headers, 'user-agent': this.#userAgent, accept: streaming ? 'text/event-stream' : 'application/json' };
    const token = spec.auth ? this.#token : undefined;
    if (token) headers.authorization = `Bearer ${token}`;
    let payload: string | undefined;
    if (spec.body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(spec.body);
    }
    for (let attempt = 0; ; attempt++) {
      if (spec.signal?.aborted) throw spec.signal.reason;
      const result = await this.#attempt(spec, url, headers, payload, streaming);
      if (result.done) return result;
      if (result.final || attempt >= this.#retry.retries || !shouldRetry(spec.method, result.outcome)) throw result.failure;
      if (result.outcome.status === 429 && !this.#retry.rateLimited) throw result.failure;
      await this.sleep(retryDelay(this.#retry, attempt, result.outcome.retryAfter), spec.signal);
    }
  }

  async #attempt(spec: RequestSpec, url: string, headers: Record<string, string>, payload: string | undefined, streaming: boolean): Promise<Attempt> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    const outer = spec.signal;
    const onOuterAbort = () => controller.abort(outer?.reason);
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    let keepOuterLink = false;
    try {
      // Never follow a redirect: fetch would carry the body (a login JWT, a client secret) to wherever it points.
      const init: RequestInit & { dispatcher?: Dispatcher } = { method: spec.method, headers, signal: controller.signal, redirect: 'manual' };
      if (payload !== undefined) init.body = payload;
      if (this.#dispatcher) init.dispatcher = this.#dispatcher;
      const response = await this.#fetch(url, init);
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'), this.#now());
      const outcome: AttemptOutcome = { status: response.status, ...(retryAfter !== undefined ? { retryAfter } : {}) };
      if (response.status === 304 && !streaming && headers['if-none-match'] !== undefined) {
        await response.body?.cancel().catch(() => {});
        return { done: true, response, body: undefined };
      }
      // A spec-following fetch hides the redirect (`opaqueredirect`, status 0) instead of returning the 3xx.
      if ((response.status >= 300 && response.status < 400) || response.type === 'opaqueredirect') {
        await response.body?.cancel().catch(() => {});
        if (response.status === 304) {
          return { done: false, final: true, outcome, failure: new InfisicalResponseError(304, spec.method, spec.path, '304 Not Modified to a request that sent no If-None-Match (a caching proxy?)') };
        }
        return { done: false, final: true, outcome, failure: new InfisicalRedirectError(response.status, spec.method, spec.path, targetOrigin(response.headers.get('location'), url)) };
      }
      if (streaming && response.ok && (response.headers.get('content-type') ?? '').includes('text/event-stream')) {
        // The stream outlives the per-attempt timeout; only the caller's signal ends it from here on.
        clearTimeout(timer);
        keepOuterLink = true;
        // A caller's signal usually outlives many streams (a reconnect loop); the link must end with this one.
        return { done: true, response, body: undefined, release: () => outer?.removeEventListener('abort', onOuterAbort) };
      }
      const { text, oversized } = await readCapped(response, this.maxResponseBytes);
      if (oversized) {
        return { done: false, final: true, outcome, failure: new InfisicalResponseTooLargeError(response.status, spec.method, spec.path, this.maxResponseBytes) };
      }
      if (streaming && response.ok) {
        return { done: false, outcome, failure: new InfisicalResponseError(response.status, spec.method, spec.path, 'expected an event stream (text/event-stream); a proxy may be buffering or rewriting it') };
      }
      const parsed = parseAnswer(response, text, spec.method, spec.path, this.#now());
      if (parsed.ok) return { done: true, response, body: parsed.body };
      return { done: false, outcome, failure: parsed.error };
    } catch (error) {
      if (outer?.aborted) throw outer.reason ?? error;
      const failure = toNetworkError(error, spec.method, spec.path, timedOut, this.timeoutMs);
      return { done: false, outcome: { networkCode: failure.code }, failure };
    } finally {
      clearTimeout(timer);
      if (!keepOuterLink) outer?.removeEventListener('abort', onOuterAbort);
    }
  }

  /** Releases pooled connections of a custom TLS agent. */
  async close(): Promise<void> {
    await this.#dispatcher?.close();
  }
}
