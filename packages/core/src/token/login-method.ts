import type { InfisicalClient, LoginResponse } from 'node-infisical';
import { InfisicalK8sError } from '../errors/error.js';
import { toInfisicalK8sError } from '../errors/map.js';
import type { AuthMethod, ResolvedAuth } from '../options/auth.js';
import { describeAccessToken, type AccessTokenInfo } from './access-token.js';
import { readServiceAccountToken, type TokenClaims } from './token-file.js';

/** What a login needs besides the client: the Kubernetes Auth settings, and a seam for reading the token file. */
export interface LoginMethodOptions {
  auth?: ResolvedAuth | undefined;
  identityId: string;
  tokenPath: string;
  siteUrl: string;
  readTokenFile?: ((path: string) => Promise<Buffer>) | undefined;
}

/**
 * One auth method's login, as the token manager drives it: the manager owns the lifecycle (renewal, re-login,
 * backoff, revocation); a method only knows how to obtain a token and how to explain a failure.
 */
export interface LoginMethod {
  readonly kind: AuthMethod;
  /** False for a given access token: someone else's, so it is never revoked, and nothing can replace it. */
  readonly owned: boolean;
  /** The service account's claims from the last token-file read (Kubernetes Auth only): for error hints. */
  readonly claims: TokenClaims | undefined;
  /**
   * Obtains a token and stores it in the client. `replacing`: a token was already in use (and is now refused or
   * spent). `sending` is called as the request leaves: token times count from then.
   */
  login(client: InfisicalClient, signal: AbortSignal, replacing: boolean, sending: () => void): Promise<LoginResponse>;
  describe(response: LoginResponse, sentAt: number): AccessTokenInfo;
  /** A failed login as a typed error that names this method's fix. */
  failure(error: unknown): InfisicalK8sError;
}

/** Reads the projected token at every login (the kubelet rotates it) and logs in with Kubernetes Auth. */
class KubernetesLogin implements LoginMethod {
  readonly kind = 'kubernetes';
  readonly owned = true;
  claims: TokenClaims | undefined;
  /** This attempt's claims: undefined when the file could not be read, so a hint never names an older account. */
  #attempt: TokenClaims | undefined;
  readonly #o: LoginMethodOptions;
  constructor(options: LoginMethodOptions) {
    this.#o = options;
  }

  async login(client: InfisicalClient, signal: AbortSignal, _replacing: boolean, sending: () => void): Promise<LoginResponse> {
    this.#attempt = undefined;
    const { jwt, claims } = await readServiceAccountToken(this.#o.tokenPath, { signal, ...(this.#o.readTokenFile ? { read: this.#o.readTokenFile } : {}) });
    this.#attempt = claims;
    this.claims = claims;
    sending();
    return client.login({ kubernetesAuth: { identityId: this.#o.identityId, jwt } });
  }

  describe(response: LoginResponse, sentAt: number): AccessTokenInfo {
    return describeAccessToken(response.accessToken, response, sentAt);
  }

  failure(error: unknown): InfisicalK8sError {
    const { namespace, serviceAccount, audiences } = this.#attempt ?? {};
    return toInfisicalK8sError(error, { phase: 'login', namespace, serviceAccount, audiences, siteUrl: this.#o.siteUrl });
  }
}

/** Universal Auth: the client ID and secret, with the same renewal and re-login lifecycle as Kubernetes Auth. */
class UniversalLogin implements LoginMethod {
  readonly kind = 'universal-auth';
  readonly owned = true;
  readonly claims = undefined;
  readonly #auth: Extract<ResolvedAuth, { method: 'universal-auth' }>;
  readonly #siteUrl: string;
  constructor(auth: Extract<ResolvedAuth, { method: 'universal-auth' }>, siteUrl: string) {
    this.#auth = auth;
    this.#siteUrl = siteUrl;
  }

  login(client: InfisicalClient): Promise<LoginResponse> {
    return client.login({ universalAuth: { clientId: this.#auth.clientId, clientSecret: this.#auth.clientSecret.reveal() } });
  }

  describe(response: LoginResponse, sentAt: number): AccessTokenInfo {
    return describeAccessToken(response.accessToken, response, sentAt);
  }

  failure(error: unknown): InfisicalK8sError {
    const typed = toInfisicalK8sError(error, { phase: 'login', siteUrl: this.#siteUrl });
    // The login tables speak of Kubernetes Auth: a refusal here is about the client ID and secret.
    if (typed.code !== 'UNAUTHORIZED' && typed.code !== 'IDENTITY_NOT_FOUND') return typed;
    return new InfisicalK8sError('UNAUTHORIZED', `Infisical refused the Universal Auth login (HTTP ${typed.status ?? 'error'}): the client ID or client secret from ${this.#auth.from} is wrong, revoked or expired.`, {
      cause: error,
      ...(typed.status !== undefined ? { status: typed.status } : {}),
      hint: `Check universalAuth.clientId and universalAuth.clientSecret (INFISICAL_UNIVERSAL_AUTH_CLIENT_ID, INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET): create a new client secret for the identity if this one was revoked, expired or used up.`,
    });
  }
}

/** A given access token: stored as is; never renewed, replaced or revoked. */
class GivenToken implements LoginMethod {
  readonly kind = 'access-token';
  readonly owned = false;
  readonly claims = undefined;
  readonly #auth: Extract<ResolvedAuth, { method: 'access-token' }>;
  constructor(auth: Extract<ResolvedAuth, { method: 'access-token' }>) {
    this.#auth = auth;
  }

  async login(client: InfisicalClient, _signal: AbortSignal, replacing: boolean): Promise<LoginResponse> {
    if (replacing) throw refusedTokenError(this.#auth.from);
    const accessToken = this.#auth.accessToken.reveal();
    client.auth.setAccessToken(accessToken);
    return { accessToken, expiresIn: 0, accessTokenMaxTTL: 0, tokenType: 'Bearer' };
  }

  /** No schedule: its life is the server's to end (Infinity); only its use limit is counted. */
  describe(response: LoginResponse, sentAt: number): AccessTokenInfo {
    return { ...describeAccessToken(response.accessToken, response, sentAt), expiresAt: Number.POSITIVE_INFINITY, maxExpiresAt: 0, expiredByPodClockMs: undefined, deadOnArrival: false };
  }

  failure(error: unknown): InfisicalK8sError {
    return toInfisicalK8sError(error, { phase: 'login' });
  }
}

/** Infisical refused (or the use limit spent) a token core was given: nothing core can do but say whose fix it is. */
export function refusedTokenError(from: string): InfisicalK8sError {
  return new InfisicalK8sError(
    'UNAUTHORIZED',
    `Infisical refused the access token given in ${from} (it expired, was revoked or used up its uses), and a given token cannot be renewed or replaced.`,
    { hint: `Pass a fresh access token in ${from}, or log in with Universal Auth (universalAuth, or INFISICAL_UNIVERSAL_AUTH_CLIENT_ID and INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET) or Kubernetes Auth, which renew on their own.` },
  );
}

/**
 * The login of the resolved auth method (Kubernetes Auth when none is given).
 *
 * @example
 * const method = loginMethod({ auth: options.auth, identityId, tokenPath, siteUrl });
 */
export function loginMethod(options: LoginMethodOptions): LoginMethod {
  const auth = options.auth;
  if (auth?.method === 'universal-auth') return new UniversalLogin(auth, options.siteUrl);
  if (auth?.method === 'access-token') return new GivenToken(auth);
  return new KubernetesLogin(options);
}
