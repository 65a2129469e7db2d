import { watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { inspect } from 'node:util';
import { BehaviorSubject, Subject, filter, map, type Observable } from 'rxjs';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { InfisicalApiError, InfisicalClient } from 'node-infisical';
import { ManualClock, type ClockTimer } from '../clock/clock.js';
import { InfisicalK8sError, isInfisicalK8sError } from '../errors/error.js';
import type { InfisicalErrorCode } from '../errors/codes.js';
import { toInfisicalK8sError } from '../errors/map.js';
import { resolveOptions, type ResolvedOptions } from '../options/resolve.js';
import type { InfisicalConfigOptions } from '../options/types.js';
import { TokenManager } from '../token/token-manager.js';
import { tokenFileDigest } from '../token/token-file.js';
import { SecretSources } from '../secrets/secret-source.js';
import { PushSubscription } from '../secrets/push.js';
import { backoffDelay, jittered } from '../util/backoff.js';
import { changedKeys, deepFreeze } from './snapshot.js';
import { validateSecrets } from './validate.js';

/** The snapshot type for a schema: its output type, or `Record<string, string>` without one. */
export type ConfigOutput<S> = S extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S> : Readonly<Record<string, string>>;

/** Why a refresh ran. */
export type RefreshReason = 'initial' | 'interval' | 'token' | 'token-file' | 'push' | 'manual' | 'reconnect' | 'retry';

/** A new snapshot, published only when a value really changed. */
export interface ConfigChange<T> {
  snapshot: T;
  previous: T | undefined;
  /** Keys added, removed or changed (never their values). */
  changedKeys: string[];
  at: number;
  reason: RefreshReason;
}

/** Health of a config, for readiness probes and dashboards. */
export interface ConfigStatus {
  ready: boolean;
  stale: boolean;
  closed: boolean;
  mode: 'push' | 'polling';
  lastRefreshAt: number | undefined;
  lastSuccessAt: number | undefined;
  lastError: { code: InfisicalErrorCode; message: string; at: number } | undefined;
  accessTokenExpiresAt: number | undefined;
  logins: number;
  renewals: number;
}

/** Typed, validated, always-fresh secrets. */
export interface InfisicalConfig<T> {
  /** Resolves with the first validated snapshot; every caller shares one load. */
  ready(): Promise<T>;
  /** The latest snapshot, frozen. Throws `NOT_READY` before the first one. */
  readonly snapshot: T;
  /** One value of the latest snapshot; O(1), no I/O. */
  get<K extends keyof T>(key: K): T[K];
  /** New snapshots, only when content changed. */
  readonly changes$: Observable<ConfigChange<T>>;
  /** The current snapshot, then each new one. */
  readonly snapshot$: Observable<T>;
  /** Every failed refresh, login or renewal (the last good snapshot stays in use). */
  readonly errors$: Observable<InfisicalK8sError>;
  readonly status: ConfigStatus;
  /** Readiness: a snapshot, not stale, not closed. */
  isReady(): boolean;
  /** Fetches now (joining a fetch in flight); rejects on failure but keeps the last good snapshot. */
  refresh(): Promise<T>;
  /** Stops every timer, watcher and stream; idempotent. */
  close(): Promise<void>;
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: InfisicalK8sError): void;
  attemptsLeft: number;
  timer: ClockTimer | undefined;
}

class Engine<T> implements InfisicalConfig<T> {
  readonly #o: ResolvedOptions;
  readonly #schema: StandardSchemaV1 | undefined;
  readonly #client: InfisicalClient;
  readonly #tokens: TokenManager;
  readonly #sources: SecretSources;
  readonly #push: PushSubscription | undefined;
  readonly #snapshot$ = new BehaviorSubject<T | undefined>(undefined);
  readonly #changes$ = new Subject<ConfigChange<T>>();
  readonly #errors$ = new Subject<InfisicalK8sError>();
  readonly changes$: Observable<ConfigChange<T>>;
  readonly snapshot$: Observable<T>;
  readonly errors$: Observable<InfisicalK8sError>;
  #raw: Record<string, string> | undefined;
  #inFlight: Promise<T> | undefined;
  #again: RefreshReason | undefined;
  #waiters = new Set<Waiter<T>>();
  /** Holds the event loop open while someone awaits the first snapshot: every other timer is unref'd. */
  #keepAlive: NodeJS.Timeout | undefined;
  #pollTimer: ClockTimer | undefined;
  #retryTimer: ClockTimer | undefined;
  #fileTimer: ClockTimer | undefined;
  #debounce: ClockTimer | undefined;
  #watcher: FSWatcher | undefined;
  #fileDigest: string | undefined;
  #failures = 0;
  #closed = false;
  #started = false;
  #lastRefreshAt: number | undefined;
  #lastSuccessAt: number | undefined;
  #lastError: ConfigStatus['lastError'];
  #loggedCodes = new Set<string>();
  #detachIdle: (() => void) | undefined;

  constructor(options: ResolvedOptions, schema: StandardSchemaV1 | undefined) {
    this.#o = options;
    this.#schema = schema;
    this.#client = new InfisicalClient({
      baseUrl: options.siteUrl,
      ...(options.client.timeoutMs !== undefined ? { timeoutMs: options.client.timeoutMs } : {}),
      retry: options.client.retry ?? { retries: 2, baseDelayMs: 200, maxDelayMs: 2_000 },
      ...(options.ca !== undefined || !options.rejectUnauthorized ? { tls: { ...(options.ca !== undefined ? { ca: options.ca } : {}), rejectUnauthorized: options.rejectUnauthorized } } : {}),
      userAgent: '@infisical-k8s/core',
    });
    this.#tokens = new TokenManager(
      this.#client,
      { identityId: options.identityId, tokenPath: options.tokenPath, siteUrl: options.siteUrl, clock: options.clock, logger: options.logger, random: options.random, backoff: options.backoff },
      {
        onToken: (kind) => {
          // A new lineage (login) may see new permissions; a renewal changes nothing on the server side.
          if (kind === 'login' && this.#raw !== undefined) this.#trigger('token');
        },
        onError: (error) => this.#report(error),
      },
    );
    this.#sources = new SecretSources(this.#client, options.sources);
    if (options.push) {
      this.#push = new PushSubscription(this.#client, options.sources, this.#tokens, options, {
        onChange: () => this.#debounced('push'),
        onConnected: (reconnect) => {
          if (reconnect) this.#trigger('reconnect');
        },
        onRefused: (reason) => {
          this.#o.logger.warn(`push notifications refused by Infisical (${reason}); polling every ${this.#o.refreshIntervalMs} ms instead`);
          this.#schedulePoll();
        },
      });
    }
    this.changes$ = this.#changes$.asObservable();
    this.snapshot$ = this.#snapshot$.pipe(
      filter((value): value is T => value !== undefined),
      map((value) => value),
    );
    this.errors$ = this.#errors$.asObservable();
    if (!options.rejectUnauthorized) {
      options.logger.warn('TLS certificate verification is OFF (tls.rejectUnauthorized: false): anyone on the path can read your secrets. Use tls.ca instead.');
    }
    if (options.clock instanceof ManualClock) this.#detachIdle = options.clock.onIdle(() => this.#idle());
    this.#start();
  }

  /** Resolves when no refresh is in flight (for ManualClock.advance). */
  async #idle(): Promise<void> {
    for (let i = 0; i < 20; i++) {
      await this.#tokens.idle();
      await Promise.allSettled(this.#busy);
      if (!this.#inFlight) break;
      await this.#inFlight.catch(() => undefined);
    }
  }

  /** Async work started outside a caller's await (token-file checks), tracked for `#idle`. */
  readonly #busy = new Set<Promise<unknown>>();
  #track(work: Promise<unknown>): void {
    this.#busy.add(work);
    void work.finally(() => this.#busy.delete(work));
  }

  #start(): void {
    if (this.#started) return;
    this.#started = true;
    void this.#refresh('initial').catch(() => undefined);
    this.#watchTokenFile();
    this.#push?.start();
  }

  get snapshot(): T {
    if (this.#closed) throw new InfisicalK8sError('CLOSED', 'This Infisical config is closed.');
    const value = this.#snapshot$.value;
    if (value === undefined) throw new InfisicalK8sError('NOT_READY', 'Secrets are not loaded yet.');
    return value;
  }

  get<K extends keyof T>(key: K): T[K] {
    return this.snapshot[key];
  }

  get status(): ConfigStatus {
    const now = this.#o.clock.now();
    const stale = this.#lastSuccessAt === undefined ? false : now - this.#lastSuccessAt > this.#o.maxStalenessMs;
    return {
      ready: this.#snapshot$.value !== undefined && !this.#closed,
      stale,
      closed: this.#closed,
      mode: this.#push?.active ? 'push' : 'polling',
      lastRefreshAt: this.#lastRefreshAt,
      lastSuccessAt: this.#lastSuccessAt,
      lastError: this.#lastError,
      accessTokenExpiresAt: this.#tokens.expiresAt,
      logins: this.#tokens.stats.logins,
      renewals: this.#tokens.stats.renewals,
    };
  }

  isReady(): boolean {
    const status = this.status;
    return status.ready && !status.stale;
  }

  ready(): Promise<T> {
    if (this.#closed) return Promise.reject(new InfisicalK8sError('CLOSED', 'This Infisical config is closed.'));
    const value = this.#snapshot$.value;
    if (value !== undefined) return Promise.resolve(value);
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = { resolve, reject, attemptsLeft: this.#o.initialRetries, timer: undefined };
      waiter.timer = this.#o.clock.setTimeout(() => {
        this.#waiters.delete(waiter);
        this.#releaseKeepAlive();
        const last = this.#lastError;
        reject(
          new InfisicalK8sError(last?.code ?? 'INFISICAL_UNREACHABLE', `No secrets after ${this.#o.readyTimeoutMs} ms (readyTimeoutMs)${last ? `: ${last.message}` : ''}`),
        );
      }, this.#o.readyTimeoutMs);
      waiter.timer.unref?.();
      this.#waiters.add(waiter);
      this.#keepAlive ??= setInterval(() => undefined, 60_000);
    });
  }

  #releaseKeepAlive(): void {
    if (this.#waiters.size > 0 || !this.#keepAlive) return;
    clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
  }

  refresh(): Promise<T> {
    if (this.#closed) return Promise.reject(new InfisicalK8sError('CLOSED', 'This Infisical config is closed.'));
    return this.#refresh('manual');
  }

  /** One fetch in flight; triggers that arrive meanwhile run once more afterwards. */
  #refresh(reason: RefreshReason): Promise<T> {
    if (this.#inFlight) {
      if (reason !== 'manual' && reason !== 'initial') this.#again = reason;
      return this.#inFlight;
    }
    const run = this.#load(reason).finally(() => {
      this.#inFlight = undefined;
      const again = this.#again;
      this.#again = undefined;
      if (again && !this.#closed) void this.#refresh(again).catch(() => undefined);
    });
    this.#inFlight = run;
    // Waiters settle after the in-flight marker is cleared, so a refresh() right after ready() fetches anew.
    run.then(
      (value) => {
        for (const waiter of this.#waiters) {
          if (waiter.timer) this.#o.clock.clearTimeout(waiter.timer);
          waiter.resolve(value);
        }
        this.#waiters.clear();
        this.#releaseKeepAlive();
      },
      (error: InfisicalK8sError) => {
        for (const waiter of this.#waiters) {
          waiter.attemptsLeft -= 1;
          if (waiter.attemptsLeft <= 0) {
            if (waiter.timer) this.#o.clock.clearTimeout(waiter.timer);
            this.#waiters.delete(waiter);
            waiter.reject(error);
          }
        }
        this.#releaseKeepAlive();
      },
    );
    return run;
  }

  /** A call with the access token: on 401 / 403 TokenError, log in once and retry, then surface. */
  readonly #withToken = async <R>(call: () => Promise<R>): Promise<R> => {
    await this.#tokens.use();
    try {
      return await call();
    } catch (error) {
      if (error instanceof InfisicalApiError && (error.status === 401 || (error.status === 403 && error.serverError === 'TokenError'))) {
        this.#tokens.invalidate();
        await this.#tokens.use();
        return call();
      }
      throw error;
    }
  };

  async #load(reason: RefreshReason): Promise<T> {
    this.#lastRefreshAt = this.#o.clock.now();
    try {
      const raw = await this.#sources.fetchAll(this.#withToken).catch((error: unknown) => {
        throw toInfisicalK8sError(error, { phase: 'fetch', siteUrl: this.#o.siteUrl, ...this.#claimContext() });
      });
      const previousRaw = this.#raw;
      const changed = changedKeys(previousRaw, raw);
      let value = this.#snapshot$.value;
      if (value === undefined || changed.length > 0) {
        const validated = this.#schema ? await validateSecrets(this.#schema, raw) : { ...raw };
        const previous = value;
        value = deepFreeze(validated) as T;
        this.#raw = raw;
        this.#snapshot$.next(value);
        this.#changes$.next({ snapshot: value, previous, changedKeys: changed, at: this.#o.clock.now(), reason });
      }
      this.#lastSuccessAt = this.#o.clock.now();
      this.#lastError = undefined;
      this.#failures = 0;
      this.#loggedCodes.clear();
      this.#schedulePoll();
      return value;
    } catch (error) {
      const typed = isInfisicalK8sError(error) ? error : toInfisicalK8sError(error, { phase: 'fetch', siteUrl: this.#o.siteUrl });
      this.#report(typed);
      this.#scheduleRetry();
      throw typed;
    }
  }

  #claimContext() {
    const claims = this.#tokens.claims;
    return { namespace: claims?.namespace, serviceAccount: claims?.serviceAccount, audiences: claims?.audiences };
  }

  /** Errors go to errors$ and the logger (code and message only: they hold no values). Repeats of one code log once. */
  #report(error: InfisicalK8sError): void {
    this.#lastError = { code: error.code, message: error.message, at: this.#o.clock.now() };
    this.#errors$.next(error);
    if (!this.#loggedCodes.has(error.code)) {
      this.#loggedCodes.add(error.code);
      const serving = this.#snapshot$.value !== undefined ? ' (serving the last good snapshot)' : '';
      this.#o.logger.error(`[${error.code}] ${error.message}${serving} — ${error.hint}`, { code: error.code });
    }
  }

  #scheduleRetry(): void {
    if (this.#closed) return;
    if (this.#retryTimer) this.#o.clock.clearTimeout(this.#retryTimer);
    const delay = backoffDelay(this.#failures, this.#o.backoff, this.#o.random);
    this.#failures += 1;
    this.#retryTimer = this.#o.clock.setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#refresh(this.#snapshot$.value === undefined ? 'initial' : 'retry').catch(() => undefined);
    }, delay);
    this.#retryTimer.unref?.();
  }

  #schedulePoll(): void {
    if (this.#closed || this.#o.refreshIntervalMs === 0) return;
    if (this.#pollTimer) this.#o.clock.clearTimeout(this.#pollTimer);
    this.#pollTimer = this.#o.clock.setTimeout(() => {
      this.#pollTimer = undefined;
      void this.#refresh('interval').catch(() => undefined);
    }, jittered(this.#o.refreshIntervalMs, this.#o.random));
    this.#pollTimer.unref?.();
  }

  #trigger(reason: RefreshReason): void {
    if (this.#closed) return;
    void this.#refresh(reason).catch(() => undefined);
  }

  /** Bursts of events (a bulk edit) become one fetch. */
  #debounced(reason: RefreshReason): void {
    if (this.#closed || this.#debounce) return;
    this.#debounce = this.#o.clock.setTimeout(() => {
      this.#debounce = undefined;
      this.#trigger(reason);
    }, 25);
    this.#debounce.unref?.();
  }

  /** The kubelet swaps `..data` atomically: fs.watch on the folder, plus a periodic digest check as a safety net. */
  #watchTokenFile(): void {
    const check = async () => {
      const digest = await tokenFileDigest(this.#o.tokenPath);
      if (digest === undefined || this.#closed) return;
      if (this.#fileDigest !== undefined && digest !== this.#fileDigest) {
        this.#fileDigest = digest;
        try {
          await this.#tokens.login();
          if (this.#raw === undefined) this.#trigger('token-file');
        } catch (error) {
          this.#report(isInfisicalK8sError(error) ? error : toInfisicalK8sError(error, { phase: 'login' }));
        }
        return;
      }
      this.#fileDigest = digest;
    };
    this.#track(check());
    try {
      this.#watcher = watch(dirname(this.#o.tokenPath), { persistent: false }, () => this.#track(check()));
      this.#watcher.on('error', () => undefined);
    } catch {
      // No folder to watch yet (volume not mounted): the periodic check covers it.
    }
    const periodic = () => {
      this.#fileTimer = this.#o.clock.setTimeout(() => {
        this.#track(
          check().finally(() => {
            if (!this.#closed) periodic();
          }),
        );
      }, this.#o.tokenFileCheckIntervalMs);
      this.#fileTimer.unref?.();
    };
    periodic();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of [this.#pollTimer, this.#retryTimer, this.#fileTimer, this.#debounce]) if (timer) this.#o.clock.clearTimeout(timer);
    this.#watcher?.close();
    this.#push?.stop();
    for (const waiter of this.#waiters) {
      if (waiter.timer) this.#o.clock.clearTimeout(waiter.timer);
      waiter.reject(new InfisicalK8sError('CLOSED', 'The Infisical config was closed before secrets loaded.'));
    }
    this.#waiters.clear();
    this.#releaseKeepAlive();
    await this.#inFlight?.catch(() => undefined);
    await this.#tokens.close(this.#o.revokeOnClose);
    await this.#client.close();
    this.#detachIdle?.();
    this.#snapshot$.complete();
    this.#changes$.complete();
    this.#errors$.complete();
  }

  [inspect.custom](): string {
    const s = this.status;
    return `InfisicalConfig { ready: ${s.ready}, stale: ${s.stale}, mode: '${s.mode}', keys: ${this.#raw ? Object.keys(this.#raw).length : 0}, closed: ${s.closed} }`;
  }

  toJSON(): Record<string, unknown> {
    const { lastError, ...status } = this.status;
    return { ...status, lastError: lastError ? { code: lastError.code, message: lastError.message } : undefined };
  }
}

/**
 * Creates a config that logs in with the pod's service-account token, keeps the access token alive,
 * and serves typed, validated secrets that stay fresh. Loading starts at once; `ready()` awaits it.
 *
 * @example
 * const config = createInfisicalConfig({
 *   kubernetesAuth: { identityId: process.env.INFISICAL_IDENTITY_ID },
 *   secrets: { projectId: 'p', environment: 'prod', secretPath: '/' },
 *   schema: z.object({ DATABASE_URL: z.string().url(), PORT: z.coerce.number().default(3000) }),
 * });
 * const { PORT } = await config.ready();
 */
export function createInfisicalConfig<S extends StandardSchemaV1 | undefined = undefined>(options: InfisicalConfigOptions<S> = {}): InfisicalConfig<ConfigOutput<S>> {
  const resolved = resolveOptions(options as InfisicalConfigOptions, options.env ?? process.env);
  return new Engine<ConfigOutput<S>>(resolved, options.schema);
}
