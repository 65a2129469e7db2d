/**
 * A trusted IP or CIDR block for access tokens.
 *
 * @example
 * const everyone: TrustedIp[] = [{ ipAddress: '0.0.0.0/0' }, { ipAddress: '::/0' }];
 */
export interface TrustedIp {
  ipAddress: string;
}

/**
 * Parameters of Kubernetes Auth, as the seed's "Attach Parameters" table lists them.
 *
 * @example
 * const params: KubernetesAuthParameters = { allowedNamespaces: 'default,production', allowedAudience: 'infisical' };
 */
export interface KubernetesAuthParameters {
  /** The Kubernetes API server URL that Infisical calls for TokenReview (`[A-Za-z0-9:./-]` only). */
  kubernetesHost?: string | null;
  /** PEM CA of the API server. Empty: the server does not verify the cluster's certificate. */
  caCert?: string;
  /** Token of a service account bound to `system:auth-delegator`. Omitted: each caller's own JWT reviews itself. `null` (update) clears it. */
  tokenReviewerJwt?: string | null;
  /** Comma-separated namespaces allowed to log in (globs on current servers); empty allows all. */
  allowedNamespaces?: string;
  /** Comma-separated service-account names allowed to log in; empty allows all. */
  allowedNames?: string;
  /** The audience the service-account token must carry; empty skips the check. */
  allowedAudience?: string;
  /** Access-token lifetime in seconds, 0 to 315,360,000. Default 2,592,000 (30 days). */
  accessTokenTTL?: number;
  /** Lifetime including renewals, in seconds, 0 to 315,360,000 (0 = no limit). Default 2,592,000. */
  accessTokenMaxTTL?: number;
  /** Uses per access token; 0 = unlimited (default). */
  accessTokenNumUsesLimit?: number;
  /** Where access tokens may be used from. Default every IPv4 and IPv6 address. */
  accessTokenTrustedIps?: TrustedIp[];
  /** `api` (default): Infisical calls kubernetesHost; `gateway`: through an Infisical Gateway. */
  tokenReviewMode?: 'api' | 'gateway';
  /** The gateway for `tokenReviewMode: 'gateway'`. */
  gatewayId?: string | null;
}

/**
 * `attach` and `update` options: the identity plus its parameters.
 *
 * @example
 * const options: AttachKubernetesAuthOptions = { identityId, kubernetesHost: 'https://kubernetes.default.svc.cluster.local' };
 */
export interface AttachKubernetesAuthOptions extends KubernetesAuthParameters {
  identityId: string;
}

/**
 * The stored configuration, as the server returns it. Trusted IPs come back parsed
 * (`{ ipAddress, type, prefix }`); `revoke`'s answer leaves out `caCert` and `tokenReviewerJwt`.
 *
 * @example
 * const { identityKubernetesAuth } = await client.identityAuth.kubernetes.get({ identityId });
 * console.log(identityKubernetesAuth.allowedNamespaces);
 */
export interface IdentityKubernetesAuth {
  id: string;
  identityId: string;
  kubernetesHost: string | null;
  tokenReviewMode: string;
  gatewayId?: string | null;
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

/**
 * The server's defaults for attach (the route's schema); the client sends them for omitted fields.
 *
 * @example
 * console.log(KUBERNETES_AUTH_DEFAULTS.accessTokenTTL); // 2592000
 */
export const KUBERNETES_AUTH_DEFAULTS = Object.freeze({
  caCert: '',
  allowedNamespaces: '',
  allowedNames: '',
  allowedAudience: '',
  accessTokenTTL: 2_592_000,
  accessTokenMaxTTL: 2_592_000,
  accessTokenNumUsesLimit: 0,
  accessTokenTrustedIps: Object.freeze([Object.freeze({ ipAddress: '0.0.0.0/0' }), Object.freeze({ ipAddress: '::/0' })]),
});
