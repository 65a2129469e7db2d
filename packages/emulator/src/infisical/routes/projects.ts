import { randomUUID } from 'node:crypto';
import type { Router, RouteRequest } from '../../http/router.js';
import { fail } from '../errors.js';
import { Check } from '../validation.js';
import { nowIso, type InfisicalContext } from '../context.js';
import { identityInOrg, requireOrgAdmin } from './org-admin.js';
import { createProject, projectView } from './project-records.js';

async function createWorkspace(ctx: InfisicalContext, req: RouteRequest) {
  const caller = await ctx.tokens.authenticate(req);
  const check = Check.of(req.body);
  const projectName = check.string('projectName', { required: true, min: 1 });
  const slug = check.string('slug');
  const description = check.string('projectDescription');
  const type = check.string('type') ?? 'secret-manager';
  check.done();
  requireOrgAdmin(caller, 'create', 'workspace');
  if (slug && [...ctx.state.projects.values()].some((p) => p.slug === slug)) fail(400, `A project with the slug '${slug}' already exists.`, 'BadRequest');
  const project = createProject(ctx, projectName!, slug ?? undefined, undefined, { description: description ?? null, type });
  return { status: 200, body: { project: projectView(ctx, project) } };
}

async function createEnvironment(ctx: InfisicalContext, req: RouteRequest) {
  const caller = await ctx.tokens.authenticate(req);
  const check = Check.of(req.body);
  const name = check.string('name', { required: true });
  const slug = check.string('slug', { required: true });
  if (typeof slug === 'string' && !/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug)) check.custom('slug', 'Slug must be a valid slug');
  const position = check.body.position === undefined ? undefined : check.int('position', { min: 1 });
  check.done();
  const project = ctx.state.projects.get(req.params.workspaceId!);
  if (!project) fail(404, `Project with ID '${req.params.workspaceId}' not found`, 'NotFound');
  if (caller.identity.role !== 'admin' && project.members.get(caller.identity.id) !== 'admin') fail(403, 'You are not allowed to create on environments', 'PermissionDenied');
  if (project.environments.some((env) => env.slug === slug)) fail(400, 'Environment with slug already exist', 'BadRequest');
  const now = nowIso(ctx.clock);
  const environment = { id: randomUUID(), name: name!, slug: slug!, position: position ?? project.environments.length + 1, createdAt: now, updatedAt: now };
  project.environments.push(environment);
  ctx.state.folder(project.id, environment.slug, '/', true, now);
  return { status: 200, body: { message: 'Successfully created new environment', workspace: project.id, environment: { ...environment, projectId: project.id } } };
}

async function addMembership(ctx: InfisicalContext, req: RouteRequest) {
  const caller = await ctx.tokens.authenticate(req);
  const project = ctx.state.projects.get(req.params.projectId!);
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
}

/** Projects (workspaces), their environments, and identity memberships. */
export function registerProjectRoutes(router: Router, ctx: InfisicalContext): void {
  router.on('POST', '/api/v2/workspace', (req) => createWorkspace(ctx, req));
  router.on('POST', '/api/v1/workspace/:workspaceId/environments', (req) => createEnvironment(ctx, req));
  router.on('POST', '/api/v2/workspace/:projectId/identity-memberships/:identityId', (req) => addMembership(ctx, req));
}
