import { isRenewRefusedError, type InfisicalClient } from 'node-infisical';
import type { Clock, ClockTimer } from '../clock/clock.js';
import { toInfisicalK8sError } from '../errors/map.js';
import type { InfisicalK8sError } from '../errors/error.js';
import type { InfisicalLogger } from '../options/types.js';
import { backoffDelay, type BackoffPolicy } from '../util/backoff.js';
import { describeAccessToken, type AccessTokenInfo } from './access-token.js';
import { readServiceAccountToken, type TokenClaims } from './token-file.js';
import { planNext } from './schedule.js';

export interface TokenManagerOptions {
  identityId: string;
  tokenPath: string;
  siteUrl: string;
  clock: Clock;
  logger: InfisicalLogger;
  random: () => number;
  backoff: BackoffPolicy;
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
 */
export class TokenManager {
  readonly #client: InfisicalClient;
  readonly #o: TokenManagerOptions;
  readonly #events: TokenEvents;
  #info: AccessTokenInfo | undefined;
  #claims: TokenClaims | undefined;
  /** Bumped at every login: a 401 on a call made with an older token must not throw away a newer one. */
  #generation = 0;
  #uses = 0;
  #renewRefused = false;
  #login: Promise<void> | undefined;
  #renew: Promise<void> | undefined;
  #timer: ClockTimer | undefined;
  #failures = 0;
  #loginFailures = 0;
  #nextLoginAt = 0;
  #lastLoginError: InfisicalK8sError | undefined;
  #closed = false;
  readonly stats = { logins: 0, renewals: 0, refusedRenewals: 0 };
  /** Work started by timers, so a manual clock can wait for it before moving time on. */
  readonly #busy = new Set<Promise<unknown>>();

  constructor(client: InfisicalClient, options: TokenManagerOptions, events: TokenEvents) {
    this.#client = client;
    this.#o = options;
    this.#events = events;
  }

  /** The service account's namespace, name and audiences from the last token read: for error hints. */
  get claims(): TokenClaims | undefined {
    return this.#claims;
  }

  get expiresAt(): number | undefined {
    return this.#info?.expiresAt;
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
    const info = this.#info;
    // A use-limited token is replaced before its last use is spent, so no call ever gets the 401.
    const exhausted = info !== undefined && info.usesLimit > 0 && this.#uses >= info.usesLimit;
    if (!info || this.#o.clock.now() >= info.expiresAt - EXPIRY_MARGIN_MS || exhausted) await this.login();
    this.#uses += 1;
    return this.#generation;
  }

  /** The server rejected a call made with this generation's token (401, 403 TokenError): the next `use()` logs in. */
  invalidate(generation: number): void {
    if (generation === this.#generation) this.#info = undefined;
  }

  /**
   * Logs in with the token file as it is now. Concurrent callers share one login. After a failure, further
   * logins within the backoff window fail fast with the same error instead of hitting Infisical again, so
   * every caller (refreshes, push, the schedule) together stays under one attempt per window; `force`
   * (a new token file) skips the window.
   */
  login(force = false): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (!this.#login && !force && this.#lastLoginError && this.#o.clock.now() < this.#nextLoginAt) return Promise.reject(this.#lastLoginError);
    this.#login ??= this.#doLogin().finally(() => {
      this.#login = undefined;
    });
    return this.#login;
  }

  async #doLogin(): Promise<void> {
    let claims: TokenClaims | undefined;
    try {
      // Fresh read every time: the kubelet rotates the file, and a remembered JWT is how other clients loop on failed logins.
      const { jwt, claims: read } = await readServiceAccountToken(this.#o.tokenPath);
      claims = read;
      this.#claims = read;
      const response = await this.#client.login({ kubernetesAuth: { identityId: this.#o.identityId, jwt } });
      this.stats.logins += 1;
      this.#generation += 1;
      this.#info = describeAccessToken(response.accessToken, response, this.#o.clock.now());
      this.#uses = 0;
      this.#renewRefused = false;
      this.#failures = 0;
      this.#loginFailures = 0;
      this.#lastLoginError = undefined;
      this.#schedule();
      this.#events.onToken('login');
    } catch (error) {
      const typed = toInfisicalK8sError(error, {
        phase: 'login',
        namespace: claims?.namespace,
        serviceAccount: claims?.serviceAccount,
        audiences: claims?.audiences,
        siteUrl: this.#o.siteUrl,
      });
      this.#lastLoginError = typed;
      this.#nextLoginAt = this.#o.clock.now() + backoffDelay(this.#loginFailures, this.#o.backoff, this.#o.random);
      this.#loginFailures += 1;
      throw typed;
    }
  }

  #renewNow(): Promise<void> {
    this.#renew ??= this.#doRenew().finally(() => {
      this.#renew = undefined;
    });
    return this.#renew;
  }

  async #doRenew(): Promise<void> {
    const before = this.#info;
    const generation = this.#generation;
    try {
      const response = await this.#client.auth.renew();
      if (generation !== this.#generation) return; // a login replaced the token meanwhile
      this.stats.renewals += 1;
      const info = describeAccessToken(response.accessToken, response, this.#o.clock.now(), before?.createdAt);
      // A renewal that did not move the expiry (the end of the max-TTL budget) cannot usefully be repeated.
      if (before && info.expiresAt <= before.expiresAt) this.#renewRefused = true;
      // The renewed JWT keeps the lineage's use counter on the server, so ours carries on too.
      this.#info = { ...info, usesLimit: before?.usesLimit ?? info.usesLimit };
      this.#failures = 0;
      this.#schedule();
      this.#events.onToken('renew');
    } catch (error) {
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
    if (this.#timer) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#closed || !this.#info) return;
    const now = this.#o.clock.now();
    const next = planNext(this.#info, now, this.#o.random(), this.#renewRefused);
    if (!next) return;
    this.#timer = this.#o.clock.setTimeout(() => this.#track(this.#run(next.action)), next.at - now);
    this.#timer.unref?.();
  }

  #track(work: Promise<unknown>): void {
    this.#busy.add(work);
    void work.finally(() => this.#busy.delete(work));
  }

  /** Resolves once no login, renewal or scheduled action is in flight. */
  async idle(): Promise<void> {
    for (let i = 0; i < 20 && (this.#busy.size > 0 || this.#login || this.#renew); i++) {
      await Promise.allSettled([...this.#busy, this.#login, this.#renew]);
    }
  }

  async #run(action: 'login' | 'renew'): Promise<void> {
    this.#timer = undefined;
    if (this.#closed) return;
    try {
      if (action === 'renew') await this.#renewNow();
      else await this.login();
    } catch (error) {
      if (this.#closed) return;
      const typed = toInfisicalK8sError(error, { phase: action, siteUrl: this.#o.siteUrl });
      this.#events.onError(typed);
      const now = this.#o.clock.now();
      const info = this.#info;
      let delay = backoffDelay(this.#failures, this.#o.backoff, this.#o.random);
      this.#failures += 1;
      // While the current token still works, retry the same action; once it is gone, only a login helps.
      const next = info && now + delay < info.expiresAt - EXPIRY_MARGIN_MS ? action : 'login';
      if (next === 'login') delay = Math.max(delay, this.#nextLoginAt - now);
      if (this.#timer) return; // a login that succeeded meanwhile already scheduled the next step
      this.#timer = this.#o.clock.setTimeout(() => this.#track(this.#run(next)), delay);
      this.#timer.unref?.();
    }
  }

  /** Stops the schedule; optionally revokes the token. */
  async close(revoke: boolean): Promise<void> {
    this.#closed = true;
    if (this.#timer) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await Promise.allSettled([this.#login, this.#renew]);
    // Only a token this manager obtained: never one the client picked up from elsewhere.
    if (revoke && this.stats.logins > 0 && this.#client.auth.accessToken) {
      await this.#client.auth.revoke().catch((error: unknown) => {
        this.#o.logger.warn(`could not revoke the access token on close: ${toInfisicalK8sError(error, { phase: 'renew' }).message}`);
      });
    }
  }
}
