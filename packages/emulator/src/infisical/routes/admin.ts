import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { Router } from '../../http/router.js';
import { fail } from '../errors.js';
import { Check } from '../validation.js';
import { parseTrustedIp, type AuthenticatedCaller } from '../access-tokens.js';
import { callKubernetes, withScheme } from '../kubernetes-client.js';
import { nowIso, type InfisicalContext } from '../context.js';
import type { KubernetesAuthRecord, ProjectRecord, StoredTrustedIp } from '../state.js';

const MAX_TTL = 315_360_000;
const HOST_CHARSET = /^[A-Za-z0-9:./-]+$/;
const HOST_MESSAGE = 'Kubernetes host must only contain alphabets, numbers, colons, periods, hyphen, and forward slashes.';
const DEFAULT_TRUSTED_IPS = [{ ipAddress: '0.0.0.0/0' }, { ipAddress: '::/0' }];

/**
 * Only the organization's admins manage identities and auth methods here (RBAC: identity EditAuth).
 * Called where the services check permissions: after validation and the lookups that 404 or 400 first.
 */
function requireOrgAdmin(caller: AuthenticatedCaller, action: string, subject: string): void {
  if (caller.identity.role !== 'admin') fail(403, `You are not allowed to ${action} on ${subject}`, 'PermissionDenied');
}

function identityInOrg(ctx: InfisicalContext, identityId: string) {
  const identity = ctx.state.identities.get(identityId);
  if (!identity || identity.orgId !== ctx.state.organizationId) fail(404, `Failed to find identity with ID ${identityId}`, 'NotFound');
  return identity;
}

function parseIps(ctx: InfisicalContext, ips: unknown): StoredTrustedIp[] {
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

/** Attach/update side effects of newer servers: SSRF guard, `GET /version`, and a reviewer permission probe. */
async function probeCluster(ctx: InfisicalContext, host: string, caCert: string, reviewer: string | undefined) {
  if (ctx.options.blockInternalKubernetesHosts) {
    const hostname = new URL(withScheme(host)).hostname.replace(/^\[|\]$/g, '');
    if (hostname === 'localhost' || hostname === 'host.docker.internal' || (isIP(hostname) && /^(127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|::1$|0\.)/.test(hostname))) {
      fail(400, 'Local IPs not allowed as URL', 'BadRequest');
    }
  }
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

function view(record: KubernetesAuthRecord, withSecrets = true) {
  const { caCert, tokenReviewerJwt, ...rest } = record;
  return withSecrets ? { ...rest, caCert, tokenReviewerJwt } : rest;
}

/** Identities, Kubernetes Auth configuration, projects and memberships: what administrators call. */
export function registerAdminRoutes(router: Router, ctx: InfisicalContext): void {
  const { state } = ctx;

  router.on('POST', '/api/v1/identities', async (req) => {
    const caller = await ctx.tokens.authenticate(req);
    const check = Check.of(req.body);
    const name = check.string('name', { required: true });
    const organizationId = check.string('organizationId', { required: true });
    const role = check.string('role', { min: 1 }) ?? 'no-access';
    const hasDeleteProtection = check.boolean('hasDeleteProtection') ?? false;
    check.done();
    requireOrgAdmin(caller, 'create', 'identity');
    if (organizationId !== state.organizationId) fail(404, `Failed to find organization with ID ${organizationId}`, 'NotFound');
    const now = nowIso(ctx.clock);
    const metadata = Array.isArray((req.body as { metadata?: unknown }).metadata)
      ? ((req.body as { metadata: Array<{ key: string; value: string }> }).metadata.map((m) => ({ id: randomUUID(), key: String(m.key), value: String(m.value) })))
      : [];
    const identity = { id: randomUUID(), membershipId: randomUUID(), name: name!, orgId: state.organizationId, role, hasDeleteProtection, metadata, authMethods: [] as string[], createdAt: now, updatedAt: now };
    state.identities.set(identity.id, identity);
    const { role: _role, membershipId: _membershipId, ...body } = identity;
    return { status: 200, body: { identity: { ...body, authMethod: null, projectId: null } } };
  });

  // Before `/:identityId`, which would otherwise take "details" for an id. Any identity token may call it:
  // clients use it as a cheap "is my token still good" probe.
  router.on('GET', '/api/v1/identities/details', async (req) => {
    await ctx.tokens.authenticate(req);
    return { status: 200, body: { identityDetails: { organization: { id: state.organizationId, name: 'Emulated Organization', slug: 'emulated-organization' } } } };
  });

  router.on('GET', '/api/v1/identities/:identityId', async (req) => {
    const caller = await ctx.tokens.authenticate(req);
    const identity = identityInOrg(ctx, req.params.identityId!);
    requireOrgAdmin(caller, 'read', 'identity');
    // The server answers with the organization membership; the identity itself is nested under `identity`.
    return {
      status: 200,
      body: {
        identity: {
          id: identity.membershipId,
          orgId: identity.orgId,
          role: identity.role,
          roleId: null,
          createdAt: identity.createdAt,
          updatedAt: identity.updatedAt,
          metadata: identity.metadata,
          identity: { id: identity.id, name: identity.name, hasDeleteProtection: identity.hasDeleteProtection, authMethods: identity.authMethods },
        },
      },
    };
  });

  router.on('DELETE', '/api/v1/identities/:identityId', async (req) => {
    const caller = await ctx.tokens.authenticate(req);
    const identity = identityInOrg(ctx, req.params.identityId!);
    requireOrgAdmin(caller, 'delete', 'identity');
    if (identity.hasDeleteProtection) fail(400, 'Identity has delete protection', 'BadRequest');
    state.identities.delete(identity.id);
    state.kubernetesAuth.delete(identity.id);
    // Current servers revoke every token of a deleted identity.
    state.deletedIdentities.set(identity.id, identity);
    for (const project of state.projects.values()) project.members.delete(identity.id);
    const { role: _role, membershipId: _membershipId, ...body } = identity;
    return { status: 200, body: { identity: { ...body, authMethod: null, projectId: null } } };
  });

  const authPath = '/api/v1/auth/kubernetes-auth/identities/:identityId';

  router.on('POST', authPath, async (req) => {
    const caller = await ctx.tokens.authenticate(req);
    const check = Check.of(req.body);
    const raw = check.body;
    const kubernetesHost = check.string('kubernetesHost', { nullable: true, min: 1, required: true });
    if (typeof kubernetesHost === 'string' && !HOST_CHARSET.test(kubernetesHost)) check.custom('kubernetesHost', HOST_MESSAGE);
    const caCert = check.string('caCert') ?? '';
    const tokenReviewerJwt = check.string('tokenReviewerJwt') ?? '';
    const tokenReviewMode = (check.string('tokenReviewMode') ?? 'api') as 'api' | 'gateway';
    if (tokenReviewMode !== 'api' && tokenReviewMode !== 'gateway') check.enumIssue('tokenReviewMode', ['api', 'gateway'], tokenReviewMode);
    const allowedNamespaces = check.string('allowedNamespaces', { required: true });
    const allowedNames = check.string('allowedNames', { required: true });
    const allowedAudience = check.string('allowedAudience', { required: true });
    const gatewayId = check.uuid('gatewayId', { nullable: true }) ?? null;
    const accessTokenTTL = check.int('accessTokenTTL', { min: 0, max: MAX_TTL }) ?? 2_592_000;
    const accessTokenMaxTTL = check.int('accessTokenMaxTTL', { min: 0, max: MAX_TTL }) ?? 2_592_000;
    const accessTokenNumUsesLimit = check.int('accessTokenNumUsesLimit', { min: 0 }) ?? 0;
    const ips = raw.accessTokenTrustedIps ?? DEFAULT_TRUSTED_IPS;
    if (!Array.isArray(ips) || ips.length < 1) check.custom('accessTokenTrustedIps', 'Array must contain at least 1 element(s)');
    if (!check.aborted) {
      if (tokenReviewMode === 'api' && !kubernetesHost) check.custom('kubernetesHost', 'When token review mode is set to API, a Kubernetes host must be provided');
      if (tokenReviewMode === 'gateway' && !gatewayId) check.custom('gatewayId', 'When token review mode is set to Gateway, a gateway must be selected');
      // The attach route compares even against a max TTL of 0 (only update skips zeros).
      if (accessTokenTTL > accessTokenMaxTTL) check.custom('accessTokenTTL', 'Access Token TTL cannot be greater than Access Token Max TTL.');
    }
    check.done();
    const identity = identityInOrg(ctx, req.params.identityId!);
    if (state.kubernetesAuth.has(identity.id)) fail(400, 'Failed to add Kubernetes Auth to already configured identity', 'BadRequest');
    requireOrgAdmin(caller, 'edit', 'identity');
    const accessTokenTrustedIps = parseIps(ctx, ips);
    if (tokenReviewMode === 'api' && kubernetesHost) await probeCluster(ctx, kubernetesHost, caCert, tokenReviewerJwt || undefined);
    const now = nowIso(ctx.clock);
    const record: KubernetesAuthRecord = {
      id: randomUUID(),
      identityId: identity.id,
      kubernetesHost: kubernetesHost ?? null,
      caCert,
      tokenReviewerJwt,
      tokenReviewMode,
      gatewayId,
      allowedNamespaces: allowedNamespaces!,
      allowedNames: allowedNames!,
      allowedAudience: allowedAudience!,
      accessTokenTTL,
      accessTokenMaxTTL,
      accessTokenNumUsesLimit,
      accessTokenTrustedIps,
      createdAt: now,
      updatedAt: now,
    };
    state.kubernetesAuth.set(identity.id, record);
    identity.authMethods = [...new Set([...identity.authMethods, 'kubernetes-auth'])];
    return { status: 200, body: { identityKubernetesAuth: view(record) } };
  });

  router.on('PATCH', authPath, async (req) => {
    const caller = await ctx.tokens.authenticate(req);
    const check = Check.of(req.body);
    const raw = check.body;
    const kubernetesHost = check.string('kubernetesHost', { nullable: true, min: 1 });
    if (typeof kubernetesHost === 'string' && !HOST_CHARSET.test(kubernetesHost)) check.custom('kubernetesHost', HOST_MESSAGE);
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
    if (raw.accessTokenTrustedIps !== undefined && (!Array.isArray(raw.accessTokenTrustedIps) || raw.accessTokenTrustedIps.length < 1)) {
      check.custom('accessTokenTrustedIps', 'Array must contain at least 1 element(s)');
    }
    if (!check.aborted && ttl !== undefined && maxTtl !== undefined && ttl > 0 && maxTtl > 0 && ttl > maxTtl) {
      check.custom('accessTokenTTL', 'Access Token TTL cannot be greater than Access Token Max TTL.');
    }
    check.done();
    const identity = identityInOrg(ctx, req.params.identityId!);
    const record = state.kubernetesAuth.get(identity.id);
    if (!record) fail(400, 'Failed to update Kubernetes Auth', 'BadRequest');
    requireOrgAdmin(caller, 'edit', 'identity');
    const nextTtl = ttl ?? record.accessTokenTTL;
    const nextMax = maxTtl ?? record.accessTokenMaxTTL;
    if (nextMax > 0 && nextTtl > nextMax) fail(400, 'Access token TTL cannot be greater than max TTL', 'BadRequest');
    const ips = raw.accessTokenTrustedIps !== undefined ? parseIps(ctx, raw.accessTokenTrustedIps) : undefined;
    const host = kubernetesHost === undefined ? record.kubernetesHost : kubernetesHost;
    const reviewer = tokenReviewerJwt === null ? '' : tokenReviewerJwt ? tokenReviewerJwt : record.tokenReviewerJwt;
    if (host && (kubernetesHost !== undefined || caCert !== undefined || tokenReviewerJwt)) {
      await probeCluster(ctx, host, caCert ?? record.caCert, tokenReviewerJwt || undefined);
    }
    Object.assign(record, {
      kubernetesHost: host,
      caCert: caCert ?? record.caCert,
      tokenReviewerJwt: reviewer,
      allowedNamespaces: allowedNamespaces ?? record.allowedNamespaces,
      allowedNames: allowedNames ?? record.allowedNames,
      allowedAudience: allowedAudience ?? record.allowedAudience,
      accessTokenTTL: nextTtl,
      accessTokenMaxTTL: nextMax,
      accessTokenNumUsesLimit: uses ?? record.accessTokenNumUsesLimit,
      accessTokenTrustedIps: ips ?? record.accessTokenTrustedIps,
      tokenReviewMode: mode ?? record.tokenReviewMode,
      gatewayId: gatewayId === undefined ? record.gatewayId : gatewayId,
      updatedAt: nowIso(ctx.clock),
    });
    return { status: 200, body: { identityKubernetesAuth: view(record) } };
  });

  router.on('GET', authPath, async (req) => {
    const caller = await ctx.tokens.authenticate(req);
    const identity = identityInOrg(ctx, req.params.identityId!);
    const record = state.kubernetesAuth.get(identity.id);
    if (!record) fail(404, `Failed to find Kubernetes Auth for identity with ID ${identity.id}`, 'NotFound');
    requireOrgAdmin(caller, 'read', 'identity');
    return { status: 200, body: { identityKubernetesAuth: view(record) } };
  });

  router.on('DELETE', authPath, async (req) => {
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
    return { status: 200, body: { identityKubernetesAuth: view(record, false) } };
  });

  router.on('POST', '/api/v2/workspace', async (req) => {
    const caller = await ctx.tokens.authenticate(req);
    const check = Check.of(req.body);
    const projectName = check.string('projectName', { required: true, min: 1 });
    const slug = check.string('slug');
    const description = check.string('projectDescription');
    const type = check.string('type') ?? 'secret-manager';
    check.done();
    requireOrgAdmin(caller, 'create', 'workspace');
    if (slug && [...state.projects.values()].some((p) => p.slug === slug)) fail(400, `A project with the slug '${slug}' already exists.`, 'BadRequest');
    const project = createProject(ctx, projectName!, slug ?? undefined, undefined, { description: description ?? null, type });
    return { status: 200, body: { project: projectView(ctx, project) } };
  });

  router.on('POST', '/api/v1/workspace/:workspaceId/environments', async (req) => {
    const caller = await ctx.tokens.authenticate(req);
    const check = Check.of(req.body);
    const name = check.string('name', { required: true });
    const slug = check.string('slug', { required: true });
    if (typeof slug === 'string' && !/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug)) check.custom('slug', 'Slug must be a valid slug');
    const position = check.body.position === undefined ? undefined : check.int('position', { min: 1 });
    check.done();
    const project = state.projects.get(req.params.workspaceId!);
    if (!project) fail(404, `Project with ID '${req.params.workspaceId}' not found`, 'NotFound');
    if (caller.identity.role !== 'admin' && project.members.get(caller.identity.id) !== 'admin') fail(403, 'You are not allowed to create on environments', 'PermissionDenied');
    if (project.environments.some((env) => env.slug === slug)) fail(400, 'Environment with slug already exist', 'BadRequest');
    const now = nowIso(ctx.clock);
    const environment = { id: randomUUID(), name: name!, slug: slug!, position: position ?? project.environments.length + 1, createdAt: now, updatedAt: now };
    project.environments.push(environment);
    state.folder(project.id, environment.slug, '/', true, now);
    return { status: 200, body: { message: 'Successfully created new environment', workspace: project.id, environment: { ...environment, projectId: project.id } } };
  });

  router.on('POST', '/api/v2/workspace/:projectId/identity-memberships/:identityId', async (req) => {
    const caller = await ctx.tokens.authenticate(req);
    const project = state.projects.get(req.params.projectId!);
    if (!project) fail(404, `Project with ID '${req.params.projectId}' not found`, 'NotFound');
    const identity = identityInOrg(ctx, req.params.identityId!);
    const check = Check.of(req.body);
    // `role` is the older spelling; newer clients send `roles: [{ role }]`. The emulator keeps one role.
    const roles = check.body.roles;
    const firstRole = Array.isArray(roles) && typeof roles[0]?.role === 'string' ? (roles[0].role as string) : undefined;
    const role = check.string('role', { min: 1 }) ?? firstRole ?? 'no-access';
    check.done();
    requireOrgAdmin(caller, 'create', 'identity');
    if (project.members.has(identity.id)) fail(400, 'Identity already exists in project', 'BadRequest');
    project.members.set(identity.id, role);
    const now = nowIso(ctx.clock);
    return { status: 200, body: { identityMembership: { id: randomUUID(), identityId: identity.id, projectId: project.id, createdAt: now, updatedAt: now } } };
  });
}

export function createProject(
  ctx: InfisicalContext,
  name: string,
  slug?: string,
  environments: string[] = ['dev', 'staging', 'prod'],
  extra: { description?: string | null; type?: string } = {},
): ProjectRecord {
  const names: Record<string, string> = { dev: 'Development', staging: 'Staging', prod: 'Production' };
  const now = nowIso(ctx.clock);
  const project: ProjectRecord = {
    id: randomUUID(),
    name,
    slug: slug ?? `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${randomUUID().slice(0, 4)}`,
    orgId: ctx.state.organizationId,
    environments: environments.map((env, index) => ({ id: randomUUID(), name: names[env] ?? env, slug: env, position: index + 1, createdAt: now, updatedAt: now })),
    members: new Map<string, string>(),
    createdAt: now,
    updatedAt: now,
    description: extra.description ?? null,
    type: extra.type ?? 'secret-manager',
  };
  ctx.state.projects.set(project.id, project);
  for (const env of environments) ctx.state.folder(project.id, env, '/', true, now);
  return project;
}

/**
 * The project as `POST /api/v2/workspace` answers it: the server's sanitized project schema plus `_id` and the
 * environments; the 2024 schema had neither `description`, `type` nor the later settings.
 */
export function projectView(ctx: InfisicalContext, project: ProjectRecord) {
  const base = {
    id: project.id,
    _id: project.id,
    name: project.name,
    slug: project.slug,
    autoCapitalization: false,
    orgId: project.orgId,
    createdAt: project.createdAt,
    updatedAt: project.updatedAt,
    version: 3,
    upgradeStatus: null,
    pitVersionLimit: 10,
    kmsCertificateKeyId: null,
    auditLogsRetentionDays: null,
    environments: project.environments.map(({ id, name, slug }) => ({ id, name, slug })),
  };
  if (ctx.options.generation === '2024') return base;
  return {
    ...base,
    description: project.description,
    type: project.type,
    defaultProduct: project.type,
    hasDeleteProtection: false,
    secretSharing: true,
    showSnapshotsLegacy: false,
    secretDetectionIgnoreValues: [],
  };
}
