import type { AuthenticatedCaller } from '../access-tokens.js';
import type { InfisicalContext } from '../context.js';
import { fail } from '../errors.js';
import type { IdentityRecord } from '../state.js';

/**
 * Only the organization's admins manage identities and auth methods here (RBAC: identity EditAuth).
 * Called where the services check permissions: after validation and the lookups that 404 or 400 first.
 */
export function requireOrgAdmin(caller: AuthenticatedCaller, action: string, subject: string): void {
  if (caller.identity.role !== 'admin') fail(403, `You are not allowed to ${action} on ${subject}`, 'PermissionDenied');
}

export function identityInOrg(ctx: InfisicalContext, identityId: string): IdentityRecord {
  const identity = ctx.state.identities.get(identityId);
  if (!identity || identity.orgId !== ctx.state.organizationId) fail(404, `Failed to find identity with ID ${identityId}`, 'NotFound');
  return identity;
}
