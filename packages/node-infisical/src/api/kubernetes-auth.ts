import type { Transport } from '../transport/http.js';
import { InfisicalValidationError } from '../errors/errors.js';
import { kubernetesAuthBody } from './kubernetes-auth-params.js';
import { KUBERNETES_AUTH_DEFAULTS, type AttachKubernetesAuthOptions, type IdentityKubernetesAuth } from './kubernetes-auth-types.js';
import { requireString } from './validate.js';

function path(identityId: string): string {
  return `/api/v1/auth/kubernetes-auth/identities/${encodeURIComponent(identityId)}`;
}

function split(options: AttachKubernetesAuthOptions | undefined, action: string): { identityId: string; parameters: Omit<AttachKubernetesAuthOptions, 'identityId'> } {
  if (!options || typeof options !== 'object') throw new InfisicalValidationError('options', `pass { identityId, ... } to ${action}`);
  const { identityId, ...parameters } = options;
  return { identityId: requireString('identityId', identityId, `the ID of the identity to ${action}`), parameters };
}

/**
 * Kubernetes Auth configuration of a machine identity (`client.identityAuth.kubernetes`,
 * `/api/v1/auth/kubernetes-auth/identities/:identityId`).
 *
 * @example
 * const { identityKubernetesAuth } = await client.identityAuth.kubernetes.get({ identityId });
 */
export class KubernetesAuthApi {
  readonly #transport: Transport;
  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Attaches Kubernetes Auth to an identity (`POST`). Omitted fields take the server's defaults
   * (TTL and max TTL 30 days, unlimited uses, every IP trusted, empty CA and allow-lists), which the
   * route requires to be sent. The server checks that it can reach `kubernetesHost` at this point.
   *
   * @example
   * const { identityKubernetesAuth } = await client.identityAuth.kubernetes.attach({
   *   identityId: identity.id,
   *   kubernetesHost: 'https://kubernetes.default.svc.cluster.local',
   *   caCert: k8sCaCertPem,
   *   tokenReviewerJwt,
   *   allowedNamespaces: 'default,production',
   *   allowedNames: 'infisical-auth',
   *   allowedAudience: 'infisical',
   * });
   */
  async attach(options: AttachKubernetesAuthOptions): Promise<{ identityKubernetesAuth: IdentityKubernetesAuth }> {
    const { identityId, parameters } = split(options, 'attach Kubernetes Auth to');
    const mode = parameters.tokenReviewMode ?? 'api';
    const host = parameters.kubernetesHost;
    if (mode === 'api' && (host === undefined || host === null || (typeof host === 'string' && host.trim() === ''))) {
      throw new InfisicalValidationError('kubernetesHost', 'When token review mode is set to API, a Kubernetes host must be provided');
    }
    if (mode === 'gateway' && !parameters.gatewayId) {
      throw new InfisicalValidationError('gatewayId', 'When token review mode is set to Gateway, a gateway must be selected');
    }
    const withDefaults = Object.fromEntries(
      Object.entries({ ...KUBERNETES_AUTH_DEFAULTS, ...parameters }).map(([key, value]) => [key, value ?? (KUBERNETES_AUTH_DEFAULTS as Record<string, unknown>)[key]]),
    );
    const body = kubernetesAuthBody(withDefaults, 'attach');
    return this.#transport.json({ method: 'POST', path: path(identityId), body, auth: true });
  }

  /**
   * Changes some parameters (`PATCH`); the others keep their stored values.
   *
   * @example
   * const { identityKubernetesAuth } = await client.identityAuth.kubernetes.update({
   *   identityId: 'identity_id_here',
   *   allowedNamespaces: 'default,staging,production',
   * });
   */
  async update(options: AttachKubernetesAuthOptions): Promise<{ identityKubernetesAuth: IdentityKubernetesAuth }> {
    const { identityId, parameters } = split(options, 'update Kubernetes Auth of');
    return this.#transport.json({ method: 'PATCH', path: path(identityId), body: kubernetesAuthBody(parameters, 'update'), auth: true });
  }

  /**
   * Reads the Kubernetes Auth configuration of an identity (`GET`).
   *
   * @example
   * const { identityKubernetesAuth } = await client.identityAuth.kubernetes.get({ identityId: 'identity_id_here' });
   */
  async get(options: { identityId: string }): Promise<{ identityKubernetesAuth: IdentityKubernetesAuth }> {
    const identityId = requireString('identityId', options?.identityId, 'the ID of the identity');
    return this.#transport.json({ method: 'GET', path: path(identityId), auth: true });
  }

  /**
   * Removes Kubernetes Auth from an identity (`DELETE`); access tokens it issued stop working.
   *
   * @example
   * const { identityKubernetesAuth } = await client.identityAuth.kubernetes.revoke({ identityId: 'identity_id_here' });
   */
  async revoke(options: { identityId: string }): Promise<{ identityKubernetesAuth: IdentityKubernetesAuth }> {
    const identityId = requireString('identityId', options?.identityId, 'the ID of the identity');
    return this.#transport.json({ method: 'DELETE', path: path(identityId), auth: true });
  }
}
