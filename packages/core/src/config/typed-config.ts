import { inspect } from 'node:util';
import { BehaviorSubject, Subject, filter, type Observable } from 'rxjs';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { tracked } from '../clock/clock.js';
import { InfisicalK8sError, isInfisicalK8sError } from '../errors/error.js';
import { toInfisicalK8sError } from '../errors/map.js';
import type { ResolvedOptions } from '../options/resolve.js';
import type { TokenManager } from '../token/token-manager.js';
import { TokenFileWatcher } from '../token/token-file-watcher.js';
import { SecretSources } from '../secrets/secret-source.js';
import { withToken } from '../token/with-token.js';
import type { PushSubscription } from '../secrets/push.js';
import { AnswerWarnings } from './answer-warnings.js';
import { Connection, INSECURE_TLS_WARNING } from './connection.js';
import { ErrorReporter } from './error-reporter.js';
import { pushSubscriptionFor, tokenManagerFor } from './parts.js';
import { describeStatus, isReadyStatus, readinessOf, statusOf } from './health.js';
import { holdOpen } from './pool.js';
import { ReadyWaiters } from './ready-waiters.js';
import { answerScope, sharedAnswers } from '../secrets/shared-answers.js';
import { RefreshScheduler } from './refresh-scheduler.js';
import { changedKeys, deepFreeze } from './snapshot.js';
import type { ConfigChange, ConfigStatus, InfisicalConfig, ReadinessReport, RefreshReason } from './types.js';
import { validateSecrets } from './validate.js';
import { ProcessEnvBridge } from './process-env.js';
import { ConfigMetrics } from '../metrics/config-metrics.js';
import { FallbackFile } from '../fallback/fallback.js';

/**
 * Typed, validated, always-fresh secrets: the snapshot, its loading and close(). The parts it drives each hold one
 * concern: the connection (client and pool), the token manager, the sources, the push subscription, the refresh
 * scheduler (every timer) and health reporting (pure functions of the state below).
 */
export class TypedConfig<T> implements InfisicalConfig<T> {
  readonly #o: ResolvedOptions;
  readonly #schema: StandardSchemaV1 | undefined;
  readonly #connection: Connection;
  readonly #tokens: TokenManager;
  readonly #sources: SecretSources;
  readonly #push: PushSubscription | undefined;
  readonly #tokenFile: TokenFileWatcher;
  readonly #scheduler: RefreshScheduler;
  readonly #waiters: ReadyWaiters<T>;
  readonly #warnings: AnswerWarnings;
  readonly #snapshot$ = new BehaviorSubject<T | undefined>(undefined);
  readonly #changes$ = new Subject<ConfigChange<T>>();
  readonly #errors: ErrorReporter;
  readonly #env: ProcessEnvBridge | undefined;
  readonly #fallback: FallbackFile | undefined;
  readonly changes$: Observable<ConfigChange<T>> = this.#changes$.asObservable();
  readonly snapshot$: Observable<T> = this.#snapshot$.pipe(filter((value): value is T => value !== undefined));
  readonly errors$: Observable<InfisicalK8sError>;
  /** The raw values behind the current snapshot: what change detection compares. */
  #raw: Record<string, string> | undefined;
  #inFlight: Promise<T> | undefined;
  #again: RefreshReason | undefined;
  #closed = false;
  #rotating = false;
  #lastRefreshAt: number | undefined;
  #lastSuccessAt: number | undefined;
  readonly #metrics: ConfigMetrics;

  constructor(options: ResolvedOptions, schema: StandardSchemaV1 | undefined) {
    this.#o = options;
    this.#schema = schema;
    this.#errors = new ErrorReporter(options.clock, options.logger);
    this.errors$ = this.#errors.errors$.asObservable();
    this.#scheduler = new RefreshScheduler(options, {
      fire: (reason) => this.#trigger(reason),
      pushActive: () => this.#push?.active ?? false,
      loginBlockedUntil: () => this.#tokens.loginBlockedUntil,
      loaded: () => this.#lastSuccessAt !== undefined, // a fallback snapshot still awaits the first load
    });
    this.#connection = new Connection(options, (headers) => this.#scheduler.noteAnswer(headers));
    // A new login may carry new permissions (or follow a rotation); a renewal changes nothing server-side.
    const onLogin = () => this.#raw !== undefined && this.#trigger(this.#rotating ? 'token-file' : 'token');
    this.#tokens = tokenManagerFor(this.#connection.client, options, { onLogin, onError: (error) => this.#report(error) });
    // A changed directory is refetched at once (the check compared it with what is served, so this is a real change).
    this.#sources = new SecretSources(this.#connection.client, options.sources, { clock: options.clock, logger: options.logger, onChange: () => this.#trigger('files'), onLeaseChange: () => this.#trigger('lease') }, { scope: answerScope(options), cache: sharedAnswers });
    const parts = { scheduler: this.#scheduler, errors: this.#errors, onReconnected: () => this.#trigger('reconnect') };
    this.#push = options.push && this.#sources.callsInfisical ? pushSubscriptionFor(this.#connection.client, this.#tokens, options, parts) : undefined;
    this.#tokenFile = new TokenFileWatcher({ path: options.tokenPath, clock: options.clock, intervalMs: options.tokenFileCheckIntervalMs, onChange: () => this.#onTokenFileChange() });
    this.#waiters = new ReadyWaiters<T>(options.clock, options.readyTimeoutMs, options.initialRetries, () => this.#errors.lastError);
    this.#warnings = new AnswerWarnings(options.logger);
    this.#env = options.processEnv && new ProcessEnvBridge(options.processEnv, options.logger);
    this.#metrics = new ConfigMetrics(options.metrics, { clock: options.clock, status: () => this.status });
    this.#fallback = options.fallback && new FallbackFile(options.fallback, options);
    this.#start();
  }

  #start(): void {
    const o = this.#o;
    for (const warning of o.warnings) o.logger.warn(warning);
    if (!o.rejectUnauthorized) o.logger.warn(INSECURE_TLS_WARNING);
    this.#refresh('initial').catch(() => undefined);
    // Directories only, or another auth method: no token file to watch (it may not even be mounted).
    if (this.#sources.callsInfisical && o.auth.method === 'kubernetes') this.#tokenFile.start();
    this.#sources.startWatching();
    this.#push?.watch(this.#sources.watchedLocations());
  }

  get snapshot(): T {
    if (this.#closed) throw new InfisicalK8sError('CLOSED', 'This Infisical config is closed.');
    const value = this.#snapshot$.value;
    if (value === undefined) throw new InfisicalK8sError('NOT_READY', 'Secrets are not loaded yet: await config.ready() first.');
    return value;
  }

  get<K extends keyof T>(key: K): T[K] {
    return this.snapshot[key];
  }

  get status(): ConfigStatus {
    const { maxStalenessMs, refreshIntervalMs } = this.#o;
    const scheduler = this.#scheduler;
    return statusOf({
      now: this.#o.clock.now(), loaded: this.#snapshot$.value !== undefined, closed: this.#closed, pushActive: this.#push?.active ?? false,
      maxStalenessMs, refreshIntervalMs, lastRefreshAt: this.#lastRefreshAt, lastSuccessAt: this.#lastSuccessAt, lastError: this.#errors.lastError,
      accessTokenExpiresAt: this.#tokens.expiresAt, tokenStats: this.#tokens.stats, retryAfterMs: this.#errors.retryAfterMs,
      pollIntervalMs: scheduler.interval.current, nextAttemptAt: scheduler.nextAttemptAt, rateLimited: scheduler.rateLimited,
      degraded: this.#fallback?.degraded ?? false, fallbackExpiresAt: this.#fallback?.expiresAt, leaseEnded: this.#sources.leaseEnded(this.#o.clock.now()),
    });
  }

  isReady(): boolean {
    return isReadyStatus(this.status);
  }

  readiness(): ReadinessReport {
    return readinessOf(this.status, this.#scheduler.interval.adapted);
  }

  ready(): Promise<T> {
    if (this.#closed) return Promise.reject(new InfisicalK8sError('CLOSED', 'This Infisical config is closed.'));
    const value = this.#snapshot$.value;
    if (value !== undefined) return Promise.resolve(value);
    return this.#waiters.wait();
  }

  refresh(): Promise<T> {
    if (this.#closed) return Promise.reject(new InfisicalK8sError('CLOSED', 'This Infisical config is closed.'));
    return holdOpen(this.#refresh('manual'));
  }

  /** One fetch in flight; a trigger that arrives meanwhile runs once more afterwards (the fetch may predate the change). */
  #refresh(reason: RefreshReason): Promise<T> {
    if (this.#inFlight) {
      if (reason !== 'manual' && reason !== 'initial') this.#again = reason;
      return this.#inFlight;
    }
    const run = this.#load(reason).finally(() => {
      this.#inFlight = undefined;
      const again = this.#again;
      this.#again = undefined;
      if (again && !this.#closed) this.#trigger(again);
    });
    this.#inFlight = tracked(this.#o.clock, run);
    run.then(
      (value) => this.#waiters.resolve(value),
      (error: InfisicalK8sError) => this.#waiters.attemptFailed(error),
    );
    return run;
  }

  #trigger(reason: RefreshReason): void {
    if (this.#closed || !this.#scheduler.allows(reason)) return;
    this.#refresh(reason).catch(() => undefined);
  }

  async #load(reason: RefreshReason): Promise<T> {
    this.#lastRefreshAt = this.#o.clock.now();
    try {
      const value = await this.#fetchSnapshot(reason);
      this.#lastSuccessAt = this.#o.clock.now();
      this.#metrics.settled();
      this.#errors.succeeded();
      this.#fallback?.succeeded(this.#raw);
      this.#scheduler.succeeded(reason);
      // Imports are known only after a fetch: watch the imported folders too.
      this.#push?.watch(this.#sources.watchedLocations());
      this.#scheduler.schedulePoll();
      return value;
    } catch (error) {
      const typed = isInfisicalK8sError(error) ? error : toInfisicalK8sError(error, { phase: 'fetch', siteUrl: this.#o.siteUrl });
      this.#metrics.settled(typed.code);
      this.#report(typed);
      await this.#fallback?.failed(typed, (values) => this.#publish(values, changedKeys(undefined, values), undefined, 'fallback').then((value) => this.#waiters.resolve(value)));
      this.#scheduler.failed(typed, reason);
      throw typed;
    }
  }

  /** Fetches every source; a new snapshot (validated, frozen, announced) only when a value changed. */
  async #fetchSnapshot(reason: RefreshReason): Promise<T> {
    const o = this.#o;
    const fetched = await this.#sources.fetchAll(
      withToken(this.#tokens),
      (error, source) => toInfisicalK8sError(error, { phase: 'fetch', siteUrl: o.siteUrl, projectId: source.projectId, maxResponseBytes: o.maxResponseBytes, ...this.#claimContext() }),
      // Start-up and polls may share another config's recent answer; a push, a new token or refresh() always asks.
      reason === 'initial' || reason === 'interval' ? { maxAgeMs: this.#scheduler.interval.current } : undefined,
    );
    const raw = fetched.values;
    const previous = this.#snapshot$.value;
    this.#warnings.note(fetched.fetched);
    this.#metrics.answered(fetched.notModified);
    // 304 everywhere: the snapshot stands (no validation), the refresh still counts. Still compared: a 304 repeats
    // the last answer, which is not the snapshot's when the schema refused it (it must fail again).
    const changed = changedKeys(this.#raw, raw);
    if (previous !== undefined && changed.length === 0) return previous;
    return this.#publish(raw, changed, previous, reason);
  }

  /** Validates, freezes and announces a new snapshot (a fetched one, or the fallback file's while none is). */
  async #publish(raw: Record<string, string>, changed: string[], previous: T | undefined, reason: RefreshReason): Promise<T> {
    const validated = this.#schema ? await validateSecrets(this.#schema, { ...raw }) : { ...raw };
    const value = deepFreeze(validated) as T;
    this.#raw = raw;
    this.#env?.apply(raw, value);
    this.#snapshot$.next(value);
    this.#changes$.next({ snapshot: value, previous, changedKeys: changed, at: this.#o.clock.now(), reason });
    this.#sources.served();
    return value;
  }

  /** Who the token file says this pod is, for the hints of errors (read when the error is mapped: a login may come between). */
  #claimContext() {
    const claims = this.#tokens.claims;
    return { namespace: claims?.namespace, serviceAccount: claims?.serviceAccount, audiences: claims?.audiences };
  }

  /** Errors go to errors$, the logger and status, once per code and outage (`ErrorReporter`). */
  #report(error: InfisicalK8sError): void {
    if (!this.#closed) this.#errors.report(error, this.#snapshot$.value !== undefined);
  }

  /** The kubelet rotated the token: log in with the new one now (it proves the file works) and refetch. */
  #onTokenFileChange(): void {
    if (this.#closed) return;
    this.#rotating = true;
    const work = this.#tokens
      .login(true)
      .then(() => {
        if (this.#raw === undefined) this.#trigger('token-file');
      })
      .catch((error: unknown) => this.#report(isInfisicalK8sError(error) ? error : toInfisicalK8sError(error, { phase: 'login' })))
      .finally(() => (this.#rotating = false));
    tracked(this.#o.clock, work);
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return holdOpen(this.#close());
  }

  async #close(): Promise<void> {
    this.#closed = true;
    this.#env?.stop();
    this.#metrics.stop();
    this.#connection.shut();
    this.#scheduler.close();
    this.#tokenFile.close();
    this.#sources.close();
    // Before anything below is awaited: a login stuck reading the token file (a FIFO, a hung volume) gives up now.
    this.#tokens.stop();
    this.#push?.stop();
    this.#waiters.close(new InfisicalK8sError('CLOSED', 'The Infisical config was closed before secrets loaded.'));
    await this.#connection.endRequests();
    await this.#inFlight?.catch(() => undefined);
    await this.#connection.revoking(true, () => this.#sources.revokeLeases());
    await this.#fallback?.close();
    await this.#connection.revoking(this.#o.revokeOnClose, () => this.#tokens.close(this.#o.revokeOnClose));
    await this.#connection.close();
    this.#snapshot$.complete();
    this.#changes$.complete();
    this.#errors.errors$.complete();
  }

  [inspect.custom](): string {
    return describeStatus(this.status, this.#raw ? Object.keys(this.#raw).length : 0);
  }

  /** Status only: never a value or a token. */
  toJSON(): Record<string, unknown> {
    return { ...this.status };
  }
}
