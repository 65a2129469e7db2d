import type { Router } from '../../http/router.js';
import { fail } from '../errors.js';
import { Check, queryBoolean } from '../validation.js';
import { validationFailure, type ZodLikeIssue } from '../errors.js';
import { nowIso, type InfisicalContext } from '../context.js';
import { normalizePath, type ProjectRecord } from '../state.js';
import { requireProjectAccess, requireValidPath } from './secret-access.js';

const FOLDER_NAME = /^[A-Za-z0-9_-]+$/;

function environmentOf(project: ProjectRecord, slug: string) {
  const env = project.environments.find((e) => e.slug === slug);
  if (!env) fail(404, `Environment with slug '${slug}' in project with ID ${project.id} not found`, 'NotFound');
  return env;
}

/** The folder as the server's `SecretFoldersSchema` has it; a 2024 schema had no `description` column yet. */
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
    ...(ctx.options.generation === 'current' ? { description: record.description } : {}),
  };
}

const depth = (path: string): number => (path === '/' ? 0 : path.split('/').length - 1);
const nameOf = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

/**
 * `recursive=true` on a current server (`findByEnvsDeep`): every folder below `path`, by depth then name, each with
 * `relativePath`, its path as seen from `path`. A 2024 server's query schema had no `recursive` and listed children.
 */
function foldersBelow(ctx: InfisicalContext, project: ProjectRecord, environment: string, path: string) {
  const base = path === '/' ? '' : path;
  return ctx.state
    .foldersUnder(project.id, environment, path)
    .filter((p) => p !== path)
    .toSorted((a, b) => depth(a) - depth(b) || (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0))
    .map((p) => ({ ...folderView(ctx, project, environment, p), relativePath: p.slice(base.length) }));
}

/** `GET|POST /api/v1/folders`: what the official SDK's `folders.listFolders` and `folders.create` call. */
export function registerFolderRoutes(router: Router, ctx: InfisicalContext): void {
  router.on('GET', '/api/v1/folders', async (req) => {
    const caller = await ctx.tokens.authenticate(req);
    const issues: ZodLikeIssue[] = [];
    // The SDK sends `recursive`: a strict boolean on a current server; a 2024 schema dropped the unknown key.
    const recursive = ctx.options.generation === 'current' ? queryBoolean(req.query, 'recursive', false, issues) : false;
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
    if (recursive) return { status: 200, body: { folders: foldersBelow(ctx, project, environment!, path) } };
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
    const description = check.string('description', { trim: false, nullable: true });
    check.done();
    const project = requireProjectAccess(ctx, caller, workspaceId!, true);
    environmentOf(project, environment!);
    requireValidPath(path);
    const target = normalizePath(`${path === '/' ? '' : path}/${name}`);
    const current = ctx.options.generation === 'current';
    // Missing parents are created on the way. An existing folder: a 2024 server answered it as it was, a current one
    // refuses the request.
    if (current && ctx.state.folder(project.id, environment!, target)) fail(400, `Folder with name '${name}' already exists in path '${path}'`, 'BadRequest');
    ctx.state.folder(project.id, environment!, target, true, nowIso(ctx.clock));
    if (!current) return { status: 200, body: { folder: folderView(ctx, project, environment!, target) } };
    ctx.state.folderRecord(project.id, environment!, target)!.description = description ?? null;
    return { status: 200, body: { folder: { ...folderView(ctx, project, environment!, target), path: target } } };
  });
}
