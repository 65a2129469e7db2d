import { randomUUID } from 'node:crypto';
import type { Router, RouteRequest } from '../../http/router.js';
import { fail } from '../errors.js';
import { Check } from '../validation.js';
import { nowIso, type InfisicalContext } from '../context.js';
import type { IdentityRecord } from '../state.js';
import { identityInOrg, requireOrgAdmin } from './org-admin.js';

/** The identity as create and delete answer it: without the membership's role and id. */
function identityView(identity: IdentityRecord) {
  const { role: _role, membershipId: _membershipId, ...body } = identity;
  return { identity: { ...body, authMethod: null, projectId: null } };
}

async function createIdentity(ctx: InfisicalContext, req: RouteRequest) {
  const { state } = ctx;
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
    ? (req.body as { metadata: Array<{ key: string; value: string }> }).metadata.map((m) => ({ id: randomUUID(), key: String(m.key), value: String(m.value) }))
    : [];
  const identity = { id: randomUUID(), membershipId: randomUUID(), name: name!, orgId: state.organizationId, role, hasDeleteProtection, metadata, authMethods: [] as string[], createdAt: now, updatedAt: now };
  state.identities.set(identity.id, identity);
  return { status: 200, body: identityView(identity) };
}

async function getIdentity(ctx: InfisicalContext, req: RouteRequest) {
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
}

async function deleteIdentity(ctx: InfisicalContext, req: RouteRequest) {
  const { state } = ctx;
  const caller = await ctx.tokens.authenticate(req);
  const identity = identityInOrg(ctx, req.params.identityId!);
  requireOrgAdmin(caller, 'delete', 'identity');
  if (identity.hasDeleteProtection) fail(400, 'Identity has delete protection', 'BadRequest');
  state.identities.delete(identity.id);
  state.kubernetesAuth.delete(identity.id);
  // Current servers revoke every token of a deleted identity.
  state.deletedIdentities.set(identity.id, identity);
  for (const project of state.projects.values()) project.members.delete(identity.id);
  return { status: 200, body: identityView(identity) };
}

/** Machine identities of the organization: create, read, delete, and the caller's own details. */
export function registerIdentityRoutes(router: Router, ctx: InfisicalContext): void {
  router.on('POST', '/api/v1/identities', (req) => createIdentity(ctx, req));
  // Before `/:identityId`, which would otherwise take "details" for an id. Any identity token may call it:
  // clients use it as a cheap "is my token still good" probe.
  router.on('GET', '/api/v1/identities/details', async (req) => {
    await ctx.tokens.authenticate(req);
    return { status: 200, body: { identityDetails: { organization: { id: ctx.state.organizationId, name: 'Emulated Organization', slug: 'emulated-organization' } } } };
  });
  router.on('GET', '/api/v1/identities/:identityId', (req) => getIdentity(ctx, req));
  router.on('DELETE', '/api/v1/identities/:identityId', (req) => deleteIdentity(ctx, req));
}
