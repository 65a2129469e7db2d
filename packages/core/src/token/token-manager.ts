import { isRenewRefusedError, type InfisicalClient } from 'node-infisical';
import { tracked, type Clock } from '../clock/clock.js';
import { toInfisicalK8sError } from '../errors/map.js';
import type { InfisicalK8sError } from '../errors/error.js';
import type { InfisicalLogger } from '../options/types.js';
import type { BackoffPolicy } from '../util/backoff.js';
import { RetryTimer } from '../util/retry-timer.js';
import { describeAccessToken, type AccessTokenInfo } from './access-token.js';
import { deadOnArrivalError, staleTokenError, warnSkewOnce, type Lineage } from './lineage.js';
import { Revocations } from './revocations.js';
import type { TokenClaims } from './token-file.js';
import { loginMethod, type LoginMethod } from './login-method.js';
import type { ResolvedAuth } from '../options/auth.js';
import { planNext } from './schedule.js';

export interface TokenManagerOptions {
  identityId: string;
  tokenPath: string;
  siteUrl: string;
  clock: Clock;
  logger: InfisicalLogger;
  random: () => number;
  backoff: BackoffPolicy;
  /** The auth method; default Kubernetes Auth with identityId and tokenPath. */
  auth?: ResolvedAuth;
  /** Reads the token file's bytes; tests pass a read that never ends. Default: the checked, bounded read. */
  readTokenFile?: (path: string) => Promise<Buffer>;
}

export interface TokenEvents {
  /** A new access token is in use (after a login or a renewal). */
  onToken(kind: 'login' | 'renew'): void;
  /** A scheduled login or renewal failed; it will be retried with backoff. */
  onError(error: InfisicalK8sError): void;
}

/** Never send a token this close to its expiry: log in instead. */
const EXPIRY_MARGIN_MS = 5_000;

/**
 * The access token's life: log in, renew at about two thirds of its remaining life, log in again
 * when renewing cannot extend it (the time left before max TTL is shorter than one TTL, or the server
 * refused), when uses run out, when the token file rotates, or on demand after a 401/403 TokenError.
 * One login and one renewal in flight at a time, whatever the number of callers.
 *
 * One lineage at a time: a renewal answer for a lineage that a login has meanwhile replaced is dropped (and that
 * lineage revoked), and a replaced lineage is revoked once its successor works, so a pod that logs in hourly
 * does not leave a month of valid tokens behind. Token times come from the server's lifetime, not its absolute
 * `exp` (see access-token.ts), so a skewed pod clock changes nothing but one warning.
 */
export class TokenManager {
  readonly #client: InfisicalClient;
  readonly #o: TokenManagerOptions;
  readonly #events: TokenEvents;
  #current: Lineage | undefined;
  readonly #revocations: Revocations;
  readonly #method: LoginMethod;
  /** Bumped at every login: a 401 on a call made with an older token must not throw away a newer one. */
  #generation = 0;
  #uses = 0;
  #renewRefused = false;
  #login: Promise<void> | undefined;
  #renew: Promise<void> | undefined;
  /** The next scheduled renewal or login, and the failures of scheduled ones. */
  readonly #next: RetryTimer;
  /** Failed logins: no login before `#nextLoginAt`, whoever asks. */
  readonly #loginBackoff: RetryTimer;
  #nextLoginAt = 0;
  #lastLoginError: InfisicalK8sError | undefined;
  /** Warns once per config that the pod's clock disagrees with Infisical's (times are server-relative). */
  readonly #noteArrival: (info: AccessTokenInfo) => void;
  #closed = false;
  /** Abandons a token-file read under way: close() never waits on a stuck volume. */
  readonly #abort = new AbortController();
  readonly stats = { logins: 0, renewals: 0, refusedRenewals: 0, revocations: 0 };
  /** Revocations and scheduled actions in flight: close() lets them finish. */
  readonly #busy = new Set<Promise<unknown>>();

  constructor(client: InfisicalClient, options: TokenManagerOptions, events: TokenEvents) {
    this.#client = client;
    this.#o = options;
    this.#events = events;
    this.#method = loginMethod(options);
    this.#noteArrival = warnSkewOnce(options.logger);
    this.#next = new RetryTimer(options);
    this.#loginBackoff = new RetryTimer(options);
    this.#revocations = new Revocations(client, { ...options, track: (work) => this.#track(work), stats: this.stats });
  }

  /** The service account's namespace, name and audiences from the last token read: for error hints. */
  get claims(): TokenClaims | undefined {
    return this.#method.claims;
  }

  get expiresAt(): number | undefined {
    return this.#current && !this.#current.refused ? this.#current.info.expiresAt : undefined;
  }

  /** After a failed login, the time before which `login()` fails fast without asking Infisical; else undefined. */
  get loginBlockedUntil(): number | undefined {
    return this.#lastLoginError ? this.#nextLoginAt : undefined;
  }

  /**
   * Ensures the client holds a usable access token (logging in if needed) and counts one use of it.
   * Returns the token's generation, to hand back to `invalidate` if the server rejects the call.
   */
  async use(): Promise<number> {
    const current = this.#current;
    // A use-limited token is replaced before its last use is spent, so no call ever gets the 401.
    const exhausted = current !== undefined && current.info.usesLimit > 0 && this.#uses >= current.info.usesLimit;
    if (!current || current.refused || this.#o.clock.now() >= current.info.expiresAt - EXPIRY_MARGIN_MS || exhausted) await this.login();
    this.#uses += 1;
    return this.#generation;
  }

  /** The server rejected a call made with this generation's token (401, 403 TokenError): the next `use()` logs in. */
  invalidate(generation: number): void {
    const current = this.#current;
    if (!current || current.generation !== generation || current.refused) return;
    current.refused = true;
    // A token that already looked expired here and was then refused was stale, not skewed: logging in again
    // at once would fetch the same, so the next login waits a backoff step like any failed one.
    if (current.suspect) this.#loginFailed(staleTokenError());
  }

  /**
   * Logs in (Kubernetes Auth: with the token file as it is now). Concurrent callers share one login. After a failure, further
   * logins within the backoff window fail fast with the same error instead of hitting Infisical again, so
   * every caller (refreshes, push, the schedule) together stays under one attempt per window; `force`
   * (a new token file) skips the window.
   */
  login(force = false): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (!this.#login && !force && this.#lastLoginError && this.#o.clock.now() < this.#nextLoginAt) return Promise.reject(this.#lastLoginError);
    this.#login ??= tracked(this.#o.clock, this.#doLogin().finally(() => (this.#login = undefined)));
    return this.#login;
  }

  #loginFailed(error: InfisicalK8sError): void {
    this.#lastLoginError = error;
    // A 429 on the login (logins are writes, the scarcest budget) names its own wait: never sooner than that.
    this.#nextLoginAt = this.#o.clock.now() + this.#loginBackoff.fail(error.retryAfterMs);
  }

  async #doLogin(): Promise<void> {
    try {
      // Kubernetes Auth reads the token file afresh every time: the kubelet rotates it, and a remembered JWT is how
      // other clients loop on failed logins. Its read comes before `sentAt`, as it always did.
      let sentAt = this.#o.clock.now();
      const response = await this.#method.login(this.#client, this.#abort.signal, this.#current !== undefined, () => (sentAt = this.#o.clock.now()));
      // A given token is stored, not logged in with: no request, so no login to count.
      if (this.#method.owned) this.stats.logins += 1;
      const info = this.#method.describe(response, sentAt);
      const previous = this.#current;
      if (info.deadOnArrival) {
        // The client stored the useless answer: put back the token that may still work.
        this.#client.auth.setAccessToken(previous && !previous.refused ? previous.token : undefined);
        throw deadOnArrivalError();
      }
      this.#generation += 1;
      const lineage: Lineage = { generation: this.#generation, token: response.accessToken, info, refused: false, suspect: info.expiredByPodClockMs !== undefined };
      this.#current = lineage;
      this.#noteArrival(info);
      this.#uses = 0;
      this.#renewRefused = false;
      this.#next.reset();
      // A suspect token has not shown it works yet: the backoff only resets once it renews.
      if (!lineage.suspect) this.#loginBackoff.reset();
      this.#lastLoginError = undefined;
      if (previous) this.#revocations.supersede(previous);
      this.#revocations.retire(lineage);
      this.#schedule();
      this.#events.onToken('login');
    } catch (error) {
      const typed = this.#method.failure(error);
      this.#loginFailed(typed);
      throw typed;
    }
  }

  #renewNow(): Promise<void> {
    this.#renew ??= tracked(this.#o.clock, this.#doRenew().finally(() => (this.#renew = undefined)));
    return this.#renew;
  }

  async #doRenew(): Promise<void> {
    const lineage = this.#current;
    if (!lineage || lineage.refused) return this.login();
    const sentAt = this.#o.clock.now();
    try {
      const response = await this.#client.auth.renew(lineage.token);
      if (lineage !== this.#current) {
        // A login replaced the lineage while this renewal was out: the answer belongs to the old one. The client
        // stored it, so put the current token back, and revoke what the renewal extended.
        this.#client.auth.setAccessToken(this.#current && !this.#current.refused ? this.#current.token : undefined);
        if (!this.#closed) this.#revocations.revoke(response.accessToken, lineage.info.lineage);
        return;
      }
      this.stats.renewals += 1;
      const info = describeAccessToken(response.accessToken, response, sentAt, lineage.info.createdAt);
      if (info.deadOnArrival) {
        // Keep the token we had (still valid by its own numbers) and replace the lineage by a login instead.
        this.#client.auth.setAccessToken(lineage.token);
        this.#renewRefused = true;
        this.#schedule();
        return;
      }
      // A renewal that did not move the expiry (the end of the max-TTL budget) cannot usefully be repeated.
      if (info.expiresAt <= lineage.info.expiresAt) this.#renewRefused = true;
      // The renewed JWT keeps the lineage's use counter on the server, so ours carries on too.
      lineage.info = { ...info, usesLimit: lineage.info.usesLimit };
      lineage.token = response.accessToken;
      this.#noteArrival(info);
      // The server renewed it, so it works: whatever the clocks say, it may now replace its predecessors.
      if (lineage.suspect) {
        lineage.suspect = false;
        this.#loginBackoff.reset();
      }
      this.#revocations.retire(lineage);
      this.#next.reset();
      this.#schedule();
      this.#events.onToken('renew');
    } catch (error) {
      if (lineage !== this.#current) return; // the answer of a replaced lineage, failure included, changes nothing
      if (isRenewRefusedError(error)) {
        // Refused for good (max TTL, exhausted, revoked, expired): log in, and never ask again for this lineage.
        this.stats.refusedRenewals += 1;
        this.#renewRefused = true;
        this.#o.logger.debug?.('access token renewal refused by Infisical; logging in again', { status: (error as { status?: number }).status });
        return this.login();
      }
      throw toInfisicalK8sError(error, { phase: 'renew', siteUrl: this.#o.siteUrl });
    }
  }

  #schedule(): void {
    this.#next.cancel();
    const current = this.#current;
    if (this.#closed || !current || current.refused) return;
    const now = this.#o.clock.now();
    const next = planNext(current.info, now, this.#o.random(), this.#renewRefused);
    if (!next) return;
    this.#next.start(() => this.#track(this.#run(next.action)), next.at - now);
  }

  #track(work: Promise<unknown>): void {
    this.#busy.add(work);
    void work.finally(() => this.#busy.delete(work));
    this.#o.clock.track?.(work);
  }

  async #run(action: 'login' | 'renew'): Promise<void> {
    if (this.#closed) return;
    try {
      if (action === 'renew') await this.#renewNow();
      else await this.login();
    } catch (error) {
      if (this.#closed) return;
      const typed = toInfisicalK8sError(error, { phase: action, siteUrl: this.#o.siteUrl });
      this.#events.onError(typed);
      const now = this.#o.clock.now();
      const current = this.#current;
      let delay = this.#next.fail(typed.retryAfterMs);
      // While the current token still works, retry the same action; once it is gone, only a login helps.
      const next = current && !current.refused && now + delay < current.info.expiresAt - EXPIRY_MARGIN_MS ? action : 'login';
      if (next === 'login') delay = Math.max(delay, this.#nextLoginAt - now);
      if (this.#next.pending) return; // a login that succeeded meanwhile already scheduled the next step
      this.#next.start(() => this.#track(this.#run(next)), delay);
    }
  }

  /**
   * Stops the schedule and abandons a token-file read under way, at once (no await): the config calls this
   * first on close, so nothing it then waits for can hang on a stuck volume.
   */
  stop(): void {
    this.#closed = true;
    this.#revocations.stop();
    this.#abort.abort();
    this.#next.cancel();
  }

  /** Stops the schedule; optionally revokes the token (and replaced ones a closing config cut short). */
  async close(revoke: boolean): Promise<void> {
    this.stop();
    await Promise.allSettled([this.#login, this.#renew, ...this.#busy]);
    // Only tokens this manager obtained: never one the client picked up from elsewhere.
    if (revoke && this.#method.owned) await this.#revocations.revokeOnClose(this.#current);
  }
}
