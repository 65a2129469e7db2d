import { inspect } from 'node:util';
import { Transport, type TlsOptions } from './transport/http.js';
import type { RetryOptions } from './transport/retry.js';
import { AuthApi, type LoginOptions, type LoginResponse } from './api/auth.js';
import { IdentitiesApi } from './api/identities.js';
import { KubernetesAuthApi } from './api/kubernetes-auth.js';
import { SecretsApi } from './api/secrets.js';
import { ProjectsApi } from './api/projects.js';
import { EventsApi } from './api/events.js';

/** Options of `new InfisicalClient(...)`. */
export interface InfisicalClientOptions {
  /** Infisical site URL. Default `https://app.infisical.com`; a trailing `/api` is tolerated. */
  baseUrl?: string;
  /** Start with an access token (e.g. an administrator's). */
  accessToken?: string;
  /** Per-attempt timeout in ms. Default 10 000. */
  timeoutMs?: number;
  /** Custom CA for a self-hosted Infisical. */
  tls?: TlsOptions;
  /** Backoff for retryable failures, or `false`. Default 3 retries, 250 ms base, 10 s cap. */
  retry?: RetryOptions | false;
  /** Appended to the `user-agent` header. */
  userAgent?: string;
  /** A custom fetch implementation. */
  fetch?: typeof fetch;
}

/**
 * The Infisical client the Kubernetes Auth guide documents.
 *
 * @example
 * const client = new InfisicalClient({ baseUrl: 'https://app.infisical.com' });
 * await client.login({ kubernetesAuth: { identityId, jwt } });
 * const { secrets } = await client.secrets.list({ projectId, environment: 'production', secretPath: '/' });
 */
export class InfisicalClient {
  readonly #transport: Transport;
  /** Token endpoints: `renew`, `revoke`, the stored `accessToken`. */
  readonly auth: AuthApi;
  /** Machine identities. */
  readonly identities: IdentitiesApi;
  /** Auth methods attached to identities. */
  readonly identityAuth: { readonly kubernetes: KubernetesAuthApi };
  /** Secrets of a project environment and folder. */
  readonly secrets: SecretsApi;
  /** Projects and their identity memberships. */
  readonly projects: ProjectsApi;
  /** Push notifications of secret changes. */
  readonly events: EventsApi;

  constructor(options: InfisicalClientOptions = {}) {
    this.#transport = new Transport(options);
    if (options.accessToken) this.#transport.token = options.accessToken;
    this.auth = new AuthApi(this.#transport);
    this.identities = new IdentitiesApi(this.#transport);
    this.identityAuth = Object.freeze({ kubernetes: new KubernetesAuthApi(this.#transport) });
    this.secrets = new SecretsApi(this.#transport);
    this.projects = new ProjectsApi(this.#transport);
    this.events = new EventsApi(this.#transport);
  }

  /** The normalized site URL requests go to. */
  get baseUrl(): string {
    return this.#transport.baseUrl;
  }

  /**
   * Logs in and keeps the access token for later calls.
   *
   * @example
   * await client.login({ kubernetesAuth: { identityId: process.env.INFISICAL_IDENTITY_ID!, jwt } });
   */
  login(options: LoginOptions): Promise<LoginResponse> {
    return this.auth.login(options);
  }

  /** Releases pooled connections (only matters with a custom CA). */
  close(): Promise<void> {
    return this.#transport.close();
  }

  /** Never shows the token. */
  [inspect.custom](): string {
    return `InfisicalClient { baseUrl: '${this.#transport.baseUrl}', authenticated: ${this.#transport.token !== undefined} }`;
  }

  toJSON(): Record<string, unknown> {
    return { baseUrl: this.#transport.baseUrl, authenticated: this.#transport.token !== undefined };
  }
}
