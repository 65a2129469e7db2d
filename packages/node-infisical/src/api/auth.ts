import type { Transport } from '../transport/http.js';
import { InfisicalValidationError } from '../errors/errors.js';
import { requireJwt, requireString } from './validate.js';

/** What every login and renewal returns. */
export interface LoginResponse {
  /** Bearer token for later calls; the client keeps it. */
  accessToken: string;
  /** The auth method's configured TTL in seconds (the JWT's own `exp` may be earlier). */
  expiresIn: number;
  /** Maximum lifetime of the token, renewals included, in seconds. */
  accessTokenMaxTTL: number;
  /** Always `"Bearer"`. */
  tokenType: string;
}

/** `client.login()` credentials: exactly one auth method. */
export type LoginOptions =
  | { kubernetesAuth: { identityId: string; jwt: string; organizationSlug?: string } }
  | { universalAuth: { clientId: string; clientSecret: string } }
  | { accessToken: string };

/** Token endpoints: renew and revoke the access token the client holds. */
export class AuthApi {
  readonly #transport: Transport;
  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** The access token in use, if any. */
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
    this.#transport.token = token;
  }

  /**
   * Logs in with Kubernetes Auth, Universal Auth, or adopts a given access token.
   * Kubernetes: `POST /api/v1/auth/kubernetes-auth/login`. The returned token is stored.
   */
  async login(options: LoginOptions): Promise<LoginResponse> {
    if (!options || typeof options !== 'object') {
      throw new InfisicalValidationError('login', 'pass { kubernetesAuth: { identityId, jwt } } or { universalAuth: { clientId, clientSecret } }');
    }
    if ('kubernetesAuth' in options) {
      const k = options.kubernetesAuth ?? ({} as { identityId?: unknown; jwt?: unknown; organizationSlug?: string });
      const identityId = requireString('kubernetesAuth.identityId', k.identityId, 'the ID of the machine identity that has Kubernetes Auth attached');
      const jwt = requireJwt('kubernetesAuth.jwt', k.jwt, 'read it from the projected service-account token file, e.g. /var/run/secrets/infisical/token');
      const body: Record<string, string> = { identityId, jwt };
      if (k.organizationSlug) body.organizationSlug = k.organizationSlug;
      return this.#store(await this.#transport.json<LoginResponse>({ method: 'POST', path: '/api/v1/auth/kubernetes-auth/login', body }));
    }
    if ('universalAuth' in options) {
      const u = options.universalAuth ?? ({} as { clientId?: unknown; clientSecret?: unknown });
      const clientId = requireString('universalAuth.clientId', u.clientId, 'the Universal Auth client ID of the identity');
      const clientSecret = requireString('universalAuth.clientSecret', u.clientSecret, 'a client secret created for that identity');
      return this.#store(await this.#transport.json<LoginResponse>({ method: 'POST', path: '/api/v1/auth/universal-auth/login', body: { clientId, clientSecret } }));
    }
    if ('accessToken' in options) {
      const accessToken = requireString('accessToken', options.accessToken, 'an Infisical access token');
      this.#transport.token = accessToken;
      return { accessToken, expiresIn: 0, accessTokenMaxTTL: 0, tokenType: 'Bearer' };
    }
    throw new InfisicalValidationError('login', 'pass { kubernetesAuth: { identityId, jwt } } or { universalAuth: { clientId, clientSecret } }');
  }

  /**
   * Renews an access token (`POST /api/v1/auth/token/renew`) and stores the token the server returns
   * (current servers issue a new JWT each time). Renew before `exp`: an expired token cannot be renewed.
   *
   * @example
   * const { expiresIn } = await client.auth.renew();
   */
  async renew(accessToken: string | undefined = this.#transport.token): Promise<LoginResponse> {
    const token = requireString('accessToken', accessToken, 'log in first or pass the token to renew');
    const response = await this.#transport.json<LoginResponse>({ method: 'POST', path: '/api/v1/auth/token/renew', body: { accessToken: token } });
    return this.#store(response);
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

  #store(response: LoginResponse): LoginResponse {
    if (!response || typeof response.accessToken !== 'string') {
      throw new InfisicalValidationError('response', 'the server returned no accessToken');
    }
    this.#transport.token = response.accessToken;
    return response;
  }
}
