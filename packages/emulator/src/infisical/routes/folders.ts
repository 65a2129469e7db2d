import type { Router } from '../../http/router.js';
import { fail } from '../errors.js';
import { Check, queryBoolean } from '../validation.js';
import { validationFailure, type ZodLikeIssue } from '../errors.js';
import { nowIso, type InfisicalContext } from '../context.js';
import { normalizePath, type ProjectRecord } from '../state.js';
import { requireProjectAccess, requireValidPath } from './secrets.js';

const FOLDER_NAME = /^[A-Za-z0-9_-]+$/;

function environmentOf(project: ProjectRecord, slug: string) {
  const env = project.environments.find((e) => e.slug === slug);
  if (!env) fail(404, `Environment with slug '${slug}' in project with ID ${project.id} not found`, 'NotFound');
  return env;
}

/** The folder as the server's `SecretFoldersSchema` has it. */
function folderView(ctx: InfisicalContext, project: ProjectRecord, environment: string, path: string) {
  const record = ctx.state.folderRecord(project.id, environment, path)!;
  const parentPath = path === '/' ? undefined : normalizePath(path.slice(0, path.lastIndexOf('/')) || '/');
  return {
    id: record.id,
    name: record.name,
    version: 1,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    envId: environmentOf(project, environment).id,
    parentId: parentPath === undefined ? null : (ctx.state.folderRecord(project.id, environment, parentPath)?.id ?? null),
    isReserved: false,
  };
}

/** `GET|POST /api/v1/folders`: what the official SDK's `folders.listFolders` and `folders.create` call. */
export function registerFolderRoutes(router: Router, ctx: InfisicalContext): void {
  router.on('GET', '/api/v1/folders', async (req) => {
    const caller = await ctx.tokens.authenticate(req);
    const issues: ZodLikeIssue[] = [];
    // The SDK sends `recursive`; the server's schema ignores keys it does not know, strict booleans aside.
    if (req.query.has('recursive')) queryBoolean(req.query, 'recursive', false, issues);
    const workspaceId = req.query.get('workspaceId')?.trim();
    const environment = req.query.get('environment')?.trim();
    if (workspaceId === undefined) issues.push({ code: 'invalid_type', message: 'Required', path: ['workspaceId'] });
    if (environment === undefined) issues.push({ code: 'invalid_type', message: 'Required', path: ['environment'] });
    if (issues.length > 0) validationFailure(issues);
    const path = normalizePath(req.query.get('path') || req.query.get('directory'));
    const project = requireProjectAccess(ctx, caller, workspaceId!, false);
    environmentOf(project, environment!);
    requireValidPath(path);
    if (!ctx.state.folder(project.id, environment!, path)) return { status: 200, body: { folders: [] } };
    const children = ctx.state
      .foldersUnder(project.id, environment!, path)
      .filter((p) => p !== path && p.lastIndexOf('/') === (path === '/' ? 0 : path.length));
    return { status: 200, body: { folders: children.map((p) => folderView(ctx, project, environment!, p)) } };
  });

  router.on('POST', '/api/v1/folders', async (req) => {
    const caller = await ctx.tokens.authenticate(req);
    const check = Check.of(req.body);
    const workspaceId = check.string('workspaceId', { required: true });
    const environment = check.string('environment', { required: true });
    const name = check.string('name', { required: true });
    if (typeof name === 'string' && !FOLDER_NAME.test(name)) check.custom('name', 'Invalid folder name. Only alphanumeric characters, dashes, and underscores are allowed.');
    const path = normalizePath(check.string('path') || check.string('directory') || '/');
    check.string('description');
    check.done();
    const project = requireProjectAccess(ctx, caller, workspaceId!, true);
    environmentOf(project, environment!);
    requireValidPath(path);
    // Missing parents are created on the way, and an existing folder is answered as it is.
    const target = normalizePath(`${path === '/' ? '' : path}/${name}`);
    ctx.state.folder(project.id, environment!, target, true, nowIso(ctx.clock));
    return { status: 200, body: { folder: folderView(ctx, project, environment!, target) } };
  });
}
