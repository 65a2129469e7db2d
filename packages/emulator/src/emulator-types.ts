import type { EmulatorClock } from './clock.js';
import type { IssueTokenOptions } from './kubernetes/issuer.js';
import type { ProjectedToken } from './kubernetes/projected-token.js';
import type { FaultSpec } from './http/faults.js';
import type { RateLimitPreset, RateLimitSettings } from './http/rate-limit.js';
import type { SetSecretOptions } from './infisical/routes/secret-writer.js';
import type { CreateDynamicSecretOptions, DynamicSecretsHandle } from './infisical/dynamic-secrets-admin.js';

/**
 * The Infisical server the emulator plays: `current` (today's) or `2024` (one from October 2024).
 *
 * @example
 * const generation: ServerGeneration = '2024';
 */
export type ServerGeneration = 'current' | '2024';

/**
 * How to start the emulator. Every option has a default that suits tests.
 *
 * @example
 * const emu = await startEmulator({ renewalMode: 'classic', infisicalTls: true, sse: { pingIntervalMs: 50 } });
 */
export interface StartEmulatorOptions {
  /**
   * Which Infisical server to play. `current` (default): today's server. `2024`: a server from October 2024 (no
   * `/api/v4/secrets*` and no event route, classic renewal, error bodies without `reqId`, the audience compared
   * after the TokenReview, gone tokens refused as `No identity access token found`, and rate limits on by default:
   * 60 read / 200 write / 40 secrets per IP per minute).
   */
  generation?: ServerGeneration;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0 (a free port). */
  infisicalPort?: number;
  /** Default 0 (a free port). */
  kubernetesPort?: number;
  /** Every token time (issue, expiry, renewal budget) reads this clock. Default: the system clock. */
  clock?: EmulatorClock;
  /** `current` (default; `classic` with generation `2024`): renew issues a new, shorter JWT until the max-TTL budget is spent. `classic`: renewal past createdAt + max TTL is refused. */
  renewalMode?: 'current' | 'classic';
  /** Serve Infisical over HTTPS with the emulator's CA. Default false. */
  infisicalTls?: boolean;
  /** The plan switch for server-sent events; false answers 400 as a plan without the feature. Default true. */
  eventSubscriptions?: boolean;
  sse?: { pingIntervalMs?: number; connectionTimeoutMs?: number };
  /** The server's MAX_MACHINE_IDENTITY_TOKEN_AGE. Default 7 776 000 (90 days). */
  maxTokenAgeSeconds?: number;
  /** Refuse loopback and private Kubernetes hosts at attach, as a production server does. Default false. */
  blockInternalKubernetesHosts?: boolean;
  /** Whether the plan allows non-wildcard trusted IPs. Default true. */
  ipPlanFeature?: boolean;
  /**
   * Per-IP, per-minute limits as Infisical applies them (429 `RateLimitExceeded` with `Retry-After` and
   * `x-ratelimit-*`): read, write (logins included) and secrets buckets, and a global cap every limited request
   * counts against (`/api/status` is exempt). Presets: `free` (200 / 90 / 120, global 600) and `pro`
   * (350 / 200 / 300, global 600), the published Infisical Cloud plans; `self-hosted-2024` (60 / 200 / 40,
   * global 600), an October 2024 server's defaults. An object sets its own limits (missing ones: 60 / 200 / 60 /
   * 600). Default false for generation `current` (self-hosted servers of the current version do not rate-limit);
   * `self-hosted-2024` for `2024`. Windows follow `clock`.
   */
  rateLimit?: false | RateLimitPreset | RateLimitSettings;
  /**
   * Take the client IP (rate limits, trusted IPs) from the left-most `X-Forwarded-For` entry, as the server's
   * Fastify `trustProxy: true` does. Default true: tests simulate pods behind one NAT (one address) or spread
   * over many. False: the socket's address only.
   */
  trustProxy?: boolean;
  /** How long Infisical waits for the Kubernetes API (TokenReview, `/version`). Default 10 000, the server's. */
  kubernetesTimeoutMs?: number;
  /**
   * The Kubernetes API server's own audiences (kube-apiserver `--api-audiences`): a TokenReview without
   * `spec.audiences` checks these, and so does the API server for the bearer that calls it.
   * Default: the issuer, `https://kubernetes.default.svc.cluster.local`, as kube-apiserver defaults it.
   */
  kubernetesApiAudiences?: string[];
}

/**
 * A running emulator: URLs, credentials, and the controls tests need.
 *
 * @example
 * const emu: Emulator = await startEmulator();
 * const jwt = emu.kubernetes.issueToken({ namespace: 'production' });
 * emu.faults.inject({ route: 'GET /api/v4/secrets', status: 503, times: 1 });
 * console.log(emu.counters.get('POST /api/v1/auth/kubernetes-auth/login'));
 * await emu.close();
 */
export interface Emulator {
  /**
   * The Infisical server this emulator plays now (see `StartEmulatorOptions.generation` and `setGeneration`);
   * `provision()` reads it to set up Kubernetes Auth the way that server can use it.
   */
  readonly generation: ServerGeneration;
  /**
   * Plays another server generation from now on, as if the server had been replaced in place: routes, error
   * shapes, renewal (unless `renewalMode` was given) and rate limits (unless `rateLimit` was given) follow the new
   * generation; identities, projects, secrets and issued tokens stay. Open event streams are closed, as a
   * restarted server closes them. Throws `EmulatorError` `INVALID_OPTIONS` for an unknown generation.
   *
   * @example
   * emu.setGeneration('2024'); // /api/v4/secrets now answers 404; clients fall back to /api/v3/secrets/raw
   */
  setGeneration(generation: ServerGeneration): void;
  /** e.g. `http://127.0.0.1:41234`: pass as `baseUrl` / `siteUrl`. */
  infisicalUrl: string;
  /** PEM of the CA that signs both servers' certificates. */
  caCert: string;
  organizationId: string;
  /** An organization admin (Universal Auth), with a token that never expires. */
  admin: { identityId: string; clientId: string; clientSecret: string; accessToken: string };
  kubernetes: {
    /** `https://127.0.0.1:<port>`: pass as `kubernetesHost`. */
    host: string;
    /** Pass as `caCert`. */
    caCert: string;
    issuer: string;
    /** The API server's own audiences (see `kubernetesApiAudiences`). Mint a token for one of them to call the API server with it. */
    apiAudiences: string[];
    /** A year-long token of `default/infisical-token-reviewer` for the API server's audiences, bound to `system:auth-delegator`. */
    tokenReviewerJwt: string;
    /** Mints an RS256 service-account token (synchronously; `await` on it is harmless). */
    issueToken(options?: IssueTokenOptions): string;
    bindAuthDelegator(namespace: string, name: string): void;
    unbindAuthDelegator(namespace: string, name: string): void;
    jwks(): { keys: object[] };
    rotateSigningKey(): Promise<void>;
  };
  /** Writes a projected token into `dir` the way the kubelet does, and rotates it on demand. */
  writeProjectedToken(dir: string, options?: IssueTokenOptions): Promise<ProjectedToken>;
  createProject(options?: { name?: string; environments?: string[] }): { id: string; slug: string };
  addIdentityToProject(projectId: string, identityId: string, role?: string): void;
  /** Creates or updates a secret (a new version); `tags` are slugs (created on first use), `metadata` key/value pairs. */
  setSecret(secret: SetSecretOptions): { version: number };
  setSecrets(projectId: string, environment: string, values: Record<string, string>, secretPath?: string): void;
  /** Deletes a secret; true when it existed. */
  deleteSecret(secret: { projectId: string; environment: string; secretPath?: string; key: string }): boolean;
  addImport(spec: { projectId: string; environment: string; secretPath?: string; importEnvironment: string; importPath: string }): void;
  faults: { inject(fault: FaultSpec): string; clear(id?: string): void };
  /** Requests per route key, e.g. `POST /api/v1/auth/kubernetes-auth/login`. */
  counters: { get(route: string): number; all(): Record<string, number>; reset(): void };
  events: { connections(): number };
  /**
   * Access tokens as the server sees them: `live()` counts token lineages (a login and its renewals) that are
   * not revoked and not expired on the emulator clock, optionally for one identity.
   *
   * @example
   * expect(emu.accessTokens.live(app.identityId)).toBeLessThanOrEqual(1); // no token left behind by rotations
   */
  accessTokens: { live(identityId?: string): number };
  /**
   * Creates a dynamic secret whose provider mints a username/password pair per lease (`data.DB_USERNAME`,
   * `data.DB_PASSWORD`); leases live on the emulator clock. Throws `EmulatorError` `UNKNOWN_PROJECT` or `INVALID_OPTIONS`.
   *
   * @example
   * emu.createDynamicSecret({ projectId: project.id, environment: 'prod', name: 'orders-db', defaultTtl: '1h', maxTtl: '24h' });
   */
  createDynamicSecret(options: CreateDynamicSecretOptions): { id: string; name: string };
  /** Live leases and the credentials a database would accept now. */
  dynamicSecrets: DynamicSecretsHandle;
  /** Closes both servers and every stream; idempotent. */
  close(): Promise<void>;
}

