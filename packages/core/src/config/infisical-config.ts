import { inspect } from 'node:util';
import { BehaviorSubject, Subject, filter, type Observable } from 'rxjs';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { InfisicalApiError, InfisicalClient, InfisicalError } from 'node-infisical';
import { ManualClock, type ClockTimer } from '../clock/clock.js';
import { InfisicalK8sError, isInfisicalK8sError } from '../errors/error.js';
import { toInfisicalK8sError } from '../errors/map.js';
import { resolveOptions, type ResolvedOptions } from '../options/resolve.js';
import type { InfisicalConfigOptions } from '../options/types.js';
import { TokenManager } from '../token/token-manager.js';
import { TokenFileWatcher } from '../token/token-file-watcher.js';
import { SecretSources, type FetchedSource, type WithToken } from '../secrets/secret-source.js';
import { PushSubscription } from '../secrets/push.js';
import { jittered, retryWait } from '../util/backoff.js';
import { AdaptiveInterval } from './adaptive-interval.js';
import { changedKeys, deepFreeze } from './snapshot.js';
import { validateSecrets } from './validate.js';
import { ReadyWaiters } from './ready-waiters.js';
import { holdOpen, unrefPool } from './pool.js';
import type { ConfigChange, ConfigOutput, ConfigStatus, InfisicalConfig, ReadinessReport, RefreshReason } from './types.js';

/** While push is up, polling only backs it up: this many times the interval. */
const PUSH_SAFETY_NET_FACTOR = 5;
/** Change events closer together than this (a bulk edit) are one burst: one refetch at once, one at the end. */
const PUSH_DEBOUNCE_MS = 50;

class Engine<T> implements InfisicalConfig<T> {
  readonly #o: ResolvedOptions;
  readonly #schema: StandardSchemaV1 | undefined;
  readonly #client: InfisicalClient;
  readonly #tokens: TokenManager;
  readonly #sources: SecretSources;
  readonly #push: PushSubscription | undefined;
  readonly #tokenFile: TokenFileWatcher;
  readonly #waiters: ReadyWaiters<T>;
  readonly #snapshot$ = new BehaviorSubject<T | undefined>(undefined);
  readonly #changes$ = new Subject<ConfigChange<T>>();
  readonly #errors$ = new Subject<InfisicalK8sError>();
  readonly changes$: Observable<ConfigChange<T>>;
  readonly snapshot$: Observable<T>;
  readonly errors$: Observable<InfisicalK8sError>;
  /** The raw values behind the current snapshot: what change detection compares. */
  #raw: Record<string, string> | undefined;
  #inFlight: Promise<T> | undefined;
  #again: RefreshReason | undefined;
  #pollTimer: ClockTimer | undefined;
  #firstPollScheduled = false;
  #retryTimer: ClockTimer | undefined;
  /** When the poll and retry timers fire (epoch ms), for `status.nextAttemptAt`. */
  #pollAt: number | undefined;
  #retryAt: number | undefined;
  /** The poll interval as a shared rate limit allows it: lengthened by each 429, eased back by quiet polls. */
  readonly #interval: AdaptiveInterval;
  /** The last `Retry-After` Infisical sent (ms) since the last successful fetch. */
  #retryAfterMs: number | undefined;
  /** Until then (epoch ms) Infisical asked to be left alone: other triggers fold into the pending retry. */
  #notBefore: number | undefined;
  #rateLimited = 0;
  #debounce: ClockTimer | undefined;
  #pushPending = false;
  #failures = 0;
  #closed = false;
  #rotating = false;
  #lastRefreshAt: number | undefined;
  #lastSuccessAt: number | undefined;
  #lastError: ConfigStatus['lastError'];
  /** Codes already logged since the last success: an outage logs once, not once per retry. */
  readonly #loggedCodes = new Set<string>();
  /** Sources loaded at least once (an empty first load is worth a warning, a later one is not). */
  readonly #loadedSources = new Set<string>();
  readonly #warnedCollisions = new Set<string>();
  readonly #busy = new Set<Promise<unknown>>();
  #agent: ReturnType<typeof unrefPool>;
  #revoking = false;
  #detachIdle: (() => void) | undefined;

  constructor(options: ResolvedOptions, schema: StandardSchemaV1 | undefined) {
    this.#o = options;
    this.#schema = schema;
    this.#agent = unrefPool(options);
    this.#interval = new AdaptiveInterval(options.refreshIntervalMs, options.maxStalenessMs);
    this.#client = new InfisicalClient({
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
      ...(options.ca !== undefined || !options.rejectUnauthorized
        ? { tls: { ...(options.ca !== undefined ? { ca: options.ca } : {}), rejectUnauthorized: options.rejectUnauthorized } }
        : {}),
      userAgent: '@infisical-k8s/core',
      maxResponseBytes: options.maxResponseBytes,
      ...(options.client.apiVersion !== undefined ? { apiVersion: options.client.apiVersion } : {}),
      logger: { warn: (message: string) => options.logger.warn(message), info: (message: string) => options.logger.info?.(message) },
      // Our own connection pool: close() destroys it, which ends every request and stream at once and leaves no
      // keep-alive socket behind (the global pool would keep them). Nothing new goes out after close() but the revoke.
      fetch: (input, init) => {
        if (this.#closed && !this.#revoking) return Promise.reject(new DOMException('The Infisical config is closed.', 'AbortError'));
        // Always our pool (it carries the CA too): the client's own TLS agent would hold the process open.
        return globalThis.fetch(input, { ...init, dispatcher: this.#agent } as RequestInit);
      },
    });
    this.#tokens = new TokenManager(
      this.#client,
      { identityId: options.identityId, tokenPath: options.tokenPath, siteUrl: options.siteUrl, clock: options.clock, logger: options.logger, random: options.random, backoff: options.backoff },
      {
        onToken: (kind) => {
          // A new login may carry new permissions (or follow a rotation); a renewal changes nothing server-side.
          if (kind === 'login' && this.#raw !== undefined) this.#trigger(this.#rotating ? 'token-file' : 'token');
        },
        onError: (error) => this.#report(error),
      },
    );
    // A changed directory is refetched at once (the check compared it with what is served, so this is a real change).
    this.#sources = new SecretSources(this.#client, options.sources, { clock: options.clock, logger: options.logger, onChange: () => this.#trigger('files') });
    this.#push = options.push && this.#sources.callsInfisical
      ? new PushSubscription(
          this.#client,
          this.#tokens,
          { clock: options.clock, logger: options.logger, random: options.random, backoff: options.backoff },
          {
            onChange: () => this.#onPushEvent(),
            onReconnected: () => this.#trigger('reconnect'),
            onRetryAfter: (ms) => {
              this.#retryAfterMs = ms;
            },
            onRefused: (reason) => {
              this.#o.logger.warn(`push notifications refused by Infisical (${reason}); polling every ${this.#interval.current} ms instead`);
              this.#schedulePoll();
            },
          },
        )
      : undefined;
    this.#tokenFile = new TokenFileWatcher({ path: options.tokenPath, clock: options.clock, intervalMs: options.tokenFileCheckIntervalMs, onChange: () => this.#onTokenFileChange() });
    this.#waiters = new ReadyWaiters<T>(options.clock, options.readyTimeoutMs, options.initialRetries, () => this.#lastError);
    this.changes$ = this.#changes$.asObservable();
    this.snapshot$ = this.#snapshot$.pipe(filter((value): value is T => value !== undefined));
    this.errors$ = this.#errors$.asObservable();
    for (const warning of options.warnings) options.logger.warn(warning);
    if (!options.rejectUnauthorized) {
      options.logger.warn(
        'TLS CERTIFICATE VERIFICATION IS OFF (tls.rejectUnauthorized: false): anyone on the network path can read every secret and token. Pass Infisical\'s CA with tls.ca or INFISICAL_CA_PATH instead.',
      );
    }
    if (options.clock instanceof ManualClock) this.#detachIdle = options.clock.onIdle(() => this.#idle());
    this.#track(this.#refresh('initial').catch(() => undefined));
    // Directories only: no login, so no token file to watch (it may not even be mounted).
    if (this.#sources.callsInfisical) this.#tokenFile.start();
    this.#sources.startWatching();
    this.#push?.watch(this.#sources.watchedLocations());
  }

  /** Resolves when nothing core started is in flight (ManualClock.advance waits on it). */
  async #idle(): Promise<void> {
    for (let i = 0; i < 20; i++) {
      await this.#tokenFile.idle();
      await this.#sources.idle();
      await this.#tokens.idle();
      await this.#push?.idle();
      await Promise.allSettled(this.#busy);
      if (!this.#inFlight && this.#busy.size === 0) break;
      await this.#inFlight?.catch(() => undefined);
    }
  }

  #track(work: Promise<unknown>): void {
    this.#busy.add(work);
    void work.finally(() => this.#busy.delete(work));
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
    return {
      ready: this.#snapshot$.value !== undefined && !this.#closed,
      stale: this.#isStale(),
      closed: this.#closed,
      mode: this.#push?.active ? 'push' : 'polling',
      lastRefreshAt: this.#lastRefreshAt,
      lastSuccessAt: this.#lastSuccessAt,
      lastError: this.#lastError,
      accessTokenExpiresAt: this.#tokens.expiresAt,
      logins: this.#tokens.stats.logins,
      renewals: this.#tokens.stats.renewals,
      refusedRenewals: this.#tokens.stats.refusedRenewals,
      pollIntervalMs: this.#interval.current,
      nextAttemptAt: this.#nextAttemptAt(),
      retryAfterMs: this.#retryAfterMs,
      rateLimited: this.#rateLimited,
    };
  }

  /**
   * Old data is only "stale" when we had a chance to learn better and did not: refreshes are failing, or
   * polling is due and no push stream vouches for the data. With polling off and push up, silence is fine.
   */
  #isStale(): boolean {
    if (this.#lastSuccessAt === undefined) return false;
    if (this.#o.clock.now() - this.#lastSuccessAt <= this.#o.maxStalenessMs) return false;
    if (this.#lastError !== undefined) return true;
    if (this.#push?.active) return false;
    return this.#o.refreshIntervalMs > 0;
  }

  /** The earlier of the pending retry and poll: when this config next asks Infisical on its own. */
  #nextAttemptAt(): number | undefined {
    const times = [this.#retryAt, this.#pollAt].filter((t): t is number => t !== undefined);
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  isReady(): boolean {
    const status = this.status;
    return status.ready && !status.stale;
  }

  readiness(): ReadinessReport {
    const status = this.status;
    return {
      status: status.ready && !status.stale ? 'ready' : 'not-ready',
      stale: status.stale,
      ...(status.lastError ? { code: status.lastError.code } : {}),
      ...(this.#interval.adapted ? { pollIntervalMs: status.pollIntervalMs } : {}),
    };
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
    this.#inFlight = run;
    run.then(
      (value) => this.#waiters.resolve(value),
      (error: InfisicalK8sError) => this.#waiters.attemptFailed(error),
    );
    return run;
  }

  /** A call with the access token: on 401 / 403 TokenError, log in once and retry, then surface. */
  readonly #withToken: WithToken = async (call) => {
    const generation = await this.#tokens.use();
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof InfisicalApiError) || !(error.status === 401 || (error.status === 403 && error.serverError === 'TokenError'))) throw error;
      this.#tokens.invalidate(generation);
      await this.#tokens.use();
      return call();
    }
  };

  async #load(reason: RefreshReason): Promise<T> {
    this.#lastRefreshAt = this.#o.clock.now();
    try {
      const fetched = await this.#sources.fetchAll(this.#withToken, (error, source) =>
        toInfisicalK8sError(error, { phase: 'fetch', siteUrl: this.#o.siteUrl, projectId: source.projectId, maxResponseBytes: this.#o.maxResponseBytes, ...this.#claimContext() }),
      );
      const raw = fetched.values;
      let value = this.#snapshot$.value;
      this.#warnAbout(fetched.fetched);
      // 304 everywhere: the snapshot stands as it is (no validation), and the refresh still counts. Still compared:
      // a 304 repeats the last answer, which is not the snapshot's when the schema refused it (it must fail again).
      const changed = changedKeys(this.#raw, raw);
      if (value === undefined || changed.length > 0) {
        const validated = this.#schema ? await validateSecrets(this.#schema, { ...raw }) : { ...raw };
        const previous = value;
        value = deepFreeze(validated) as T;
        this.#raw = raw;
        this.#snapshot$.next(value);
        this.#changes$.next({ snapshot: value, previous, changedKeys: changed, at: this.#o.clock.now(), reason });
      }
      this.#lastSuccessAt = this.#o.clock.now();
      this.#lastError = undefined;
      this.#failures = 0;
      this.#retryAfterMs = undefined;
      this.#notBefore = undefined;
      this.#interval.succeeded();
      this.#loggedCodes.clear();
      if (this.#retryTimer) this.#o.clock.clearTimeout(this.#retryTimer);
      this.#retryTimer = undefined;
      this.#retryAt = undefined;
      // Imports are known only after a fetch: watch the imported folders too.
      this.#push?.watch(this.#sources.watchedLocations());
      this.#schedulePoll();
      return value;
    } catch (error) {
      const typed = isInfisicalK8sError(error) ? error : toInfisicalK8sError(error, { phase: 'fetch', siteUrl: this.#o.siteUrl });
      this.#report(typed);
      if (typed.code === 'RATE_LIMITED') {
        // The budget is shared (per client IP): whatever asked, this pod asks less often from now on.
        this.#rateLimited += 1;
        this.#interval.rateLimited();
      }
      // The schema refuses these values: retrying them cannot help, the next poll or push refetches them.
      if (typed.code === 'CONFIG_INVALID') this.#schedulePoll();
      else this.#scheduleRetry(typed.retryAfterMs);
      throw typed;
    }
  }

  /**
   * What an answer says that is not an error: a source whose first load is empty (the server answers an empty
   * list for an unknown environment slug or folder, so a typo looks like an empty folder), and keys several
   * folders of a recursive source define. Each is logged once; never a value.
   */
  #warnAbout(fetched: FetchedSource[]): void {
    for (const { source, result } of fetched) {
      if (source.kind === 'files') {
        if (!this.#loadedSources.has(source.key) && result.count === 0) {
          this.#o.logger.warn(`no secrets in the directory ${source.directory}: check that the Secret is mounted there and holds keys (secrets.files).`);
        }
        this.#loadedSources.add(source.key);
        continue;
      }
      const where = `environment '${source.environment}', path '${source.secretPath}' of project '${source.projectId}'`;
      if (!this.#loadedSources.has(source.key)) {
        this.#loadedSources.add(source.key);
        if (result.count === 0) {
          this.#o.logger.warn(
            `no secrets in ${where}: Infisical answers an empty list for an unknown environment slug or folder too. Check secrets.environment and secrets.secretPath if secrets were expected.`,
          );
        }
      }
      for (const { key, folders } of result.collisions) {
        const id = `${source.key}\0${key}\0${folders.join('\0')}`;
        if (this.#warnedCollisions.has(id)) continue;
        this.#warnedCollisions.add(id);
        this.#o.logger.warn(
          `secret ${key} is defined in several folders of the recursive source ${where}: ${folders.map((f) => `'${f}'`).join(', ')}. The shallowest folder wins ('${folders[0]}'); rename the others.`,
        );
      }
    }
  }

  #claimContext() {
    const claims = this.#tokens.claims;
    return { namespace: claims?.namespace, serviceAccount: claims?.serviceAccount, audiences: claims?.audiences };
  }

  /** Errors go to errors$ and the logger (code, message, hint: never values). Repeats of one code log once per outage. */
  #report(error: InfisicalK8sError): void {
    if (this.#closed) return;
    this.#lastError = { code: error.code, message: error.message, at: this.#o.clock.now() };
    if (error.retryAfterMs !== undefined) this.#retryAfterMs = error.retryAfterMs;
    this.#errors$.next(error);
    if (!this.#loggedCodes.has(error.code)) {
      this.#loggedCodes.add(error.code);
      const serving = this.#snapshot$.value !== undefined ? ' (serving the last good snapshot)' : '';
      this.#o.logger.error(`[${error.code}] ${error.message}${serving} Fix: ${error.hint}`, { code: error.code });
    }
  }

  /** Backoff after a failed fetch, never sooner than the `Retry-After` it carried. */
  #scheduleRetry(retryAfterMs: number | undefined): void {
    if (this.#closed) return;
    if (this.#retryTimer) this.#o.clock.clearTimeout(this.#retryTimer);
    let delay = retryWait(this.#failures, this.#o.backoff, this.#o.random, retryAfterMs);
    this.#notBefore = retryAfterMs !== undefined && retryAfterMs > 0 ? this.#o.clock.now() + retryAfterMs : undefined;
    this.#failures += 1;
    // A retry inside the login's own backoff window would fail fast without trying: recovery would then wait
    // for the retry after it, up to two backoff caps after the fault cleared.
    const blockedUntil = this.#tokens.loginBlockedUntil;
    if (blockedUntil !== undefined) delay = Math.max(delay, blockedUntil - this.#o.clock.now());
    this.#retryAt = this.#o.clock.now() + delay;
    this.#retryTimer = this.#o.clock.setTimeout(() => {
      this.#retryTimer = undefined;
      this.#retryAt = undefined;
      this.#trigger(this.#snapshot$.value === undefined ? 'initial' : 'retry');
    }, delay);
    this.#retryTimer.unref?.();
  }

  #schedulePoll(): void {
    if (this.#closed || this.#o.refreshIntervalMs === 0) return;
    if (this.#pollTimer) this.#o.clock.clearTimeout(this.#pollTimer);
    const interval = this.#push?.active ? this.#interval.current * PUSH_SAFETY_NET_FACTOR : this.#interval.current;
    // Pods of a rollout start within seconds of each other: the first wait is drawn over a whole interval
    // (0.5x to 1.5x) so their polls spread at once; +-10 % afterwards keeps them spread without drifting far.
    const delay = jittered(interval, this.#o.random, this.#firstPollScheduled ? 0.1 : 0.5);
    this.#firstPollScheduled = true;
    this.#pollAt = this.#o.clock.now() + delay;
    this.#pollTimer = this.#o.clock.setTimeout(() => {
      this.#pollTimer = undefined;
      this.#pollAt = undefined;
      this.#trigger('interval');
    }, delay);
    this.#pollTimer.unref?.();
  }

  #trigger(reason: RefreshReason): void {
    if (this.#closed) return;
    // Inside a Retry-After window a push event, a poll or a new token would only earn another 429: the retry
    // already pending (at or after the window's end) refetches everything. Only refresh() asks regardless.
    if (reason !== 'retry' && reason !== 'initial' && this.#retryTimer && this.#notBefore !== undefined && this.#o.clock.now() < this.#notBefore) return;
    this.#track(this.#refresh(reason).catch(() => undefined));
  }

  /**
   * The first event of a burst refetches at once (latency is the point of push); the rest of the burst, until
   * the window has been quiet for PUSH_DEBOUNCE_MS, becomes one more refetch at its end.
   */
  #onPushEvent(): void {
    if (this.#closed) return;
    if (this.#debounce) {
      this.#pushPending = true;
      this.#o.clock.clearTimeout(this.#debounce);
    } else {
      this.#trigger('push');
    }
    this.#debounce = this.#o.clock.setTimeout(() => {
      this.#debounce = undefined;
      if (!this.#pushPending) return;
      this.#pushPending = false;
      this.#trigger('push');
    }, PUSH_DEBOUNCE_MS);
    this.#debounce.unref?.();
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
      .finally(() => {
        this.#rotating = false;
      });
    this.#track(work);
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return holdOpen(this.#close());
  }

  async #close(): Promise<void> {
    this.#closed = true;
    for (const timer of [this.#pollTimer, this.#retryTimer, this.#debounce]) if (timer) this.#o.clock.clearTimeout(timer);
    this.#pollAt = undefined;
    this.#retryAt = undefined;
    this.#tokenFile.close();
    this.#sources.close();
    // Before anything below is awaited: a login stuck reading the token file (a FIFO, a hung volume) gives up now.
    this.#tokens.stop();
    this.#push?.stop();
    this.#waiters.close(new InfisicalK8sError('CLOSED', 'The Infisical config was closed before secrets loaded.'));
    // Ends requests and streams in flight now, rather than after their timeouts; a fresh pool serves the revoke.
    const pool = this.#agent;
    this.#agent = unrefPool(this.#o);
    await pool.destroy();
    await this.#inFlight?.catch(() => undefined);
    this.#revoking = this.#o.revokeOnClose;
    await this.#tokens.close(this.#o.revokeOnClose);
    this.#revoking = false;
    await this.#client.close();
    await this.#agent.destroy();
    this.#detachIdle?.();
    this.#snapshot$.complete();
    this.#changes$.complete();
    this.#errors$.complete();
  }

  [inspect.custom](): string {
    const s = this.status;
    return `InfisicalConfig { ready: ${s.ready}, stale: ${s.stale}, mode: '${s.mode}', keys: ${this.#raw ? Object.keys(this.#raw).length : 0}, closed: ${s.closed}${s.lastError ? `, lastError: '${s.lastError.code}'` : ''} }`;
  }

  /** Status only: never a value or a token. */
  toJSON(): Record<string, unknown> {
    return { ...this.status };
  }
}

/**
 * Creates a config that logs in with the pod's service-account token, keeps the access token alive,
 * and serves typed, validated secrets that stay fresh. Options are checked at once (throws
 * `OPTIONS_INVALID`); loading starts at once; `ready()` awaits the first snapshot.
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
  const resolved = resolveOptions(options, (options as { env?: unknown } | null | undefined)?.env ?? process.env);
  try {
    return new Engine<ConfigOutput<S>>(resolved, options.schema);
  } catch (error) {
    // The client checks what it is given too (URL, CA, timeouts): its refusal is an options problem.
    if (error instanceof InfisicalError) throw new InfisicalK8sError('OPTIONS_INVALID', error.message, { cause: error });
    throw error;
  }
}
