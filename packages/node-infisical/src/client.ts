import { inspect } from 'node:util';
import { Transport, type TlsOptions } from './transport/http.js';
import type { RetryOptions } from './transport/retry.js';
import { AuthApi, type LoginOptions, type LoginResponse } from './api/auth.js';
import { IdentitiesApi } from './api/identities.js';
import { KubernetesAuthApi } from './api/kubernetes-auth.js';
import { SecretsApi, type SecretsLogger } from './api/secrets.js';
import type { SecretsApiVersion } from './api/secrets-types.js';
import { ProjectsApi } from './api/projects.js';
import { EventsApi } from './api/events.js';
import { DynamicSecretLeasesApi } from './api/dynamic-secrets.js';
import { InfisicalValidationError } from './errors/errors.js';

/**
 * Options of `new InfisicalClient(...)`.
 *
 * @example
 * const options: InfisicalClientOptions = { baseUrl: 'https://infisical.internal', tls: { ca }, timeoutMs: 5_000, retry: { retries: 2 } };
 */
export interface InfisicalClientOptions {
  /** Infisical site URL (http or https). Default `https://app.infisical.com`; a trailing `/` or `/api` is tolerated. */
  baseUrl?: string;
  /**
   * Start with an access token (e.g. an administrator's). When the key is absent, the `INFISICAL_TOKEN`
   * environment variable is used if set; pass `accessToken: undefined` to ignore it.
   */
  accessToken?: string;
  /** Per-attempt timeout in ms (connect, headers and body). Default 10 000. */
  timeoutMs?: number;
  /** Custom CA (and, for throwaway setups only, `rejectUnauthorized: false`) for a self-hosted Infisical. */
  tls?: TlsOptions;
  /** Backoff for retryable failures, or `false`. Default 3 retries, 250 ms base, 10 s cap. */
  retry?: RetryOptions | false;
  /** Appended to the `user-agent` header (`node-infisical/<version> node/<version> <yours>`). */
  userAgent?: string;
  /** A custom fetch implementation (advanced: proxies, instrumentation). It must honour `redirect: 'manual'`. */
  fetch?: typeof fetch;
  /**
   * Secrets routes: `auto` (default) uses `/api/v4/secrets*` and, on a server without them (the router's
   * 404 `Route ... not found`), switches this client to `/api/v3/secrets/raw*` for good; `v4` or `v3` pins it.
   */
  apiVersion?: SecretsApiVersion;
  /** Receives the one-time notice of the switch to v3 (`info` when present, else `warn`). Default: silent. */
  logger?: SecretsLogger;
  /** Largest response body (and event-stream event) accepted, in bytes. Default 10 MiB. A larger one is `RESPONSE_TOO_LARGE`. */
  maxResponseBytes?: number;
  /**
   * The clock an HTTP-date `Retry-After` is measured against (epoch ms). Default `Date.now`; a caller with its
   * own clock (a test's manual clock) passes it so `retryAfter` seconds agree with its timers.
   *
   * @example
   * new InfisicalClient({ now: () => clock.now(), retry: { rateLimited: false } });
   */
  now?: () => number;
}

/**
 * The Infisical client the Kubernetes Auth guide documents: login (Kubernetes, Universal Auth or a
 * token), identities, Kubernetes Auth configuration, secrets, projects and project events. No
 * caching and no background timers: token lifetimes belong to the caller (see `@infisical-k8s/core`).
 *
 * @example
 * const client = new InfisicalClient({ baseUrl: 'https://app.infisical.com' });
 * await client.login({ kubernetesAuth: { identityId: process.env.INFISICAL_IDENTITY_ID!, jwt: readFileSync('/var/run/secrets/infisical/token', 'utf-8') } });
 * const { secrets } = await client.secrets.list({ projectId, environment: 'production', secretPath: '/' });
 */
export class InfisicalClient {
  readonly #transport: Transport;
  /** Token endpoints (`renew`, `revoke`) and the stored `accessToken`. */
  readonly auth: AuthApi;
  /** Machine identities. */
  readonly identities: IdentitiesApi;
  /** Auth methods attached to identities: `identityAuth.kubernetes`. */
  readonly identityAuth: { readonly kubernetes: KubernetesAuthApi };
  /** Secrets of a project environment and folder. */
  readonly secrets: SecretsApi;
  /** Projects and their identity memberships. */
  readonly projects: ProjectsApi;
  /** Push notifications of secret changes (SSE). */
  readonly events: EventsApi;
  /** Leases of dynamic secrets (`dynamicSecrets.leases`): create, renew, revoke, get. */
  readonly dynamicSecrets: { readonly leases: DynamicSecretLeasesApi };

  constructor(options: InfisicalClientOptions = {}) {
    if (options === null || typeof options !== 'object') throw new InfisicalValidationError('options', 'pass an options object, e.g. { baseUrl }');
    this.#transport = new Transport(options);
    this.auth = new AuthApi(this.#transport);
    // Like the Infisical CLI, fall back to INFISICAL_TOKEN; an explicit `accessToken: undefined` opts out,
    // so a library that only ever logs in itself never inherits a token it did not ask for.
    const token = 'accessToken' in options ? options.accessToken : process.env.INFISICAL_TOKEN;
    if (token !== undefined && token.trim() !== '') this.auth.setAccessToken(token);
    this.identities = new IdentitiesApi(this.#transport);
    this.identityAuth = Object.freeze({ kubernetes: new KubernetesAuthApi(this.#transport) });
    const apiVersion = options.apiVersion ?? 'auto';
    if (apiVersion !== 'auto' && apiVersion !== 'v4' && apiVersion !== 'v3') {
      throw new InfisicalValidationError('apiVersion', 'must be "auto" (default), "v4" or "v3"');
    }
    const logger = options.logger;
    if (logger !== undefined && (logger === null || typeof logger.warn !== 'function')) {
      throw new InfisicalValidationError('logger', 'must have a warn(message) method (and optionally info(message))');
    }
    this.secrets = new SecretsApi(this.#transport, { apiVersion, logger });
    this.projects = new ProjectsApi(this.#transport);
    this.events = new EventsApi(this.#transport);
    this.dynamicSecrets = Object.freeze({ leases: new DynamicSecretLeasesApi(this.#transport) });
  }

  /**
   * The normalized site URL requests go to.
   *
   * @example
   * new InfisicalClient({ baseUrl: 'https://eu.infisical.com/api/' }).baseUrl; // 'https://eu.infisical.com'
   */
  get baseUrl(): string {
    return this.#transport.baseUrl;
  }

  /**
   * Logs in and keeps the access token for later calls (same as `client.auth.login`). With
   * `{ accessToken }` no request is made: the token is stored and its claims fill the response.
   *
   * @example
   * await client.login({ kubernetesAuth: { identityId: process.env.INFISICAL_IDENTITY_ID!, jwt } });
   */
  login(options: LoginOptions): Promise<LoginResponse> {
    return this.auth.login(options);
  }

  /**
   * Releases pooled connections of a custom TLS agent (`tls` option); a no-op otherwise.
   *
   * @example
   * await client.close();
   */
  close(): Promise<void> {
    return this.#transport.close();
  }

  /** Never shows the token. */
  [inspect.custom](): string {
    return `InfisicalClient { baseUrl: '${this.#transport.baseUrl}', authenticated: ${this.#transport.token !== undefined} }`;
  }

  /** Never shows the token. */
  toJSON(): Record<string, unknown> {
    return { baseUrl: this.#transport.baseUrl, authenticated: this.#transport.token !== undefined };
  }
}
