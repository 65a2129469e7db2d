import { isIP } from 'node:net';
import { fail } from '../errors.js';
import { parseTrustedIp } from '../access-tokens.js';
import { callKubernetes, withScheme } from '../kubernetes-client.js';
import type { InfisicalContext } from '../context.js';
import type { KubernetesAuthRecord, StoredTrustedIp } from '../state.js';

export const MAX_TTL = 315_360_000;
const HOST_CHARSET = /^[A-Za-z0-9:./-]+$/;
export const HOST_MESSAGE = 'Kubernetes host must only contain alphabets, numbers, colons, periods, hyphen, and forward slashes.';
export const DEFAULT_TRUSTED_IPS = [{ ipAddress: '0.0.0.0/0' }, { ipAddress: '::/0' }];

export const badHost = (host: string | null | undefined): boolean => typeof host === 'string' && !HOST_CHARSET.test(host);

export function parseIps(ctx: InfisicalContext, ips: unknown): StoredTrustedIp[] {
  const list = (ips as Array<{ ipAddress: string }>).map((ip) => {
    const parsed = parseTrustedIp(ip.ipAddress);
    if (!parsed) fail(400, 'The IP is not a valid IPv4, IPv6, or CIDR block', 'BadRequest');
    return parsed;
  });
  if (!ctx.options.ipPlanFeature && list.some((ip) => ip.prefix !== 0)) {
    fail(400, 'Failed to add IP access range to access token due to plan restriction. Upgrade plan to add IP access range.', 'BadRequest');
  }
  return list;
}

function refuseInternalHost(host: string): void {
  const hostname = new URL(withScheme(host)).hostname.replace(/^\[|\]$/g, '');
  if (hostname === 'localhost' || hostname === 'host.docker.internal' || (isIP(hostname) && /^(127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|::1$|0\.)/.test(hostname))) {
    fail(400, 'Local IPs not allowed as URL', 'BadRequest');
  }
}

/** Attach/update side effects of newer servers: SSRF guard, `GET /version`, and a reviewer permission probe. */
export async function probeCluster(ctx: InfisicalContext, host: string, caCert: string, reviewer: string | undefined): Promise<void> {
  if (ctx.options.blockInternalKubernetesHosts) refuseInternalHost(host);
  const timeoutMs = ctx.options.kubernetesTimeoutMs;
  const version = await callKubernetes({ host, caCert, method: 'GET', path: '/version', timeoutMs });
  if (version.status >= 500) fail(400, `Failed to connect to Kubernetes API server at ${host}: HTTP ${version.status}`, 'KubernetesConnectionError');
  if (!reviewer) return;
  const probe = await callKubernetes({
    host,
    caCert,
    timeoutMs,
    method: 'POST',
    path: '/apis/authentication.k8s.io/v1/tokenreviews',
    bearer: reviewer,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'test-token-for-permission-validation' } },
  });
  if (probe.status === 401) fail(400, 'The token reviewer JWT is invalid or expired. Please verify the token reviewer JWT is correct and has not expired.', 'TokenReviewerPermissionError');
  if (probe.status === 403) {
    fail(400, "The token reviewer JWT does not have permission to perform TokenReviews. Ensure the service account has the 'system:auth-delegator' ClusterRole binding.", 'TokenReviewerPermissionError');
  }
}

export function authView(record: KubernetesAuthRecord, withSecrets = true) {
  const { caCert, tokenReviewerJwt, ...rest } = record;
  return withSecrets ? { ...rest, caCert, tokenReviewerJwt } : rest;
}
