import { randomUUID } from 'node:crypto';
import type { Router, RouteRequest } from '../../http/router.js';
import { fail } from '../errors.js';
import { Check } from '../validation.js';
import { nowIso, type InfisicalContext } from '../context.js';
import type { KubernetesAuthRecord } from '../state.js';
import { identityInOrg, requireOrgAdmin } from './org-admin.js';
import { DEFAULT_TRUSTED_IPS, HOST_MESSAGE, MAX_TTL, authView, badHost, parseIps, probeCluster } from './kubernetes-auth-checks.js';

const AUTH_PATH = '/api/v1/auth/kubernetes-auth/identities/:identityId';

/** The attach body, validated as the server's schema does (every issue at once, then the cross-field rules). */
function parseAttach(body: unknown) {
  const check = Check.of(body);
  const kubernetesHost = check.string('kubernetesHost', { nullable: true, min: 1, required: true });
  if (badHost(kubernetesHost)) check.custom('kubernetesHost', HOST_MESSAGE);
  const caCert = check.string('caCert') ?? '';
  const tokenReviewerJwt = check.string('tokenReviewerJwt') ?? '';
  const tokenReviewMode = (check.string('tokenReviewMode') ?? 'api') as 'api' | 'gateway';
  if (tokenReviewMode !== 'api' && tokenReviewMode !== 'gateway') check.enumIssue('tokenReviewMode', ['api', 'gateway'], tokenReviewMode);
  const allowedNamespaces = check.string('allowedNamespaces', { required: true })!;
  const allowedNames = check.string('allowedNames', { required: true })!;
  const allowedAudience = check.string('allowedAudience', { required: true })!;
  const gatewayId = check.uuid('gatewayId', { nullable: true }) ?? null;
  const accessTokenTTL = check.int('accessTokenTTL', { min: 0, max: MAX_TTL }) ?? 2_592_000;
  const accessTokenMaxTTL = check.int('accessTokenMaxTTL', { min: 0, max: MAX_TTL }) ?? 2_592_000;
  const accessTokenNumUsesLimit = check.int('accessTokenNumUsesLimit', { min: 0 }) ?? 0;
  const ips: unknown = check.body.accessTokenTrustedIps ?? DEFAULT_TRUSTED_IPS;
  if (!Array.isArray(ips) || ips.length < 1) check.custom('accessTokenTrustedIps', 'Array must contain at least 1 element(s)');
  if (!check.aborted) {
    if (tokenReviewMode === 'api' && !kubernetesHost) check.custom('kubernetesHost', 'When token review mode is set to API, a Kubernetes host must be provided');
    if (tokenReviewMode === 'gateway' && !gatewayId) check.custom('gatewayId', 'When token review mode is set to Gateway, a gateway must be selected');
    // The attach route compares even against a max TTL of 0 (only update skips zeros).
    if (accessTokenTTL > accessTokenMaxTTL) check.custom('accessTokenTTL', 'Access Token TTL cannot be greater than Access Token Max TTL.');
  }
  check.done();
  const fields = { kubernetesHost: kubernetesHost ?? null, caCert, tokenReviewerJwt, tokenReviewMode, gatewayId, allowedNamespaces, allowedNames, allowedAudience };
  return { ...fields, accessTokenTTL, accessTokenMaxTTL, accessTokenNumUsesLimit, ips };
}

async function attach(ctx: InfisicalContext, req: RouteRequest) {
  const caller = await ctx.tokens.authenticate(req);
  const { ips, ...fields } = parseAttach(req.body);
  const identity = identityInOrg(ctx, req.params.identityId!);
  if (ctx.state.kubernetesAuth.has(identity.id)) fail(400, 'Failed to add Kubernetes Auth to already configured identity', 'BadRequest');
  requireOrgAdmin(caller, 'edit', 'identity');
  const accessTokenTrustedIps = parseIps(ctx, ips);
  if (fields.tokenReviewMode === 'api' && fields.kubernetesHost) await probeCluster(ctx, fields.kubernetesHost, fields.caCert, fields.tokenReviewerJwt || undefined);
  const now = nowIso(ctx.clock);
  const record: KubernetesAuthRecord = { id: randomUUID(), identityId: identity.id, ...fields, accessTokenTrustedIps, createdAt: now, updatedAt: now };
  ctx.state.kubernetesAuth.set(identity.id, record);
  identity.authMethods = [...new Set([...identity.authMethods, 'kubernetes-auth'])];
  return { status: 200, body: { identityKubernetesAuth: authView(record) } };
}

/** The update body: every field optional; TTLs compared only when both are given and non-zero. */
function parseUpdate(body: unknown) {
  const check = Check.of(body);
  const raw = check.body;
  const kubernetesHost = check.string('kubernetesHost', { nullable: true, min: 1 });
  if (badHost(kubernetesHost)) check.custom('kubernetesHost', HOST_MESSAGE);
  const caCert = check.string('caCert');
  const tokenReviewerJwt = check.string('tokenReviewerJwt', { nullable: true });
  const allowedNamespaces = check.string('allowedNamespaces');
  const allowedNames = check.string('allowedNames');
  const allowedAudience = check.string('allowedAudience');
  const ttl = check.int('accessTokenTTL', { min: 0, max: MAX_TTL });
  const maxTtl = check.int('accessTokenMaxTTL', { min: 0, max: MAX_TTL });
  const uses = check.int('accessTokenNumUsesLimit', { min: 0 });
  const mode = check.string('tokenReviewMode') as 'api' | 'gateway' | undefined;
  if (mode !== undefined && mode !== 'api' && mode !== 'gateway') check.enumIssue('tokenReviewMode', ['api', 'gateway'], mode);
  const gatewayId = check.uuid('gatewayId', { nullable: true });
  if (!check.aborted && mode === 'gateway' && !gatewayId) check.custom('gatewayId', 'When token review mode is set to Gateway, a gateway must be selected');
  const ips: unknown = raw.accessTokenTrustedIps;
  if (ips !== undefined && (!Array.isArray(ips) || ips.length < 1)) check.custom('accessTokenTrustedIps', 'Array must contain at least 1 element(s)');
  if (!check.aborted && ttl !== undefined && maxTtl !== undefined && ttl > 0 && maxTtl > 0 && ttl > maxTtl) {
    check.custom('accessTokenTTL', 'Access Token TTL cannot be greater than Access Token Max TTL.');
  }
  check.done();
  return { kubernetesHost, caCert, tokenReviewerJwt, allowedNamespaces, allowedNames, allowedAudience, ttl, maxTtl, uses, mode, gatewayId, ips };
}

async function update(ctx: InfisicalContext, req: RouteRequest) {
  const caller = await ctx.tokens.authenticate(req);
  const u = parseUpdate(req.body);
  const identity = identityInOrg(ctx, req.params.identityId!);
  const record = ctx.state.kubernetesAuth.get(identity.id);
  if (!record) fail(400, 'Failed to update Kubernetes Auth', 'BadRequest');
  requireOrgAdmin(caller, 'edit', 'identity');
  const nextTtl = u.ttl ?? record.accessTokenTTL;
  const nextMax = u.maxTtl ?? record.accessTokenMaxTTL;
  if (nextMax > 0 && nextTtl > nextMax) fail(400, 'Access token TTL cannot be greater than max TTL', 'BadRequest');
  const ips = u.ips !== undefined ? parseIps(ctx, u.ips) : undefined;
  const host = u.kubernetesHost === undefined ? record.kubernetesHost : u.kubernetesHost;
  const reviewer = u.tokenReviewerJwt === null ? '' : u.tokenReviewerJwt ? u.tokenReviewerJwt : record.tokenReviewerJwt;
  if (host && (u.kubernetesHost !== undefined || u.caCert !== undefined || u.tokenReviewerJwt)) {
    await probeCluster(ctx, host, u.caCert ?? record.caCert, u.tokenReviewerJwt || undefined);
  }
  Object.assign(record, {
    kubernetesHost: host,
    caCert: u.caCert ?? record.caCert,
    tokenReviewerJwt: reviewer,
    allowedNamespaces: u.allowedNamespaces ?? record.allowedNamespaces,
    allowedNames: u.allowedNames ?? record.allowedNames,
    allowedAudience: u.allowedAudience ?? record.allowedAudience,
    accessTokenTTL: nextTtl,
    accessTokenMaxTTL: nextMax,
    accessTokenNumUsesLimit: u.uses ?? record.accessTokenNumUsesLimit,
    accessTokenTrustedIps: ips ?? record.accessTokenTrustedIps,
    tokenReviewMode: u.mode ?? record.tokenReviewMode,
    gatewayId: u.gatewayId === undefined ? record.gatewayId : u.gatewayId,
    updatedAt: nowIso(ctx.clock),
  });
  return { status: 200, body: { identityKubernetesAuth: authView(record) } };
}

async function read(ctx: InfisicalContext, req: RouteRequest) {
  const caller = await ctx.tokens.authenticate(req);
  const identity = identityInOrg(ctx, req.params.identityId!);
  const record = ctx.state.kubernetesAuth.get(identity.id);
  if (!record) fail(404, `Failed to find Kubernetes Auth for identity with ID ${identity.id}`, 'NotFound');
  requireOrgAdmin(caller, 'read', 'identity');
  return { status: 200, body: { identityKubernetesAuth: authView(record) } };
}

async function revoke(ctx: InfisicalContext, req: RouteRequest) {
  const { state } = ctx;
  const caller = await ctx.tokens.authenticate(req);
  const identity = identityInOrg(ctx, req.params.identityId!);
  const record = state.kubernetesAuth.get(identity.id);
  if (!record) fail(400, 'The identity does not have kubernetes auth', 'BadRequest');
  requireOrgAdmin(caller, 'edit', 'identity');
  state.kubernetesAuth.delete(identity.id);
  identity.authMethods = identity.authMethods.filter((m) => m !== 'kubernetes-auth');
  for (const token of state.tokens.values()) {
    if (token.identityId === identity.id && token.authMethod === 'kubernetes-auth') state.revokedAuthMethods.add(`${identity.id}:${token.jti}`);
  }
  return { status: 200, body: { identityKubernetesAuth: authView(record, false) } };
}

/** Kubernetes Auth of an identity: attach, update, read, revoke. */
export function registerKubernetesAuthRoutes(router: Router, ctx: InfisicalContext): void {
  router.on('POST', AUTH_PATH, (req) => attach(ctx, req));
  router.on('PATCH', AUTH_PATH, (req) => update(ctx, req));
  router.on('GET', AUTH_PATH, (req) => read(ctx, req));
  router.on('DELETE', AUTH_PATH, (req) => revoke(ctx, req));
}
