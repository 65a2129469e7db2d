import type { Transport } from '../transport/http.js';
import { InfisicalValidationError } from '../errors/errors.js';
import { tokenAnswer } from './shapes.js';
import { readTokenClaims } from './token-claims.js';
import { requireJwt, requireString } from './validate.js';

/**
 * What every login and renewal returns (the seed's "Login Response" table).
 *
 * @example
 * const { accessToken, expiresIn, accessTokenMaxTTL, tokenType } = await client.login({ kubernetesAuth: { identityId, jwt } });
 */
export interface LoginResponse {
  /** Bearer token for later calls; the client keeps it. */
  accessToken: string;
  /** Token lifetime in seconds: the auth method's configured TTL (the JWT's own `exp` may come sooner). */
  expiresIn: number;
  /** Maximum lifetime of the token, renewals included, in seconds. */
  accessTokenMaxTTL: number;
  /** `"Bearer"`. */
  tokenType: string;
}

/**
 * Credentials for `client.login()`: exactly one auth method.
 *
 * @example
 * const viaKubernetes: LoginOptions = { kubernetesAuth: { identityId, jwt: readFileSync(tokenPath, 'utf8') } };
 * const viaUniversal: LoginOptions = { universalAuth: { clientId, clientSecret } };
 * const viaToken: LoginOptions = { accessToken: process.env.INFISICAL_TOKEN! };
 */
export type LoginOptions =
  | { kubernetesAuth: { identityId: string; jwt: string; organizationSlug?: string } }
  | { universalAuth: { clientId: string; clientSecret: string } }
  | { accessToken: string };

const LOGIN_HELP = 'pass { kubernetesAuth: { identityId, jwt } }, { universalAuth: { clientId, clientSecret } } or { accessToken }';

/**
 * Token endpoints and the access token the client holds (`client.auth`).
 *
 * @example
 * await client.auth.renew();
 * console.log(client.auth.accessToken !== undefined);
 * await client.auth.revoke();
 */
export class AuthApi {
  readonly #transport: Transport;
  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * The access token in use, if any.
   *
   * @example
   * if (client.auth.accessToken === undefined) await client.login(credentials);
   */
  get accessToken(): string | undefined {
    return this.#transport.token;
  }

  /**
   * Replaces the stored access token (`undefined` forgets it).
   *
   * @example
   * client.auth.setAccessToken(process.env.INFISICAL_TOKEN);
   */
  setAccessToken(token: string | undefined): void {
    if (token !== undefined && (typeof token !== 'string' || token.trim() === '')) {
      throw new InfisicalValidationError('accessToken', 'must be a non-empty string, or undefined to forget the token');
    }
    this.#transport.token = token?.trim();
  }

  /**
   * Logs in and stores the access token for later calls.
   * - `kubernetesAuth`: `POST /api/v1/auth/kubernetes-auth/login` with the service-account JWT (trimmed).
   * - `universalAuth`: `POST /api/v1/auth/universal-auth/login`.
   * - `accessToken`: no request; the token is stored and the response is read from its claims
   *   (`expiresIn` = seconds until `exp`, `accessTokenMaxTTL` from the claim; 0 when unknown).
   *
   * @example
   * await client.auth.login({ kubernetesAuth: { identityId, jwt: readFileSync('/var/run/secrets/infisical/token', 'utf8') } });
   */
  async login(options: LoginOptions): Promise<LoginResponse> {
    if (!options || typeof options !== 'object') throw new InfisicalValidationError('login', LOGIN_HELP);
    if ('kubernetesAuth' in options) {
      const k = (options.kubernetesAuth ?? {}) as { identityId?: unknown; jwt?: unknown; organizationSlug?: unknown };
      const identityId = requireString('kubernetesAuth.identityId', k.identityId, 'the ID of the machine identity that has Kubernetes Auth attached');
      const jwt = requireJwt('kubernetesAuth.jwt', k.jwt, 'read it from the projected service-account token file, e.g. /var/run/secrets/infisical/token');
      const body: Record<string, string> = { identityId, jwt };
      if (k.organizationSlug !== undefined) body.organizationSlug = requireString('kubernetesAuth.organizationSlug', k.organizationSlug, 'the sub-organization slug, or leave it out');
      return this.#post('/api/v1/auth/kubernetes-auth/login', body);
    }
    if ('universalAuth' in options) {
      const u = (options.universalAuth ?? {}) as { clientId?: unknown; clientSecret?: unknown };
      const clientId = requireString('universalAuth.clientId', u.clientId, 'the Universal Auth client ID of the identity');
      const clientSecret = requireString('universalAuth.clientSecret', u.clientSecret, 'a client secret created for that identity');
      return this.#post('/api/v1/auth/universal-auth/login', { clientId, clientSecret });
    }
    if ('accessToken' in options) {
      const accessToken = requireString('accessToken', options.accessToken, 'an Infisical access token');
      this.#transport.token = accessToken;
      const claims = readTokenClaims(accessToken);
      const expiresIn = claims?.exp !== undefined ? Math.max(0, Math.floor(claims.exp - Date.now() / 1000)) : 0;
      return { accessToken, expiresIn, accessTokenMaxTTL: claims?.accessTokenMaxTTL ?? 0, tokenType: 'Bearer' };
    }
    throw new InfisicalValidationError('login', LOGIN_HELP);
  }

  /**
   * Renews an access token (`POST /api/v1/auth/token/renew`) and stores the token the server returns
   * (current servers issue a new JWT each time). Renew before `exp`: an expired token cannot be renewed
   * (403 `TokenError`); on a 401 log in again (`isRenewRefusedError`).
   *
   * @example
   * const { expiresIn } = await client.auth.renew();
   */
  async renew(accessToken: string | undefined = this.#transport.token): Promise<LoginResponse> {
    const token = requireString('accessToken', accessToken, 'log in first or pass the token to renew');
    return this.#post('/api/v1/auth/token/renew', { accessToken: token });
  }

  /**
   * Revokes an access token (`POST /api/v1/auth/token/revoke`); forgets it when it is the stored one.
   *
   * @example
   * await client.auth.revoke();
   */
  async revoke(accessToken: string | undefined = this.#transport.token): Promise<void> {
    const token = requireString('accessToken', accessToken, 'log in first or pass the token to revoke');
    await this.#transport.json({ method: 'POST', path: '/api/v1/auth/token/revoke', body: { accessToken: token } });
    if (this.#transport.token === token) this.#transport.token = undefined;
  }

  /** Login and renewal: the answer is checked before its token replaces the stored one. */
  async #post(path: string, body: Record<string, string>): Promise<LoginResponse> {
    const answer = await this.#transport.request<unknown>({ method: 'POST', path, body });
    const response = tokenAnswer(answer.body, { status: answer.status, method: 'POST', path });
    this.#transport.token = response.accessToken;
    return response;
  }
}
