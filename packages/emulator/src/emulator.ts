import { randomBytes, randomUUID } from 'node:crypto';
import { systemClock, type EmulatorClock } from './clock.js';
import { createCertificateAuthority } from './tls/certificate-authority.js';
import { ServiceAccountIssuer, type IssueTokenOptions } from './kubernetes/issuer.js';
import { startKubernetesApi } from './kubernetes/api-server.js';
import { writeProjectedToken, type ProjectedToken, type ProjectedTokenHandle } from './kubernetes/projected-token.js';
import { Router } from './http/router.js';
import { Counters, Faults, type FaultSpec } from './http/faults.js';
import { RateLimiter, bucketFor, resolveRateLimit, type RateLimitPreset, type RateLimitSettings } from './http/rate-limit.js';
import { startServer } from './http/server.js';
import { envelope } from './infisical/errors.js';
import { EmulatorError, unknownProject } from './errors.js';
import { InfisicalState } from './infisical/state.js';
import { AccessTokens } from './infisical/access-tokens.js';
import { SecretEvents } from './infisical/secret-events.js';
import type { InfisicalContext } from './infisical/context.js';
import { registerLoginRoutes } from './infisical/routes/login.js';
import { registerAdminRoutes, createProject } from './infisical/routes/admin.js';
import { registerSecretRoutes, SecretWriter, type SetSecretOptions } from './infisical/routes/secrets.js';
import { registerEventRoutes } from './infisical/routes/events.js';
import { registerFolderRoutes } from './infisical/routes/folders.js';

/** Routes that take no bearer token; every other route authenticates in the server's request hook. */
const UNAUTHENTICATED = new Set([
  'POST /api/v1/auth/kubernetes-auth/login',
  'POST /api/v1/auth/universal-auth/login',
  'POST /api/v1/auth/token/renew',
  'POST /api/v1/auth/token/revoke',
  'GET /api/status',
]);

function withoutReqId(generation: 'current' | '2024', body: unknown): unknown {
  if (generation !== '2024' || !body || typeof body !== 'object' || !('reqId' in body)) return body;
  const { reqId: _reqId, ...rest } = body as Record<string, unknown>;
  return rest;
}

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
  generation?: 'current' | '2024';
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
   * The Infisical server this emulator plays (see `StartEmulatorOptions.generation`); `provision()` reads it to
   * set up Kubernetes Auth the way that server can use it.
   */
  readonly generation: 'current' | '2024';
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
  deleteSecret(secret: { projectId: string; environment: string; secretPath?: string; key: string }): void;
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
  /** Closes both servers and every stream; idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a local Infisical and a local Kubernetes API on loopback.
 *
 * @example
 * const emu = await startEmulator();
 * const project = emu.createProject({ name: 'app' });
 * emu.setSecrets(project.id, 'prod', { DATABASE_URL: 'postgres://db/app' });
 * // ... attach Kubernetes Auth with emu.kubernetes.host / caCert / tokenReviewerJwt, then log in
 * await emu.close();
 */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<Emulator> {
  const generation = options.generation ?? 'current';
  if (generation !== 'current' && generation !== '2024') throw new EmulatorError('INVALID_OPTIONS', `generation must be 'current' or '2024', not ${JSON.stringify(generation)}.`);
  const clock = options.clock ?? systemClock;
  const host = options.host ?? '127.0.0.1';
  // Key generation is the slow part of start-up: the RSA key (thread pool) and the CA in parallel.
  const [ca, issuer] = await Promise.all([createCertificateAuthority(), ServiceAccountIssuer.create(clock)]);
  const serverTls = await ca.issueServerCertificate('localhost');
  const authDelegators = new Set<string>(['default/infisical-token-reviewer']);
  const counters = new Counters();
  const faults = new Faults();

  const apiAudiences = options.kubernetesApiAudiences?.length ? [...options.kubernetesApiAudiences] : [issuer.issuer];
  const kubernetes = await startKubernetesApi({ issuer, apiAudiences, authDelegators, counters, faults, tls: serverTls, host, port: options.kubernetesPort ?? 0 });

  const state = new InfisicalState();
  const tokens = new AccessTokens(state, { clock, maxTokenAgeSeconds: options.maxTokenAgeSeconds ?? 7_776_000, generation });
  const sse = { pingIntervalMs: options.sse?.pingIntervalMs ?? 15_000, connectionTimeoutMs: options.sse?.connectionTimeoutMs ?? 3_600_000 };
  const events = new SecretEvents(sse);
  const ctx: InfisicalContext = {
    state,
    tokens,
    clock,
    events,
    options: {
      generation,
      renewalMode: options.renewalMode ?? (generation === '2024' ? 'classic' : 'current'),
      eventSubscriptions: options.eventSubscriptions ?? true,
      blockInternalKubernetesHosts: options.blockInternalKubernetesHosts ?? false,
      ipPlanFeature: options.ipPlanFeature ?? true,
      kubernetesTimeoutMs: options.kubernetesTimeoutMs ?? 10_000,
      sse,
    },
  };
  const writer = new SecretWriter(ctx);
  const rateLimit = resolveRateLimit(options.rateLimit, generation === '2024' ? 'self-hosted-2024' : false);
  const limiter = rateLimit ? new RateLimiter(rateLimit, clock) : undefined;
  const router = new Router();
  registerLoginRoutes(router, ctx);
  registerAdminRoutes(router, ctx);
  registerSecretRoutes(router, ctx, writer);
  registerFolderRoutes(router, ctx);
  registerEventRoutes(router, ctx);
  // Error bodies of the 2024 error handler carried no request id.
  const envelopeFor = (status: number, message: unknown, error: string) => withoutReqId(generation, envelope(status, message, error));

  const infisical = await startServer(
    {
      router,
      counters,
      faults,
      ...(options.infisicalTls ? { tls: serverTls } : {}),
      errorBody: (status, message, error) => envelopeFor(status, message, error ?? (status >= 500 ? 'InternalServerError' : 'BadRequest')),
      badJson: () => ({ status: 400, body: envelopeFor(400, 'Body is not valid JSON', 'BadRequest') }),
      authenticate: (request) => (UNAUTHENTICATED.has(request.key) ? undefined : tokens.authenticate(request)),
      shapeError: (body) => withoutReqId(generation, body),
      etag: true,
      trustProxy: options.trustProxy ?? true,
      ...(limiter
        ? {
            admit: (key: string, ip: string) => {
              const bucket = bucketFor(key);
              if (!bucket) return { headers: {} };
              const admission = limiter.admit(bucket, ip);
              if (admission.allowed) return { headers: admission.headers };
              return {
                headers: admission.headers,
                reject: { status: 429, body: envelopeFor(429, `Rate limit exceeded. Please try again in ${admission.resetSeconds} seconds`, 'RateLimitExceeded') },
              };
            },
          }
        : {}),
    },
    host,
    options.infisicalPort ?? 0,
  );

  // The organization's administrator, as an operator who set the emulator up would have.
  const now = new Date(clock.now()).toISOString();
  const adminIdentity = {
    id: randomUUID(),
    membershipId: randomUUID(),
    name: 'emulator-admin',
    orgId: state.organizationId,
    role: 'admin',
    hasDeleteProtection: true,
    metadata: [],
    authMethods: ['universal-auth'],
    createdAt: now,
    updatedAt: now,
  };
  state.identities.set(adminIdentity.id, adminIdentity);
  const clientId = randomUUID();
  const clientSecret = randomBytes(32).toString('hex');
  state.universalAuth.set(clientId, { identityId: adminIdentity.id, clientSecret });
  const adminToken = await tokens.issue(adminIdentity, 'universal-auth', { ttl: 0, maxTtl: 0, numUsesLimit: 0 }, {}, true);
  const tokenReviewerJwt = issuer.issue({ namespace: 'default', name: 'infisical-token-reviewer', audience: apiAudiences, expirationSeconds: 365 * 24 * 3600 });

  const projectedTokens = new Set<ProjectedTokenHandle>();
  let closed = false;
  return {
    generation,
    infisicalUrl: infisical.url,
    caCert: ca.cert,
    organizationId: state.organizationId,
    admin: { identityId: adminIdentity.id, clientId, clientSecret, accessToken: adminToken.accessToken },
    kubernetes: {
      host: kubernetes.url,
      caCert: ca.cert,
      issuer: issuer.issuer,
      apiAudiences: [...apiAudiences],
      tokenReviewerJwt,
      issueToken: (o) => issuer.issue(o),
      bindAuthDelegator: (namespace, name) => void authDelegators.add(`${namespace}/${name}`),
      unbindAuthDelegator: (namespace, name) => void authDelegators.delete(`${namespace}/${name}`),
      jwks: () => issuer.jwks(),
      rotateSigningKey: () => issuer.rotateSigningKey(),
    },
    writeProjectedToken: async (dir, o) => {
      const projected = await writeProjectedToken(dir, (opts) => issuer.issue(opts), o);
      projectedTokens.add(projected);
      return projected;
    },
    createProject: (o = {}) => {
      const project = createProject(ctx, o.name ?? 'emulated-project', undefined, o.environments);
      return { id: project.id, slug: project.slug };
    },
    addIdentityToProject: (projectId, identityId, role = 'member') => {
      const project = state.projects.get(projectId);
      if (!project) throw unknownProject(projectId);
      project.members.set(identityId, role);
    },
    setSecret: (s) => ({ version: writer.set(s).version }),
    setSecrets: (projectId, environment, values, secretPath = '/') => {
      for (const [key, value] of Object.entries(values)) writer.set({ projectId, environment, secretPath, key, value });
    },
    deleteSecret: (s) => writer.delete(s),
    addImport: (s) => writer.addImport(s),
    faults: { inject: (f) => faults.inject(f), clear: (id) => faults.clear(id) },
    counters: { get: (route) => counters.get(route), all: () => counters.all(), reset: () => counters.reset() },
    events: { connections: () => events.connections() },
    accessTokens: { live: (identityId) => tokens.live(identityId) },
    async close() {
      if (closed) return;
      closed = true;
      for (const projected of projectedTokens) projected.stop();
      await Promise.all([...projectedTokens].map((projected) => projected.idle()));
      events.closeAll();
      await Promise.all([infisical.close(), kubernetes.close()]);
    },
  };
}
