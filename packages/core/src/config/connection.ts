import { InfisicalClient } from 'node-infisical';
import type { Agent } from 'undici';
import type { ResolvedOptions } from '../options/resolve.js';
import { unrefPool } from './pool.js';

/** Logged once per config that turns verification off. */
export const INSECURE_TLS_WARNING =
  'TLS CERTIFICATE VERIFICATION IS OFF (tls.rejectUnauthorized: false): anyone on the network path can read every secret and token. Pass Infisical\'s CA with tls.ca or INFISICAL_CA_PATH instead.';

/** The polls and refetches (v3 and v4 lists, one secret): the requests whose budget adaptive polling manages. */
const SECRETS_REQUEST = /\/api\/v[34]\/secrets/;

/**
 * The client and the one connection pool under it. Core owns the pool (carrying the CA when `tls.ca` is set, and
 * `rejectUnauthorized`) and hands it to node-infisical through `fetch`, so node-infisical never builds a pool of its
 * own: destroying this one ends every request and stream at once and leaves no keep-alive socket behind (the
 * global pool would keep them).
 */
export class Connection {
  readonly client: InfisicalClient;
  readonly #o: ResolvedOptions;
  #pool: Agent;
  #closed = false;
  #revoking = false;

  /** `onSecretsAnswer`: sees the headers of every answer to a secrets request (the rate-limit bucket they report). */
  constructor(options: ResolvedOptions, onSecretsAnswer: (headers: Headers) => void = () => undefined) {
    this.#o = options;
    this.#pool = unrefPool(options);
    this.client = new InfisicalClient({
      baseUrl: options.siteUrl,
      // Present but undefined: the client must not adopt INFISICAL_TOKEN from the environment (it would be
      // someone else's token, and revokeOnClose could revoke it). Core only ever uses its own login.
      accessToken: undefined,
      ...(options.client.timeoutMs !== undefined ? { timeoutMs: options.client.timeoutMs } : {}),
      // Core retries on its own schedule; the client only smooths over a blip. A 429 always comes back to core:
      // the client would cap "try again in 40 s" at its 2 s, while core waits the Retry-After and slows its polling.
      retry: options.client.retry === false ? false : { rateLimited: false, ...(options.client.retry ?? { retries: 2, baseDelayMs: 200, maxDelayMs: 2_000 }) },
      // An HTTP-date Retry-After is measured against core's clock, the one its timers run on.
      now: () => options.clock.now(),
      // No `tls` here: the CA is on the pool below, the only one. With `tls` the client would build a second pool.
      userAgent: '@infisical-k8s/core',
      maxResponseBytes: options.maxResponseBytes,
      ...(options.client.apiVersion !== undefined ? { apiVersion: options.client.apiVersion } : {}),
      logger: { warn: (message: string) => options.logger.warn(message), info: (message: string) => options.logger.info?.(message) },
      // Nothing new goes out after close() but the revoke.
      fetch: (input, init) => {
        if (this.#closed && !this.#revoking) return Promise.reject(new DOMException('The Infisical config is closed.', 'AbortError'));
        const answer = globalThis.fetch(input, { ...init, dispatcher: this.#pool } as RequestInit);
        if (!SECRETS_REQUEST.test(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)) return answer;
        return answer.then((response) => {
          onSecretsAnswer(response.headers);
          return response;
        });
      },
    });
  }

  /** From now on requests fail at once (the revoke on close excepted): the first step of close(). */
  shut(): void {
    this.#closed = true;
  }

  /** Ends every request and stream in flight now, rather than after their timeouts; a fresh pool serves the revoke. */
  async endRequests(): Promise<void> {
    const pool = this.#pool;
    this.#pool = unrefPool(this.#o);
    await pool.destroy();
  }

  /** Runs `work` (the revocation on close) through the closed gate when `allowed`. */
  async revoking(allowed: boolean, work: () => Promise<void>): Promise<void> {
    this.#revoking = allowed;
    try {
      await work();
    } finally {
      this.#revoking = false;
    }
  }

  async close(): Promise<void> {
    await this.client.close();
    await this.#pool.destroy();
  }
}
