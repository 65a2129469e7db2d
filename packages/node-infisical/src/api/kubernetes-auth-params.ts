import { InfisicalValidationError } from '../errors/errors.js';
import type { KubernetesAuthParameters } from './kubernetes-auth-types.js';
import { isIpOrCidr, isJwtShaped, optionalNonNegativeInt, optionalString, optionalTtl, requireString } from './validate.js';

const HOST_CHARSET = /^[A-Za-z0-9:./-]+$/;
const TTL_MESSAGE = 'Access Token TTL cannot be greater than Access Token Max TTL.';

/**
 * The route's checks, run before sending so mistakes surface with the option's name. `attach`
 * compares TTL with max TTL always (as the attach route does); `update` only when both are sent and
 * non-zero (as the update route does; the server then also compares with the stored values).
 */
export function kubernetesAuthBody(p: KubernetesAuthParameters, mode: 'attach' | 'update'): Record<string, unknown> {
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
  const caCert = optionalString('caCert', p.caCert)?.trim();
  if (caCert !== undefined) {
    if (caCert !== '' && !caCert.includes('-----BEGIN CERTIFICATE-----')) {
      throw new InfisicalValidationError('caCert', "must be the PEM text of the cluster's CA (-----BEGIN CERTIFICATE-----...), or '' for none");
    }
    body.caCert = caCert;
  }
  for (const field of ['allowedNamespaces', 'allowedNames', 'allowedAudience'] as const) {
    const value = optionalString(field, p[field]);
    if (value !== undefined) body[field] = value.trim();
  }
  if (p.tokenReviewerJwt === null) body.tokenReviewerJwt = null;
  else if (p.tokenReviewerJwt !== undefined) {
    const reviewer = optionalString('tokenReviewerJwt', p.tokenReviewerJwt)!.trim();
    if (reviewer !== '' && !isJwtShaped(reviewer)) {
      throw new InfisicalValidationError('tokenReviewerJwt', 'is not a JWT: paste the output of `kubectl create token infisical-token-reviewer --duration=8760h`');
    }
    body.tokenReviewerJwt = reviewer;
  }
  const ttl = optionalTtl('accessTokenTTL', p.accessTokenTTL);
  const maxTtl = optionalTtl('accessTokenMaxTTL', p.accessTokenMaxTTL);
  if (ttl !== undefined) body.accessTokenTTL = ttl;
  if (maxTtl !== undefined) body.accessTokenMaxTTL = maxTtl;
  if (ttl !== undefined && maxTtl !== undefined && ttl > maxTtl && (mode === 'attach' || (ttl > 0 && maxTtl > 0))) {
    throw new InfisicalValidationError('accessTokenTTL', TTL_MESSAGE);
  }
  const uses = optionalNonNegativeInt('accessTokenNumUsesLimit', p.accessTokenNumUsesLimit);
  if (uses !== undefined) body.accessTokenNumUsesLimit = uses;
  if (p.accessTokenTrustedIps !== undefined) {
    if (!Array.isArray(p.accessTokenTrustedIps) || p.accessTokenTrustedIps.length === 0) {
      throw new InfisicalValidationError('accessTokenTrustedIps', 'needs at least one { ipAddress } entry; use 0.0.0.0/0 and ::/0 to allow every address');
    }
    body.accessTokenTrustedIps = p.accessTokenTrustedIps.map((ip, index) => {
      const field = `accessTokenTrustedIps[${index}].ipAddress`;
      const ipAddress = requireString(field, (ip as { ipAddress?: unknown } | undefined)?.ipAddress, 'an IPv4/IPv6 address or CIDR block');
      if (!isIpOrCidr(ipAddress)) throw new InfisicalValidationError(field, 'The IP is not a valid IPv4, IPv6, or CIDR block');
      return { ipAddress };
    });
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
