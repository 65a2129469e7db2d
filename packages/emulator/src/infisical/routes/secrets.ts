import type { Router, RouteRequest } from '../../http/router.js';
import { fail, validationFailure, type ZodLikeIssue } from '../errors.js';
import { Check, queryBoolean } from '../validation.js';
import type { InfisicalContext } from '../context.js';
import { normalizePath, type SecretRecord } from '../state.js';
import { requireProjectAccess, requireValidPath, resolveProject } from './secret-access.js';
import { listSecrets, parseListQuery } from './secret-list.js';
import { expanderFor, secretItem } from './secret-view.js';
import type { SecretWriter } from './secret-writer.js';


type Route = 'v4' | 'v3';
type WriteKind = 'create' | 'update' | 'delete';

/** The bridge service's 404 for a write to a folder that does not exist (each generation's own text). */
const folderNotFound = (ctx: InfisicalContext, path: string, environment: string): string =>
  ctx.options.generation === 'current' ? `Folder with path '${path}' in environment with slug '${environment}' not found` : 'Folder not found for the given environment slug & secret path';

/**
 * The bridge service's 404 for a missing name: `deleteSecret` says "Secret not found" in both generations; a current
 * `updateSecret` names the secret without quotes (the quoted text is the single read's), a 2024 one did not name it.
 */
const secretNotFound = (ctx: InfisicalContext, kind: 'update' | 'delete', key: string): string =>
  kind === 'update' && ctx.options.generation === 'current' ? `Secret with name ${key} not found` : 'Secret not found';

/** Trims as the create and update schemas do, keeping one trailing newline when the value had one. */
const trimValue = (value: string): string => (value.at(-1) === '\n' ? `${value.trim()}\n` : value.trim());

async function list(ctx: InfisicalContext, route: Route, req: RouteRequest) {
  const caller = await ctx.tokens.authenticate(req);
  const q = parseListQuery(ctx, req.query, route);
  requireProjectAccess(ctx, caller, q.projectId, false);
  requireValidPath(q.secretPath, ctx.options.generation);
  return { status: 200, body: listSecrets(ctx, q) };
}

function parseSingleQuery(ctx: InfisicalContext, route: Route, query: URLSearchParams) {
  const issues: ZodLikeIssue[] = [];
  const expandRefs = queryBoolean(query, 'expandSecretReferences', false, issues);
  const view = queryBoolean(query, 'viewSecretValue', true, issues);
  const versionText = query.get('version');
  const version = versionText === null || versionText === '' ? undefined : Number(versionText);
  if (version !== undefined && !Number.isFinite(version)) issues.push({ code: 'invalid_type', message: 'Expected number, received nan', path: ['version'], expected: 'number', received: 'nan' });
  if (route === 'v4' && !query.get('projectId')) issues.push({ code: 'invalid_type', message: 'Required', path: ['projectId'] });
  if (issues.length > 0) validationFailure(issues);
  const projectId = route === 'v4' ? query.get('projectId')! : resolveProject(ctx, query.get('workspaceId'), query.get('workspaceSlug'));
  const environment = query.get('environment')?.trim();
  if (!environment) fail(400, 'Missing environment', 'BadRequest');
  if (!projectId) fail(400, 'You must provide workspaceSlug or workspaceId', 'BadRequest');
  return { expandRefs, view, version, projectId, environment };
}

async function single(ctx: InfisicalContext, route: Route, req: RouteRequest) {
  const caller = await ctx.tokens.authenticate(req);
  const { expandRefs, view, version, projectId, environment } = parseSingleQuery(ctx, route, req.query);
  requireProjectAccess(ctx, caller, projectId, false);
  const path = normalizePath(req.query.get('secretPath'));
  requireValidPath(path, ctx.options.generation);
  const name = req.params.secretName!;
  const secret = ctx.state.folder(projectId, environment, path)?.get(name);
  if (!secret) fail(404, `Secret with name '${name}' not found`, 'NotFound');
  let record = secret;
  if (version !== undefined && version !== secret.version) {
    const old = secret.history.find((h) => h.version === version);
    if (!old) fail(404, `Secret version ${version} not found`, 'NotFound');
    record = { ...secret, ...old };
  }
  const value = expandRefs ? expanderFor(ctx, projectId).expandSecret(environment, path, name, record.value) : record.value;
  return { status: 200, body: { secret: secretItem(ctx, projectId, environment, path, record, value, !view) } };
}

function parseWriteBody(kind: WriteKind, route: Route, body: unknown) {
  const check = Check.of(body);
  const id = check.string(route === 'v4' ? 'projectId' : 'workspaceId', { required: route === 'v4' });
  const slug = route === 'v3' ? check.string('projectSlug') : undefined;
  const environment = check.string('environment', { required: true })!;
  const secretPath = normalizePath(check.string('secretPath') ?? '/');
  const rawValue = kind === 'delete' ? undefined : check.string('secretValue', { required: kind === 'create', trim: false });
  const comment = kind === 'delete' ? undefined : check.string('secretComment');
  const tagIds = kind === 'delete' ? undefined : check.stringArray('tagIds');
  const skipMultilineEncoding = kind === 'delete' ? undefined : check.body.skipMultilineEncoding === null ? undefined : check.boolean('skipMultilineEncoding');
  const newName = kind === 'update' ? check.string('newSecretName', { min: 1 }) : undefined;
  const type = check.string('type') ?? 'shared';
  if (type !== 'shared' && type !== 'personal') check.enumIssue('type', ['shared', 'personal'], type);
  check.done();
  return { id, slug, environment, secretPath, rawValue, comment, tagIds, skipMultilineEncoding, newName };
}

type WriteBody = ReturnType<typeof parseWriteBody>;

/** A create or an update (with an optional rename), once the target and the existing secret are known. */
function saveSecret(ctx: InfisicalContext, writer: SecretWriter, w: WriteBody & { projectId: string; key: string }, existing: SecretRecord | undefined) {
  const { projectId, environment, secretPath, key, newName, comment } = w;
  let tags: string[] | undefined;
  if (w.tagIds) {
    const known = [...(ctx.state.tags.get(projectId)?.values() ?? [])];
    tags = w.tagIds.map((tagId) => known.find((t) => t.id === tagId)?.slug ?? fail(404, 'Tag not found', 'NotFound'));
  }
  if (newName && newName !== key) {
    if (ctx.state.folder(projectId, environment, secretPath)?.has(newName)) fail(400, 'Secret with the new name already exist', 'BadRequest');
    writer.delete({ projectId, environment, secretPath, key });
  }
  const value = w.rawValue === undefined || w.rawValue === null ? undefined : trimValue(w.rawValue);
  const saved = writer.set({
    projectId,
    environment,
    secretPath,
    key: newName || key,
    value: value ?? existing!.value,
    comment: comment ?? existing?.comment ?? '',
    ...(tags ? { tags } : {}),
    ...(w.skipMultilineEncoding !== undefined ? { skipMultilineEncoding: w.skipMultilineEncoding } : {}),
    ...(newName && newName !== key && existing ? { carry: existing } : {}),
  });
  return { saved, value };
}

async function write(ctx: InfisicalContext, writer: SecretWriter, kind: WriteKind, route: Route, req: RouteRequest) {
  const caller = await ctx.tokens.authenticate(req);
  const w = parseWriteBody(kind, route, req.body);
  const projectId = resolveProject(ctx, w.id, w.slug);
  if (!projectId) fail(400, 'Must provide either project slug or projectId', 'BadRequest');
  requireProjectAccess(ctx, caller, projectId, true);
  requireValidPath(w.secretPath, ctx.options.generation);
  const { environment, secretPath } = w;
  const key = req.params.secretName!;
  const folder = ctx.state.folder(projectId, environment, secretPath);
  if (kind !== 'create' && !folder) fail(404, folderNotFound(ctx, secretPath, environment), 'NotFound');
  const existing = folder?.get(key);
  if (kind === 'create' && existing) fail(400, 'Secret already exist', 'BadRequest');
  if (kind !== 'create' && !existing) fail(404, secretNotFound(ctx, kind, key), 'NotFound');
  if (kind === 'delete') {
    writer.delete({ projectId, environment, secretPath, key });
    return { status: 200, body: { secret: secretItem(ctx, projectId, environment, secretPath, existing!, existing!.value, false) } };
  }
  const { saved, value } = saveSecret(ctx, writer, { ...w, projectId, key }, existing);
  if (kind === 'create') return { status: 200, body: { secret: secretItem(ctx, projectId, environment, secretPath, saved, saved.value, false) } };
  // Both generations' updateSecret reshape the answer from the request (`inputSecret.secretValue || ""`, the same
  // for the comment), not from the stored row: a rename alone answers "" for both while the stored ones stay.
  return { status: 200, body: { secret: secretItem(ctx, projectId, environment, secretPath, { ...saved, comment: w.comment || '' }, value || '', false) } };
}

function registerRoutes(router: Router, ctx: InfisicalContext, writer: SecretWriter, route: Route, base: string): void {
  router.on('GET', base, (req) => list(ctx, route, req));
  router.on('GET', `${base}/:secretName`, (req) => single(ctx, route, req));
  router.on('POST', `${base}/:secretName`, (req) => write(ctx, writer, 'create', route, req));
  router.on('PATCH', `${base}/:secretName`, (req) => write(ctx, writer, 'update', route, req));
  router.on('DELETE', `${base}/:secretName`, (req) => write(ctx, writer, 'delete', route, req));
}

/** Secret reads and writes: `/api/v4/secrets*` (current servers only) and `/api/v3/secrets/raw*` (both). */
export function registerSecretRoutes(router: Router, ctx: InfisicalContext, writer: SecretWriter): void {
  if (ctx.options.generation === 'current') registerRoutes(router, ctx, writer, 'v4', '/api/v4/secrets');
  registerRoutes(router, ctx, writer, 'v3', '/api/v3/secrets/raw');
}
