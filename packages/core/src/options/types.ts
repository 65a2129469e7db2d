import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Clock } from '../clock/clock.js';
import type { ProcessEnvOptions } from './process-env.js';
import type { MetricsOptions } from '../metrics/types.js';

/**
 * Where secrets come from: one folder of one environment of one project.
 *
 * @example
 * createInfisicalConfig({ secrets: [{ projectId, environment: 'prod', secretPath: '/shared' }, { projectId, environment: 'prod', secretPath: '/api' }] });
 */
export interface SecretSourceOptions {
  /** Env `INFISICAL_PROJECT_ID`. */
  projectId?: string;
  /** Environment slug. Env `INFISICAL_ENVIRONMENT`. */
  environment?: string;
  /** Folder, default `/`. Env `INFISICAL_SECRET_PATH`. */
  secretPath?: string;
  /** Include sub-folders. Default false. */
  recursive?: boolean;
  /** Merge imported secrets (before the folder's own). Default true. */
  includeImports?: boolean;
  /** Expand `${KEY}` references server-side. Default true. */
  expandSecretReferences?: boolean;
  /** Only secrets carrying one of these tags. */
  tagSlugs?: string[];
}

/**
 * Where secrets come from when something else fetches them: a directory of one file per key, as the Infisical
 * Kubernetes Operator's managed Secret or the Infisical CSI provider mounts it. The pod makes no Infisical call
 * for it (no login either when every source is a directory); the kubelet's atomic `..data` swap is watched, and
 * every read is one whole version.
 *
 * @example
 * createInfisicalConfig({ secrets: { files: '/etc/app-secrets' }, schema });
 * // mixed, later wins: createInfisicalConfig({ kubernetesAuth, secrets: [{ files: '/etc/shared' }, { projectId, environment: 'prod' }] });
 */
export interface FileSourceOptions {
  /** The mounted directory (the volume's mountPath). */
  files: string;
  /** How often the directory is compared with what is served, besides fs.watch. Default 10 000. */
  checkIntervalMs?: number;
}

/**
 * Leased credentials as config: a dynamic secret (a database user, cloud keys) whose lease core creates at the first
 * load, renews at about two thirds of its life, replaces with a new lease before its max TTL (revoking the old one
 * once the new credentials are served) and revokes on `close()`. The lease's fields arrive as snapshot keys,
 * validated by the schema, and a replacement is announced on `changes$`. The identity needs read, edit and delete
 * on the folder's secrets (a project `member`): renewing and revoking are edits.
 *
 * @example
 * createInfisicalConfig({
 *   kubernetesAuth,
 *   secrets: [{ projectId, environment: 'prod' }, { dynamic: 'orders-db', projectSlug: 'payments', environment: 'prod', fields: { DB_USERNAME: 'DB_USER', DB_PASSWORD: 'DB_PASS' } }],
 *   schema,
 * });
 */
export interface DynamicSourceOptions {
  /** The dynamic secret's name in Infisical. */
  dynamic: string;
  /** The project's slug: the lease routes take a slug, not an id. */
  projectSlug: string;
  /** Environment slug. */
  environment: string;
  /** Folder of the dynamic secret, default `/`. */
  secretPath?: string;
  /** Each lease's and renewal's TTL: seconds (60 to 86 400) or `"30m"`, `"1h"`. Default: the dynamic secret's default TTL. */
  ttl?: number | string;
  /** Lease field to snapshot key, e.g. `{ DB_USERNAME: 'DB_USER' }`; only the mapped fields are kept. Default: every field under its own name. */
  fields?: Record<string, string>;
}

/**
 * A logger core writes through: pino, the Nest Logger, console, or anything with these methods. Lines hold
 * codes and messages, never values or tokens.
 *
 * @example
 * createInfisicalConfig({ logger: { warn: (m, meta) => pino.warn(meta, m), error: (m, meta) => pino.error(meta, m) } });
 */
export interface InfisicalLogger {
  debug?(message: string, meta?: object): void;
  info?(message: string, meta?: object): void;
  warn(message: string, meta?: object): void;
  error(message: string, meta?: object): void;
}

/**
 * A persistent last good snapshot, encrypted (AES-256-GCM), for a pod that starts while Infisical is unreachable.
 * Written after loads (atomically, mode 0600); read only when the first load meets an outage (no answer, a
 * timeout or a 5xx), never after a refusal (401, 403, 404, 429, a schema failure). While it is served, readiness
 * says `degraded` and loading carries on; the first load that succeeds replaces it.
 *
 * @example
 * createInfisicalConfig({ secrets, schema, fallback: { path: '/var/cache/app/secrets.enc' } }); // key from INFISICAL_FALLBACK_KEY
 */
export interface FallbackOptions {
  /** The file (on a volume that outlives the container). Its directory is created (0700) when missing. */
  path: string;
  /**
   * 32 random bytes: a Buffer, or their base64 or hex text (`openssl rand -base64 32`). Passphrases are refused.
   * Default: the file at `keyPath`, else the variable named by `keyEnv`.
   */
  key?: string | Buffer;
  /** The environment variable holding the key. Default `INFISICAL_FALLBACK_KEY`. */
  keyEnv?: string;
  /** A file holding the key (base64 or hex text, or the 32 raw bytes), e.g. a mounted Secret. Read at start. */
  keyPath?: string;
  /** A file older than this is refused (and, while served, readiness turns `not-ready` past it). Default 86 400 000 (24 h). */
  maxAgeMs?: number;
}

/**
 * Everything `createInfisicalConfig` accepts. Each option has a default or an environment variable.
 *
 * @example
 * const options: InfisicalConfigOptions<typeof schema> = { secrets: { projectId, environment: 'prod' }, schema, refreshIntervalMs: 30_000 };
 */
export interface InfisicalConfigOptions<S extends StandardSchemaV1 | undefined = undefined> {
  /** Infisical URL. Env `INFISICAL_SITE_URL`, then `INFISICAL_API_URL`; default `https://app.infisical.com`. */
  siteUrl?: string;
  /** Not needed (and never used) when every source is a mounted directory (`{ files }`). */
  kubernetesAuth?: {
    /** Env `INFISICAL_KUBERNETES_IDENTITY_ID`, `INFISICAL_MACHINE_IDENTITY_ID`, `INFISICAL_IDENTITY_ID`. */
    identityId?: string;
    /**
     * Env `INFISICAL_KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH`; default `/var/run/secrets/infisical/token` when it
     * exists, else `/var/run/secrets/kubernetes.io/serviceaccount/token`. Read at every login, never kept.
     */
    tokenPath?: string;
  };
  /**
   * Log in with Universal Auth instead: the same renewal and re-login as Kubernetes Auth, and no token file.
   * Each field falls back to its environment variable. Set at most one of `kubernetesAuth`, `universalAuth` and
   * `accessToken`; with none, `INFISICAL_UNIVERSAL_AUTH_CLIENT_ID` and `_SECRET` (both) come first, then
   * `INFISICAL_TOKEN`, else Kubernetes Auth.
   *
   * @example
   * createInfisicalConfig({ universalAuth: { clientId: process.env.APP_CLIENT_ID, clientSecret: process.env.APP_CLIENT_SECRET }, secrets: { projectId, environment: 'dev' } });
   */
  universalAuth?: {
    /** Env `INFISICAL_UNIVERSAL_AUTH_CLIENT_ID`. */
    clientId?: string;
    /** Env `INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET`. Never logged, shown or serialized. */
    clientSecret?: string;
  };
  /**
   * Use this access token as it is: no login, no renewal, never revoked (it is not core's). When Infisical refuses
   * it (expired, revoked, uses spent), calls fail with `UNAUTHORIZED` naming this option. Env `INFISICAL_TOKEN`
   * (after the Universal Auth variables).
   *
   * @example
   * createInfisicalConfig({ accessToken: process.env.CI_INFISICAL_TOKEN, secrets: { projectId, environment: 'ci' } });
   */
  accessToken?: string;
  /** One source, or several merged in order (later wins): Infisical folders and mounted directories alike. */
  secrets?: SecretSourceOptions | FileSourceOptions | DynamicSourceOptions | Array<SecretSourceOptions | FileSourceOptions | DynamicSourceOptions>;
  /** Any Standard Schema (zod, valibot, arktype). Without one, the snapshot is `Record<string, string>`. */
  schema?: S;
  tls?: {
    /** PEM CA of a self-hosted Infisical. */
    ca?: string | Buffer;
    /** File with that CA. Env `INFISICAL_CA_PATH`. */
    caPath?: string;
    /** `false` turns verification off and logs a warning at start-up. Default true. */
    rejectUnauthorized?: boolean;
  };
  /**
   * Polling period. The first poll is drawn over 0.5x-1.5x the period, so pods started together spread at once;
   * later ones are jittered +-10 %. Default 60 000; 0 disables polling (push and token triggers still refresh).
   */
  refreshIntervalMs?: number;
  /** Subscribe to secret-change events; falls back to polling when refused. Default true. */
  push?: boolean;
  /** After this long without a successful refresh, `status.stale` and `isReady()` report it. Default 10 × refreshIntervalMs (10 min when polling is off). */
  maxStalenessMs?: number;
  /** `ready()` rejects after this long without a first snapshot. Default 30 000. */
  readyTimeoutMs?: number;
  /** `ready()` rejects after this many failed attempts. Default 5. */
  initialRetries?: number;
  /** Backoff of failed refreshes and logins: full jitter, capped. */
  backoff?: { initialMs?: number; maxMs?: number; multiplier?: number };
  /** Revoke the access token on `close()`. Default false. */
  revokeOnClose?: boolean;
  /**
   * Share list answers and their ETags with the other configs of this process that set it too and read the same
   * source as the same identity on the same server (a Nest app and an Express sub-app): their first loads and polls
   * then fetch once for all of them. Push events, new tokens and `refresh()` still ask the server. Default false.
   */
  shareAnswers?: boolean;
  /** Default: warnings and errors to the console. */
  logger?: InfisicalLogger;
  /** Injectable time (tests). Default: real time, unref'd timers. */
  clock?: Clock;
  /** Random source for jitter (tests pin it). Default Math.random. */
  random?: () => number;
  /** How often the token file is checked for rotation, besides fs.watch. Default 30 000. */
  tokenFileCheckIntervalMs?: number;
  /** Where the environment variables are read from. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /**
   * Largest answer accepted, in bytes. Default 48 MiB (`DEFAULT_MAX_RESPONSE_BYTES`), about 50,000 secrets; a larger
   * answer fails with `RESPONSE_TOO_LARGE` (not retried) naming this option.
   */
  maxResponseBytes?: number;
  /**
   * Passed to the node-infisical client. `apiVersion`: `auto` (default) uses `/api/v4/secrets` and falls back to
   * `/api/v3/secrets/raw` on servers without it; `v4` or `v3` pins one.
   */
  client?: { timeoutMs?: number; retry?: { retries?: number; baseDelayMs?: number; maxDelayMs?: number } | false; apiVersion?: 'auto' | 'v4' | 'v3' };
  /** Write validated secrets into `process.env` for code that reads it (`ProcessEnvOptions`). Default off. */
  processEnv?: ProcessEnvOptions | false;
  /**
   * OpenTelemetry metrics (`infisical_k8s.*`), read from the status when the SDK collects. `true`: the global meter
   * provider of `@opentelemetry/api` (an optional peer dependency; create the config after the SDK starts).
   * `{ meterProvider, attributes }`: that provider, these attributes on every data point. Default false.
   */
  metrics?: boolean | MetricsOptions;
  /** The encrypted last-good-snapshot file (`FallbackOptions`). Default: off. */
  fallback?: FallbackOptions;
}
