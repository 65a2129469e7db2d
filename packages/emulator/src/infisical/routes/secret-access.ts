import { fail } from '../errors.js';
import type { InfisicalContext } from '../context.js';
import type { AuthenticatedCaller } from '../access-tokens.js';
import type { ProjectRecord } from '../state.js';

const FOLDER_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * Project access: a member of the project (any role) reads; admins and members write; org admins do both.
 * The caller was authenticated by the server's request hook (the server's onRequest), so a request answered
 * 422 here has already spent one use of the token.
 */
export function requireProjectAccess(ctx: InfisicalContext, caller: AuthenticatedCaller, projectId: string, write: boolean): ProjectRecord {
  const project = ctx.state.projects.get(projectId);
  if (!project) fail(404, `Project with ID '${projectId}' not found`, 'NotFound');
  if (caller.identity.role === 'admin') return project;
  const role = project.members.get(caller.identity.id);
  if (!role || role === 'no-access' || (write && role === 'viewer')) {
    fail(403, `You are not allowed to ${write ? 'edit' : 'readValue'} on secrets`, 'PermissionDenied');
  }
  return project;
}

/**
 * The folder lookup's own check: every segment of a secret path is a valid folder name, else 400. A 2024 server
 * had no such check: its folder query failed in the database, answered as the catch-all 500 named after the query
 * (observed: `500 {"statusCode":500,"message":"Something went wrong","error":"Find by secret path"}`).
 */
export function requireValidPath(path: string, generation: 'current' | '2024' = 'current'): void {
  if (path.split('/').filter(Boolean).every((segment) => FOLDER_NAME.test(segment))) return;
  if (generation === '2024') fail(500, 'Something went wrong', 'Find by secret path');
  fail(400, 'Invalid secret path. Only alphanumeric characters, dashes, and underscores are allowed.', 'BadRequest');
}

/** `workspaceId` wins; else `workspaceSlug` / `projectSlug` names the project (404 when none has it). */
export function resolveProject(ctx: InfisicalContext, id: string | null | undefined, slug: string | null | undefined): string | undefined {
  if (id) return id;
  if (!slug) return undefined;
  for (const project of ctx.state.projects.values()) if (project.slug === slug) return project.id;
  fail(404, `Project with slug '${slug}' not found`, 'NotFound');
}
