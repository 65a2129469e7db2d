import type { Transport } from '../transport/http.js';
import { InfisicalValidationError } from '../errors/errors.js';
import { optionalNonNegativeInt, optionalString, optionalTtl, requireString } from './validate.js';

/** A trusted IP or CIDR for access tokens. */
export interface TrustedIp {
  ipAddress: string;
}

/** Parameters of Kubernetes Auth, as the seed's "Attach Parameters" table lists them. */
export interface KubernetesAuthParameters {
  /** The Kubernetes API server URL that Infisical calls for TokenReview. */
  kubernetesHost?: string | null;
  /** PEM CA of the API server. Empty: Node's default store, and the server then skips verification. */
  caCert?: string;
  /** Token of a service account bound to `system:auth-delegator`. Omitted: the caller's own JWT reviews itself. */
  tokenReviewerJwt?: string | null;
  /** Comma-separated namespaces allowed to log in; empty allows all. */
  allowedNamespaces?: string;
  /** Comma-separated service-account names allowed to log in; empty allows all. */
  allowedNames?: string;
  /** The audience the service-account token must carry; empty skips the check. */
  allowedAudience?: string;
  accessTokenTTL?: number;
  accessTokenMaxTTL?: number;
  /** 0 = unlimited. */
  accessTokenNumUsesLimit?: number;
  accessTokenTrustedIps?: TrustedIp[];
  tokenReviewMode?: 'api' | 'gateway';
  gatewayId?: string | null;
}

export interface AttachKubernetesAuthOptions extends KubernetesAuthParameters {
  identityId: string;
}

/** The stored configuration, as the server returns it. */
export interface IdentityKubernetesAuth {
  id: string;
  identityId: string;
  kubernetesHost: string | null;
  tokenReviewMode: string;
  allowedNamespaces: string;
  allowedNames: string;
  allowedAudience: string;
  accessTokenTTL: number;
  accessTokenMaxTTL: number;
  accessTokenNumUsesLimit: number;
  accessTokenTrustedIps: Array<{ ipAddress: string; type: string; prefix?: number }>;
  caCert?: string;
  tokenReviewerJwt?: string;
  createdAt: string;
  updatedAt: string;
  [field: string]: unknown;
}

/** The server's defaults for attach (route schema). */
export const KUBERNETES_AUTH_DEFAULTS = {
  caCert: '',
  allowedNamespaces: '',
  allowedNames: '',
  allowedAudience: '',
  accessTokenTTL: 2_592_000,
  accessTokenMaxTTL: 2_592_000,
  accessTokenNumUsesLimit: 0,
  accessTokenTrustedIps: [{ ipAddress: '0.0.0.0/0' }, { ipAddress: '::/0' }],
} as const;

const HOST_CHARSET = /^[A-Za-z0-9:./-]+$/;

function validateParameters(p: KubernetesAuthParameters, partial: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (p.kubernetesHost !== undefined) {
    if (p.kubernetesHost === null) body.kubernetesHost = null;
    else {
      const host = requireString('kubernetesHost', p.kubernetesHost, 'the Kubernetes API server URL, e.g. https://kubernetes.default.svc.cluster.local');
      if (!HOST_CHARSET.test(host)) {
        throw new InfisicalValidationError('kubernetesHost', 'Kubernetes host must only contain alphabets, numbers, colons, periods, hyphen, and forward slashes.');
      }
      body.kubernetesHost = host;
    }
  }
  for (const field of ['caCert', 'allowedNamespaces', 'allowedNames', 'allowedAudience'] as const) {
    const value = optionalString(field, p[field]);
    if (value !== undefined) body[field] = value.trim();
  }
  if (p.tokenReviewerJwt !== undefined) body.tokenReviewerJwt = p.tokenReviewerJwt === null ? null : optionalString('tokenReviewerJwt', p.tokenReviewerJwt)?.trim();
  const ttl = optionalTtl('accessTokenTTL', p.accessTokenTTL);
  const maxTtl = optionalTtl('accessTokenMaxTTL', p.accessTokenMaxTTL);
  if (ttl !== undefined) body.accessTokenTTL = ttl;
  if (maxTtl !== undefined) body.accessTokenMaxTTL = maxTtl;
  const effectiveTtl = ttl ?? (partial ? undefined : KUBERNETES_AUTH_DEFAULTS.accessTokenTTL);
  const effectiveMax = maxTtl ?? (partial ? undefined : KUBERNETES_AUTH_DEFAULTS.accessTokenMaxTTL);
  if (effectiveTtl !== undefined && effectiveMax !== undefined && effectiveTtl > 0 && effectiveMax > 0 && effectiveTtl > effectiveMax) {
    throw new InfisicalValidationError('accessTokenTTL', 'Access Token TTL cannot be greater than Access Token Max TTL.');
  }
  const uses = optionalNonNegativeInt('accessTokenNumUsesLimit', p.accessTokenNumUsesLimit);
  if (uses !== undefined) body.accessTokenNumUsesLimit = uses;
  if (p.accessTokenTrustedIps !== undefined) {
    if (!Array.isArray(p.accessTokenTrustedIps) || p.accessTokenTrustedIps.length === 0) {
      throw new InfisicalValidationError('accessTokenTrustedIps', 'needs at least one { ipAddress } entry; use 0.0.0.0/0 and ::/0 to allow every address');
    }
    body.accessTokenTrustedIps = p.accessTokenTrustedIps.map((ip, index) => ({
      ipAddress: requireString(`accessTokenTrustedIps[${index}].ipAddress`, ip?.ipAddress, 'an IPv4/IPv6 address or CIDR block'),
    }));
  }
  if (p.tokenReviewMode !== undefined) {
    if (p.tokenReviewMode !== 'api' && p.tokenReviewMode !== 'gateway') {
      throw new InfisicalValidationError('tokenReviewMode', 'must be "api" or "gateway"');
    }
    body.tokenReviewMode = p.tokenReviewMode;
  }
  if (p.gatewayId !== undefined) body.gatewayId = p.gatewayId;
  return body;
}

function path(identityId: string): string {
  return `/api/v1/auth/kubernetes-auth/identities/${encodeURIComponent(identityId)}`;
}

/** Kubernetes Auth configuration of a machine identity (`/api/v1/auth/kubernetes-auth/identities/:identityId`). */
export class KubernetesAuthApi {
  readonly #transport: Transport;
  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Attaches Kubernetes Auth to an identity. Omitted fields take the server's defaults
   * (TTL and max TTL 30 days, unlimited uses, every IP trusted).
   *
   * @example
   * const { identityKubernetesAuth } = await client.identityAuth.kubernetes.attach({
   *   identityId, kubernetesHost: 'https://kubernetes.default.svc.cluster.local', caCert, tokenReviewerJwt,
   *   allowedNamespaces: 'default', allowedNames: 'infisical-auth', allowedAudience: 'infisical',
   * });
   */
  async attach(options: AttachKubernetesAuthOptions): Promise<{ identityKubernetesAuth: IdentityKubernetesAuth }> {
    const identityId = requireString('identityId', options?.identityId, 'the ID of the identity to attach Kubernetes Auth to');
    const { identityId: _omit, ...parameters } = options;
    const tokenReviewMode = parameters.tokenReviewMode ?? 'api';
    if (tokenReviewMode === 'api' && (parameters.kubernetesHost === undefined || parameters.kubernetesHost === null || parameters.kubernetesHost.trim() === '')) {
      throw new InfisicalValidationError('kubernetesHost', 'When token review mode is set to API, a Kubernetes host must be provided');
    }
    const body = { ...KUBERNETES_AUTH_DEFAULTS, ...validateParameters(parameters, false) };
    return this.#transport.json({ method: 'POST', path: path(identityId), body, auth: true });
  }

  /**
   * Changes some parameters; the others keep their stored values.
   *
   * @example
   * await client.identityAuth.kubernetes.update({ identityId, allowedNamespaces: 'default,staging,production' });
   */
  async update(options: AttachKubernetesAuthOptions): Promise<{ identityKubernetesAuth: IdentityKubernetesAuth }> {
    const identityId = requireString('identityId', options?.identityId, 'the ID of the identity whose Kubernetes Auth to update');
    const { identityId: _omit, ...parameters } = options;
    return this.#transport.json({ method: 'PATCH', path: path(identityId), body: validateParameters(parameters, true), auth: true });
  }

  /**
   * Reads the Kubernetes Auth configuration of an identity.
   *
   * @example
   * const { identityKubernetesAuth } = await client.identityAuth.kubernetes.get({ identityId });
   */
  async get(options: { identityId: string }): Promise<{ identityKubernetesAuth: IdentityKubernetesAuth }> {
    const identityId = requireString('identityId', options?.identityId, 'the ID of the identity');
    return this.#transport.json({ method: 'GET', path: path(identityId), auth: true });
  }

  /**
   * Removes Kubernetes Auth from an identity; tokens it issued stop working.
   *
   * @example
   * await client.identityAuth.kubernetes.revoke({ identityId });
   */
  async revoke(options: { identityId: string }): Promise<{ identityKubernetesAuth: IdentityKubernetesAuth }> {
    const identityId = requireString('identityId', options?.identityId, 'the ID of the identity');
    return this.#transport.json({ method: 'DELETE', path: path(identityId), auth: true });
  }
}
