import { randomUUID } from 'node:crypto';
import type { Router, RouteRequest } from '../../http/router.js';
import { fail, validationFailure, type ZodLikeIssue } from '../errors.js';
import { Check, queryBoolean } from '../validation.js';
import { nowIso, type InfisicalContext } from '../context.js';
import type { AuthenticatedCaller } from '../access-tokens.js';
import { normalizePath, type ProjectRecord, type SecretRecord } from '../state.js';
import { ReferenceExpander } from '../secret-expansion.js';
import { unknownProject } from '../../errors.js';

const HIDDEN = '<hidden-by-infisical>';
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

function item(ctx: InfisicalContext, projectId: string, environment: string, path: string, secret: SecretRecord, value: string, hidden: boolean, withDates = true) {
  return {
    id: secret.id,
    _id: secret.id,
    workspace: projectId,
    environment,
    version: secret.version,
    type: 'shared',
    secretKey: secret.key,
    secretValue: hidden ? HIDDEN : value,
    secretComment: secret.comment,
    secretPath: path,
    secretValueHidden: hidden,
    skipMultilineEncoding: secret.skipMultilineEncoding,
    secretReminderNote: null,
    secretReminderRepeatDays: null,
    ...(withDates ? { createdAt: secret.createdAt, updatedAt: secret.updatedAt } : {}),
    actor: null,
    isRotatedSecret: false,
    rotationId: null,
    secretMetadata: secret.metadata.map((m) => ({ key: m.key, value: m.value, isEncrypted: false })),
    tags: secret.tags.map((slug) => {
      const tag = ctx.state.tag(projectId, slug);
      return { id: tag.id, slug: tag.slug, color: tag.color, name: tag.name };
    }),
  };
}

const expanderFor = (ctx: InfisicalContext, projectId: string) =>
  new ReferenceExpander((env, path, key) => ctx.state.folder(projectId, env, path)?.get(key)?.value, { stopAtCycles: ctx.options.generation === 'current' });

/** `key=k,value=v|key=...`, as the list schema's transform reads it (at most 10 entries). */
function parseMetadataFilter(raw: string | null, issues: ZodLikeIssue[]): Array<{ key: string; value: string }> {
  if (!raw) return [];
  const result: Array<{ key: string; value: string }> = [];
  for (const pair of raw.split('|')) {
    const parts = pair.split(/[,=]/);
    let key: string | undefined;
    let value: string | undefined;
    for (let i = 0; i < parts.length; i += 2) {
      const name = parts[i]!.trim().toLowerCase();
      const v = parts[i + 1]?.trim();
      if (name === 'key' && v) key = v;
      else if (name === 'value' && v) value = v;
    }
    if (key && value) result.push({ key, value });
  }
  if (result.length > 10) issues.push({ code: 'custom', message: 'You can only filter by up to 10 metadata fields', path: ['metadataFilter'] });
  return result;
}

interface ListQuery {
  projectId: string;
  environment: string;
  secretPath: string;
  recursive: boolean;
  expand: boolean;
  includeImports: boolean;
  viewSecretValue: boolean;
  tagSlugs: string[];
  metadataFilter: Array<{ key: string; value: string }>;
}

function parseListQuery(ctx: InfisicalContext, query: URLSearchParams, route: 'v4' | 'v3'): ListQuery {
  const issues: ZodLikeIssue[] = [];
  const parsed = {
    secretPath: normalizePath(query.get('secretPath')),
    recursive: queryBoolean(query, 'recursive', false, issues),
    expand: queryBoolean(query, 'expandSecretReferences', false, issues),
    includeImports: queryBoolean(query, 'include_imports', false, issues),
    viewSecretValue: queryBoolean(query, 'viewSecretValue', true, issues),
    tagSlugs: (query.get('tagSlugs') ?? '')
      .split(',')
      .map((slug) => slug.trim())
      .filter(Boolean),
    metadataFilter: parseMetadataFilter(query.get('metadataFilter'), issues),
  };
  if (issues.length > 0) validationFailure(issues);
  const projectId = route === 'v4' ? query.get('projectId') : resolveProject(ctx, query.get('workspaceId'), query.get('workspaceSlug'));
  const environment = query.get('environment')?.trim() ?? '';
  if (!projectId || !environment) fail(400, 'Missing project id or environment', 'BadRequest');
  return { ...parsed, projectId, environment };
}

function matchesFilters(secret: SecretRecord, q: ListQuery): boolean {
  // A secret passes with any of the tags asked for, and with every metadata pair asked for.
  if (q.tagSlugs.length > 0 && !secret.tags.some((slug) => q.tagSlugs.includes(slug))) return false;
  return q.metadataFilter.every((f) => secret.metadata.some((m) => m.key === f.key && m.value === f.value));
}

function listSecrets(ctx: InfisicalContext, q: ListQuery) {
  // The service answers a missing folder (or an unknown environment) before it looks at include_imports.
  if (!ctx.state.folder(q.projectId, q.environment, q.secretPath)) return { secrets: [], imports: [] };
  const expander = expanderFor(ctx, q.projectId);
  const paths = q.recursive ? ctx.state.foldersUnder(q.projectId, q.environment, q.secretPath) : [q.secretPath];
  const secrets = [];
  for (const path of paths) {
    for (const secret of ctx.state.folder(q.projectId, q.environment, path)?.values() ?? []) {
      if (!matchesFilters(secret, q)) continue;
      const value = q.expand ? expander.expandSecret(q.environment, path, secret.key, secret.value) : secret.value;
      secrets.push(item(ctx, q.projectId, q.environment, path, secret, value, !q.viewSecretValue));
    }
  }
  const body: Record<string, unknown> = { secrets };
  if (q.includeImports) {
    body.imports = (ctx.state.imports.get(ctx.state.folderKey(q.projectId, q.environment, q.secretPath)) ?? []).map((imp) => ({
      secretPath: imp.path,
      environment: imp.environment,
      folderId: imp.id,
      secrets: [...(ctx.state.folder(q.projectId, imp.environment, imp.path)?.values() ?? [])].map((secret) =>
        item(ctx, q.projectId, imp.environment, imp.path, secret, q.expand ? expander.expandSecret(imp.environment, imp.path, secret.key, secret.value) : secret.value, !q.viewSecretValue, false),
      ),
    }));
  }
  return body;
}

/** Secret reads and writes: `/api/v4/secrets*` (current servers only) and `/api/v3/secrets/raw*` (both). */
export function registerSecretRoutes(router: Router, ctx: InfisicalContext, write: SecretWriter): void {
  const list = (route: 'v4' | 'v3') => async (req: RouteRequest) => {
    const caller = await ctx.tokens.authenticate(req);
    const q = parseListQuery(ctx, req.query, route);
    requireProjectAccess(ctx, caller, q.projectId, false);
    requireValidPath(q.secretPath, ctx.options.generation);
    return { status: 200, body: listSecrets(ctx, q) };
  };

  const single = (route: 'v4' | 'v3') => async (req: RouteRequest) => {
    const caller = await ctx.tokens.authenticate(req);
    const issues: ZodLikeIssue[] = [];
    const expandRefs = queryBoolean(req.query, 'expandSecretReferences', false, issues);
    const view = queryBoolean(req.query, 'viewSecretValue', true, issues);
    const versionText = req.query.get('version');
    const version = versionText === null || versionText === '' ? undefined : Number(versionText);
    if (version !== undefined && !Number.isFinite(version)) issues.push({ code: 'invalid_type', message: 'Expected number, received nan', path: ['version'], expected: 'number', received: 'nan' });
    if (route === 'v4' && !req.query.get('projectId')) issues.push({ code: 'invalid_type', message: 'Required', path: ['projectId'] });
    if (issues.length > 0) validationFailure(issues);
    const projectId = route === 'v4' ? req.query.get('projectId')! : resolveProject(ctx, req.query.get('workspaceId'), req.query.get('workspaceSlug'));
    const environment = req.query.get('environment')?.trim();
    if (!environment) fail(400, 'Missing environment', 'BadRequest');
    if (!projectId) fail(400, 'You must provide workspaceSlug or workspaceId', 'BadRequest');
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
    return { status: 200, body: { secret: item(ctx, projectId, environment, path, record, value, !view) } };
  };

  const writeRoute = (kind: 'create' | 'update' | 'delete', route: 'v4' | 'v3') => async (req: RouteRequest) => {
    const caller = await ctx.tokens.authenticate(req);
    const check = Check.of(req.body);
    const id = check.string(route === 'v4' ? 'projectId' : 'workspaceId', { required: route === 'v4' });
    const slug = route === 'v3' ? check.string('projectSlug') : undefined;
    const environment = check.string('environment', { required: true });
    const secretPath = normalizePath(check.string('secretPath') ?? '/');
    const rawValue = kind === 'delete' ? undefined : check.string('secretValue', { required: kind === 'create', trim: false });
    const comment = kind === 'delete' ? undefined : check.string('secretComment');
    const tagIds = kind === 'delete' ? undefined : check.stringArray('tagIds');
    const skipMultilineEncoding = kind === 'delete' ? undefined : check.body.skipMultilineEncoding === null ? undefined : check.boolean('skipMultilineEncoding');
    const newName = kind === 'update' ? check.string('newSecretName', { min: 1 }) : undefined;
    const type = check.string('type') ?? 'shared';
    if (type !== 'shared' && type !== 'personal') check.enumIssue('type', ['shared', 'personal'], type);
    check.done();
    const projectId = resolveProject(ctx, id, slug);
    if (!projectId) fail(400, 'Must provide either project slug or projectId', 'BadRequest');
    requireProjectAccess(ctx, caller, projectId, true);
    requireValidPath(secretPath, ctx.options.generation);
    const key = req.params.secretName!;
    const folder = ctx.state.folder(projectId, environment!, secretPath);
    if (kind !== 'create' && !folder) fail(404, folderNotFound(ctx, secretPath, environment!), 'NotFound');
    const existing = folder?.get(key);
    if (kind === 'create' && existing) fail(400, 'Secret already exist', 'BadRequest');
    if (kind !== 'create' && !existing) fail(404, secretNotFound(ctx, kind, key), 'NotFound');
    if (kind === 'delete') {
      write.delete({ projectId, environment: environment!, secretPath, key });
      return { status: 200, body: { secret: item(ctx, projectId, environment!, secretPath, existing!, existing!.value, false) } };
    }
    let tags: string[] | undefined;
    if (tagIds) {
      const known = [...(ctx.state.tags.get(projectId)?.values() ?? [])];
      tags = tagIds.map((tagId) => known.find((t) => t.id === tagId)?.slug ?? fail(404, 'Tag not found', 'NotFound'));
    }
    if (newName && newName !== key) {
      if (ctx.state.folder(projectId, environment!, secretPath)?.has(newName)) fail(400, 'Secret with the new name already exist', 'BadRequest');
      write.delete({ projectId, environment: environment!, secretPath, key });
    }
    const value = rawValue === undefined || rawValue === null ? undefined : trimValue(rawValue);
    const saved = write.set({
      projectId,
      environment: environment!,
      secretPath,
      key: newName || key,
      value: value ?? existing!.value,
      comment: comment ?? existing?.comment ?? '',
      ...(tags ? { tags } : {}),
      ...(skipMultilineEncoding !== undefined ? { skipMultilineEncoding } : {}),
      ...(newName && newName !== key && existing ? { carry: existing } : {}),
    });
    if (kind === 'create') return { status: 200, body: { secret: item(ctx, projectId, environment!, secretPath, saved, saved.value, false) } };
    // Both generations' updateSecret reshape the answer from the request (`inputSecret.secretValue || ""`, the same
    // for the comment), not from the stored row: a rename alone answers "" for both while the stored ones stay.
    return { status: 200, body: { secret: item(ctx, projectId, environment!, secretPath, { ...saved, comment: comment || '' }, value || '', false) } };
  };

  if (ctx.options.generation === 'current') {
    router.on('GET', '/api/v4/secrets', list('v4'));
    router.on('GET', '/api/v4/secrets/:secretName', single('v4'));
    router.on('POST', '/api/v4/secrets/:secretName', writeRoute('create', 'v4'));
    router.on('PATCH', '/api/v4/secrets/:secretName', writeRoute('update', 'v4'));
    router.on('DELETE', '/api/v4/secrets/:secretName', writeRoute('delete', 'v4'));
  }
  router.on('GET', '/api/v3/secrets/raw', list('v3'));
  router.on('GET', '/api/v3/secrets/raw/:secretName', single('v3'));
  router.on('POST', '/api/v3/secrets/raw/:secretName', writeRoute('create', 'v3'));
  router.on('PATCH', '/api/v3/secrets/raw/:secretName', writeRoute('update', 'v3'));
  router.on('DELETE', '/api/v3/secrets/raw/:secretName', writeRoute('delete', 'v3'));
}

/** A secret as a test sets it (`emu.setSecret`): `tags` are slugs (created on first use), `metadata` key/value pairs. */
export interface SetSecretOptions {
  projectId: string;
  environment: string;
  secretPath?: string;
  key: string;
  value: string;
  comment?: string;
  tags?: string[];
  metadata?: Record<string, string>;
}

/** What a write changes; fields left out keep their stored value. */
export interface SecretChange extends SetSecretOptions {
  skipMultilineEncoding?: boolean;
  /** A renamed secret's record, whose id, history and dates the new name keeps. */
  carry?: SecretRecord;
}

/** The one place secrets change: bumps versions and publishes events, for REST writes and test helpers alike. */
export class SecretWriter {
  constructor(private readonly ctx: InfisicalContext) {}

  set(s: SecretChange): SecretRecord {
    const path = normalizePath(s.secretPath);
    if (!this.ctx.state.projects.has(s.projectId)) throw unknownProject(s.projectId);
    const now = nowIso(this.ctx.clock);
    const folder = this.ctx.state.folder(s.projectId, s.environment, path, true, now)!;
    const stored = folder.get(s.key);
    const existing = stored ?? s.carry;
    const metadata = s.metadata ? Object.entries(s.metadata).map(([key, value]) => ({ key, value })) : undefined;
    for (const slug of s.tags ?? []) this.ctx.state.tag(s.projectId, slug);
    const record: SecretRecord = existing
      ? {
          ...existing,
          key: s.key,
          value: s.value,
          comment: s.comment ?? existing.comment,
          tags: s.tags ?? existing.tags,
          metadata: metadata ?? existing.metadata,
          skipMultilineEncoding: s.skipMultilineEncoding ?? existing.skipMultilineEncoding,
          version: existing.version + 1,
          updatedAt: now,
          history: [...existing.history, { version: existing.version, value: existing.value, comment: existing.comment, updatedAt: existing.updatedAt }],
        }
      : {
          id: randomUUID(),
          key: s.key,
          value: s.value,
          comment: s.comment ?? '',
          version: 1,
          createdAt: now,
          updatedAt: now,
          tags: s.tags ?? [],
          metadata: metadata ?? [],
          skipMultilineEncoding: s.skipMultilineEncoding ?? false,
          history: [],
        };
    folder.set(s.key, record);
    this.ctx.events.publish(s.projectId, stored ? 'secret:update' : 'secret:create', s.environment, path, [s.key]);
    return record;
  }

  delete(s: { projectId: string; environment: string; secretPath?: string; key: string }): void {
    const path = normalizePath(s.secretPath);
    const folder = this.ctx.state.folder(s.projectId, s.environment, path);
    if (folder?.delete(s.key)) this.ctx.events.publish(s.projectId, 'secret:delete', s.environment, path, [s.key]);
  }

  addImport(s: { projectId: string; environment: string; secretPath?: string; importEnvironment: string; importPath: string }): void {
    const key = this.ctx.state.folderKey(s.projectId, s.environment, normalizePath(s.secretPath));
    const list = this.ctx.state.imports.get(key) ?? [];
    list.push({ id: randomUUID(), environment: s.importEnvironment, path: normalizePath(s.importPath) });
    this.ctx.state.imports.set(key, list);
    this.ctx.events.publish(s.projectId, 'secret:import-mutation', s.environment, normalizePath(s.secretPath), []);
  }
}
