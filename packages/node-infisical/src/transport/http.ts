import { Agent, type Dispatcher } from 'undici';
import { InfisicalApiError, InfisicalNetworkError, InfisicalResponseError, InfisicalValidationError } from '../errors/errors.js';
import { toNetworkError } from './network-error.js';
import { backoffDelay, parseRetryAfter, resolveRetry, shouldRetry, type ResolvedRetry, type RetryOptions } from './retry.js';
import { VERSION } from '../version.js';

/** TLS settings for a self-hosted Infisical with a private CA. */
export interface TlsOptions {
  /** PEM CA certificate(s) to trust in addition to nothing else (replaces the default store for this client). */
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
}

export type Query = Record<string, string | number | boolean | undefined | null | readonly string[]>;

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  query?: Query;
  body?: unknown;
  /** Send the stored access token. */
  auth?: boolean;
  /** Use this token instead of the stored one. */
  token?: string;
}

const DEFAULT_BASE_URL = 'https://app.infisical.com';

export function normalizeBaseUrl(input: string | undefined): string {
  const raw = (input ?? DEFAULT_BASE_URL).trim();
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InfisicalValidationError('baseUrl', `"${raw}" is not a URL: use the Infisical site URL, e.g. https://app.infisical.com`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InfisicalValidationError('baseUrl', `must be an http(s) URL, got protocol "${url.protocol}"`);
  }
  let pathname = url.pathname.replace(/\/+$/, '');
  if (pathname.endsWith('/api')) pathname = pathname.slice(0, -4);
  return `${url.origin}${pathname}`;
}

function toSearch(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    params.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Reads at most `limit` bytes of a body; larger bodies are cancelled, not buffered. */
async function readCapped(response: Response, limit: number): Promise<{ text: string; oversized: boolean }> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => {});
    return { text: '', oversized: true };
  }
  if (!response.body) return { text: '', oversized: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return { text: '', oversized: true };
    }
    chunks.push(value);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), oversized: false };
}

function summarizeIssues(issues: unknown[]): string {
  return issues
    .slice(0, 10)
    .map((issue) => {
      const i = issue as { path?: unknown[]; message?: unknown };
      const path = Array.isArray(i.path) && i.path.length > 0 ? i.path.join('.') : '(body)';
      return `${path}: ${typeof i.message === 'string' ? i.message : 'invalid'}`;
    })
    .join('; ');
}

/** The HTTP layer: one place for the base URL, TLS, timeouts, retries, size caps and error mapping. */
export class Transport {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly #retry: ResolvedRetry;
  readonly #fetch: typeof fetch;
  readonly #dispatcher: Dispatcher | undefined;
  readonly #userAgent: string;
  readonly #maxBytes: number;
  #token: string | undefined;
  /** Injected by tests of the retry rule; production waits for real. */
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  constructor(options: TransportOptions = {}) {
    this.baseUrl = normalizeBaseUrl(options.baseUrl);
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new InfisicalValidationError('timeoutMs', 'must be a positive number of milliseconds');
    }
    this.timeoutMs = timeoutMs;
    this.#retry = resolveRetry(options.retry);
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#maxBytes = options.maxResponseBytes ?? 10 * 1024 * 1024;
    this.#userAgent = `node-infisical/${VERSION} node/${process.versions.node}${options.userAgent ? ` ${options.userAgent}` : ''}`;
    if (options.tls && (options.tls.ca !== undefined || options.tls.rejectUnauthorized === false)) {
      this.#dispatcher = new Agent({
        connect: {
          ...(options.tls.ca !== undefined ? { ca: options.tls.ca } : {}),
          rejectUnauthorized: options.tls.rejectUnauthorized ?? true,
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
    const response = await this.#send(spec, false);
    return response.body as T;
  }

  /** Sends a request whose answer is a stream (SSE): retries and error mapping apply until the headers arrive. */
  async stream(spec: RequestSpec, signal?: AbortSignal): Promise<Response> {
    const response = await this.#send(spec, true, signal);
    return response.raw;
  }

  async #send(spec: RequestSpec, streaming: boolean, outerSignal?: AbortSignal): Promise<{ raw: Response; body: unknown }> {
    const url = `${this.baseUrl}${spec.path}${toSearch(spec.query)}`;
    const headers: Record<string, string> = { 'user-agent': this.#userAgent, accept: streaming ? 'text/event-stream' : 'application/json' };
    const token = spec.token ?? (spec.auth ? this.#token : undefined);
    if (token) headers.authorization = `Bearer ${token}`;
    let payload: string | undefined;
    if (spec.body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(spec.body);
    }

    for (let attempt = 0; ; attempt++) {
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, this.timeoutMs);
      const onOuterAbort = () => controller.abort(outerSignal?.reason);
      outerSignal?.addEventListener('abort', onOuterAbort, { once: true });
      let outcome: { status?: number; networkCode?: string; retryAfter?: number };
      let failure: Error;
      try {
        const init: RequestInit & { dispatcher?: Dispatcher } = { method: spec.method, headers, signal: controller.signal };
        if (payload !== undefined) init.body = payload;
        if (this.#dispatcher) init.dispatcher = this.#dispatcher;
        const response = await this.#fetch(url, init);
        if (streaming && response.ok) {
          // The stream outlives the header timeout; the caller's signal ends it.
          clearTimeout(timer);
          return { raw: response, body: undefined };
        }
        const { text, oversized } = await readCapped(response, this.#maxBytes);
        clearTimeout(timer);
        outcome = { status: response.status, retryAfter: parseRetryAfter(response.headers.get('retry-after')) };
        if (oversized) {
          failure = new InfisicalResponseError(response.status, spec.method, spec.path, `body larger than ${this.#maxBytes} bytes`);
        } else {
          const parsed = this.#parse(response, text, spec);
          if (parsed.ok) return { raw: response, body: parsed.body };
          failure = parsed.error;
        }
      } catch (error) {
        clearTimeout(timer);
        if (outerSignal?.aborted) throw outerSignal.reason ?? error;
        failure = toNetworkError(error, spec.method, spec.path, timedOut, this.timeoutMs);
        outcome = { networkCode: (failure as InfisicalNetworkError).code };
      } finally {
        outerSignal?.removeEventListener('abort', onOuterAbort);
      }

      if (attempt >= this.#retry.retries || !shouldRetry(spec.method, outcome)) throw failure;
      const jitter = backoffDelay(this.#retry, attempt);
      const wait = outcome.retryAfter !== undefined ? Math.min(this.#retry.maxDelayMs, outcome.retryAfter * 1000) : jitter;
      await this.sleep(wait);
    }
  }

  #parse(response: Response, text: string, spec: RequestSpec): { ok: true; body: unknown } | { ok: false; error: Error } {
    const contentType = response.headers.get('content-type') ?? '';
    let body: unknown;
    if (text.length > 0) {
      if (!contentType.includes('json') && /^\s*</.test(text)) {
        return { ok: false, error: new InfisicalResponseError(response.status, spec.method, spec.path, 'an HTML page instead of JSON (a proxy or load balancer answered?)') };
      }
      try {
        body = JSON.parse(text);
      } catch {
        return { ok: false, error: new InfisicalResponseError(response.status, spec.method, spec.path, 'malformed JSON body') };
      }
    }
    if (response.ok) return { ok: true, body };
    const envelope = (body ?? {}) as { message?: unknown; error?: unknown; reqId?: unknown };
    const serverMessage = Array.isArray(envelope.message)
      ? summarizeIssues(envelope.message)
      : typeof envelope.message === 'string'
        ? envelope.message
        : response.statusText || 'no message';
    return {
      ok: false,
      error: new InfisicalApiError({
        status: response.status,
        serverError: typeof envelope.error === 'string' ? envelope.error : undefined,
        serverMessage,
        reqId: typeof envelope.reqId === 'string' ? envelope.reqId : undefined,
        method: spec.method,
        path: spec.path,
        retryAfter: parseRetryAfter(response.headers.get('retry-after')),
      }),
    };
  }

  /** Releases pooled connections of a custom TLS agent. */
  async close(): Promise<void> {
    await this.#dispatcher?.close();
  }
}
