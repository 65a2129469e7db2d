import type { Observable } from 'rxjs';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { InfisicalK8sError } from '../errors/error.js';
import type { InfisicalErrorCode } from '../errors/codes.js';

/**
 * The snapshot type for a schema: its output type, or `Readonly<Record<string, string>>` without one.
 *
 * @example
 * const schema = z.object({ PORT: z.coerce.number() });
 * type Secrets = ConfigOutput<typeof schema>; // { PORT: number }
 */
export type ConfigOutput<S> = S extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S> : Readonly<Record<string, string>>;

/**
 * Why a refresh ran: `initial` (start-up), `interval` (polling), `token` (a new login), `token-file` (the kubelet
 * rotated the service-account token), `push` (a change event), `manual` (`refresh()`), `reconnect` (the event
 * stream came back; events are not replayed), `retry` (backoff after a failure), `files` (a
 * mounted secrets directory changed), `lease` (a dynamic secret's lease was replaced or ended), `fallback` (the first load met an outage: the fallback file's snapshot).
 *
 * @example
 * config.changes$.subscribe(({ reason }) => reason === 'push' && console.log('pushed change'));
 */
export type RefreshReason = 'initial' | 'interval' | 'token' | 'token-file' | 'push' | 'manual' | 'reconnect' | 'retry' | 'files' | 'lease' | 'fallback';

/**
 * A new snapshot, published only when a raw value really changed.
 *
 * @example
 * config.changes$.subscribe(({ changedKeys }) => console.log('changed:', changedKeys.join(', ')));
 */
export interface ConfigChange<T> {
  snapshot: T;
  /** The snapshot before this one; `undefined` for the first. */
  previous: T | undefined;
  /** Keys added, removed or changed (never their values), sorted. */
  changedKeys: string[];
  /** Clock time (epoch ms) of the change. */
  at: number;
  reason: RefreshReason;
}

/**
 * Health of a config, for readiness probes and dashboards. Holds no value, token or JWT.
 *
 * @example
 * app.get('/ready', (_req, res) => res.status(config.isReady() ? 200 : 503).json(config.status));
 */
export interface ConfigStatus {
  /** A snapshot is loaded and the config is not closed. */
  ready: boolean;
  /** No successful refresh for longer than `maxStalenessMs` while refreshes are failing or due. */
  stale: boolean;
  closed: boolean;
  /** `push` while every change-event stream is connected, else `polling`. */
  mode: 'push' | 'polling';
  /** Serving the fallback file's snapshot (`fallback` option): no load from Infisical has succeeded yet. */
  degraded: boolean;
  lastRefreshAt: number | undefined;
  lastSuccessAt: number | undefined;
  /** The last failure since the last success (cleared by a success). */
  lastError: { code: InfisicalErrorCode; message: string; at: number } | undefined;
  /** When the access token in use stops being accepted (epoch ms). */
  accessTokenExpiresAt: number | undefined;
  /** Logins (Kubernetes Auth) since creation. */
  logins: number;
  /** Successful renewals since creation. */
  renewals: number;
  /** Renewals the server refused (each one switches that token's lineage to a login). */
  refusedRenewals: number;
  /**
   * The poll interval in effect (ms): `refreshIntervalMs`, lengthened by 429s (each doubles it) and eased back by
   * quiet fetches; 0 when polling is off. While push is connected, polls run at 5 times this.
   */
  pollIntervalMs: number;
  /** When this config next asks Infisical on its own (the pending retry or poll, epoch ms); undefined when none is due. */
  nextAttemptAt: number | undefined;
  /** The last `Retry-After` Infisical sent (ms), from a fetch, login, renewal or event stream, until the next successful fetch. */
  retryAfterMs: number | undefined;
  /** Requests Infisical answered 429 (secrets fetches, and the logins they waited on) since creation. */
  rateLimited: number;
}

/**
 * The body of a readiness probe, shared by every adapter.
 *
 * @example
 * app.get('/ready', (_req, res) => { const r = config.readiness(); res.status(r.status === 'ready' ? 200 : 503).json(r); });
 */
export interface ReadinessReport {
  /** `degraded`: serving the fallback file's snapshot during an outage; it still takes traffic (HTTP 200). */
  status: 'ready' | 'degraded' | 'not-ready';
  stale: boolean;
  code?: InfisicalErrorCode;
  /** The poll interval in effect (ms), present only while 429s have lengthened it beyond `refreshIntervalMs`. */
  pollIntervalMs?: number;
}

/**
 * Typed, validated, always-fresh secrets. Create one with `createInfisicalConfig`.
 *
 * @example
 * const config = createInfisicalConfig({ secrets: { projectId, environment: 'prod' }, schema });
 * const { DATABASE_URL } = await config.ready();
 * config.changes$.subscribe(({ snapshot }) => pool.reconfigure(snapshot.DATABASE_URL));
 */
export interface InfisicalConfig<T> {
  /** Resolves with the first validated snapshot; every caller shares one load. Rejects with the typed error after `initialRetries` failed attempts or `readyTimeoutMs`. */
  ready(): Promise<T>;
  /** The latest snapshot, deep-frozen. Throws `NOT_READY` before the first one, `CLOSED` after `close()`. */
  readonly snapshot: T;
  /** One value of the latest snapshot; O(1), no I/O. */
  get<K extends keyof T>(key: K): T[K];
  /** New snapshots, only when content changed. */
  readonly changes$: Observable<ConfigChange<T>>;
  /** The current snapshot (once there is one), then each new one. */
  readonly snapshot$: Observable<T>;
  /** Every failed refresh, login or renewal; the last good snapshot stays in use. */
  readonly errors$: Observable<InfisicalK8sError>;
  readonly status: ConfigStatus;
  /** Readiness: a snapshot, not stale, not closed. */
  isReady(): boolean;
  /** What a readiness probe answers: `ready`, staleness, and the last error's code (never a value). */
  readiness(): ReadinessReport;
  /** Fetches now (joining a fetch in flight); rejects on failure but keeps the last good snapshot. */
  refresh(): Promise<T>;
  /** Stops every timer, watcher and stream, and revokes the token when `revokeOnClose`; idempotent. */
  close(): Promise<void>;
}
