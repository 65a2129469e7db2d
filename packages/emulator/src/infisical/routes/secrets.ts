import { createHash, randomUUID } from 'node:crypto';
import type { Router, RouteRequest } from '../../http/router.js';
import { fail, type ZodLikeIssue } from '../errors.js';
import { Check, queryBoolean } from '../validation.js';
import { validationFailure } from '../errors.js';
import { nowIso, type InfisicalContext } from '../context.js';
import type { AuthenticatedCaller } from '../access-tokens.js';
import { normalizePath, type SecretRecord } from '../state.js';
import { unknownProject } from '../../errors.js';

const HIDDEN = '<hidden-by-infisical>';
const REFERENCE = /\$\{([^}]+)\}/g;

/**
 * Project access: a member of the project (any role) reads; admins and members write; org admins do both.
 * Takes an already authenticated caller: the server authenticates in an onRequest hook, before the
 * schema is validated, so even a request answered 422 spends one use of the token.
 */
function requireProjectAccess(ctx: InfisicalContext, caller: AuthenticatedCaller, projectId: string, write: boolean) {
  const project = ctx.state.projects.get(projectId);
  if (!project) fail(404, `Project with ID '${projectId}' not found`, 'NotFound');
  if (caller.identity.role === 'admin') return { caller, project };
  const role = project.members.get(caller.identity.id);
  if (!role || role === 'no-access' || (write && role === 'viewer')) {
    fail(403, `You are not allowed to ${write ? 'edit' : 'readValue'} on secrets`, 'PermissionDenied');
  }
  return { caller, project };
}

/**
 * `${KEY}` (same folder) and `${env.path.to.KEY}` references, expanded recursively to a bounded depth;
 * a reference that cannot be resolved (missing, or a cycle) is left as written.
 */
function expand(ctx: InfisicalContext, projectId: string, environment: string, path: string, value: string, depth = 0, seen = new Set<string>()): string {
  if (depth > 10) return value;
  return value.replace(REFERENCE, (whole, ref: string) => {
    const parts = ref.split('.');
    let env = environment;
    let folderPath = path;
    let key = ref;
    if (parts.length > 1) {
      env = parts[0]!;
      key = parts[parts.length - 1]!;
      folderPath = `/${parts.slice(1, -1).join('/')}`;
    }
    const id = `${env}|${normalizePath(folderPath)}|${key}`;
    if (seen.has(id)) return whole;
    const secret = ctx.state.folder(projectId, env, folderPath)?.get(key);
    if (!secret) return whole;
    return expand(ctx, projectId, env, folderPath, secret.value, depth + 1, new Set([...seen, id]));
  });
}

function item(projectId: string, environment: string, path: string, secret: SecretRecord, value: string, hidden: boolean, withDates = true) {
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
    skipMultilineEncoding: false,
    secretReminderNote: null,
    secretReminderRepeatDays: null,
    ...(withDates ? { createdAt: secret.createdAt, updatedAt: secret.updatedAt } : {}),
    actor: null,
    isRotatedSecret: false,
    rotationId: null,
    secretMetadata: [],
    tags: [],
  };
}

interface ListQuery {
  projectId: string;
  environment: string;
  secretPath: string;
  recursive: boolean;
  expand: boolean;
  includeImports: boolean;
  viewSecretValue: boolean;
}

function parseListQuery(query: URLSearchParams, projectParam: 'projectId' | 'workspaceId'): ListQuery {
  const issues: ZodLikeIssue[] = [];
  const parsed = {
    projectId: query.get(projectParam) ?? '',
    environment: query.get('environment') ?? '',
    secretPath: normalizePath(query.get('secretPath')),
    recursive: queryBoolean(query, 'recursive', false, issues),
    expand: queryBoolean(query, 'expandSecretReferences', false, issues),
    includeImports: queryBoolean(query, 'include_imports', false, issues),
    viewSecretValue: queryBoolean(query, 'viewSecretValue', true, issues),
  };
  if (issues.length > 0) validationFailure(issues);
  if (!parsed.projectId || !parsed.environment) fail(400, 'Missing project id or environment', 'BadRequest');
  return parsed;
}

function listSecrets(ctx: InfisicalContext, q: ListQuery) {
  const paths = q.recursive ? ctx.state.foldersUnder(q.projectId, q.environment, q.secretPath) : [q.secretPath];
  const secrets = [];
  for (const path of paths) {
    const folder = ctx.state.folder(q.projectId, q.environment, path);
    if (!folder) continue;
    for (const secret of folder.values()) {
      const value = q.expand ? expand(ctx, q.projectId, q.environment, path, secret.value) : secret.value;
      secrets.push(item(q.projectId, q.environment, path, secret, value, !q.viewSecretValue));
    }
  }
  const body: Record<string, unknown> = { secrets };
  if (q.includeImports) {
    const imports = (ctx.state.imports.get(ctx.state.folderKey(q.projectId, q.environment, q.secretPath)) ?? []).map((imp) => ({
      secretPath: imp.path,
      environment: imp.environment,
      folderId: imp.id,
      secrets: [...(ctx.state.folder(q.projectId, imp.environment, imp.path)?.values() ?? [])].map((secret) =>
        item(q.projectId, imp.environment, imp.path, secret, q.expand ? expand(ctx, q.projectId, imp.environment, imp.path, secret.value) : secret.value, !q.viewSecretValue, false),
      ),
    }));
    body.imports = imports;
  }
  return body;
}

function etagged(body: unknown): { status: number; body: unknown; headers: Record<string, string> } {
  const etag = `"${createHash('sha1').update(JSON.stringify(body)).digest('base64url')}"`;
  return { status: 200, body, headers: { etag } };
}

/** Secret reads (v4 and the v3 raw routes) and the v4 write routes. */
export function registerSecretRoutes(router: Router, ctx: InfisicalContext, write: SecretWriter): void {
  router.on('GET', '/api/v4/secrets', async (req) => {
    const caller = await ctx.tokens.authenticate(req);
    const q = parseListQuery(req.query, 'projectId');
    requireProjectAccess(ctx, caller, q.projectId, false);
    return etagged(listSecrets(ctx, q));
  });

  router.on('GET', '/api/v3/secrets/raw', async (req) => {
    const caller = await ctx.tokens.authenticate(req);
    const q = parseListQuery(req.query, 'workspaceId');
    requireProjectAccess(ctx, caller, q.projectId, false);
    return etagged(listSecrets(ctx, q));
  });

  const single = async (req: RouteRequest, projectParam: 'projectId' | 'workspaceId') => {
    const caller = await ctx.tokens.authenticate(req);
    const issues: ZodLikeIssue[] = [];
    const projectId = req.query.get(projectParam) ?? '';
    const environment = req.query.get('environment') ?? '';
    const expandRefs = queryBoolean(req.query, 'expandSecretReferences', false, issues);
    const view = queryBoolean(req.query, 'viewSecretValue', true, issues);
    if (!projectId) issues.push({ code: 'invalid_type', message: 'Required', path: [projectParam] });
    if (issues.length > 0) validationFailure(issues);
    requireProjectAccess(ctx, caller, projectId, false);
    const path = normalizePath(req.query.get('secretPath'));
    const secret = ctx.state.folder(projectId, environment, path)?.get(req.params.secretName!);
    if (!secret) fail(404, `Secret with name '${req.params.secretName}' not found`, 'NotFound');
    const value = expandRefs ? expand(ctx, projectId, environment, path, secret.value) : secret.value;
    return { status: 200, body: { secret: item(projectId, environment, path, secret, value, !view) } };
  };
  router.on('GET', '/api/v4/secrets/:secretName', (req) => single(req, 'projectId'));
  router.on('GET', '/api/v3/secrets/raw/:secretName', (req) => single(req, 'workspaceId'));

  const writeRoute = (kind: 'create' | 'update' | 'delete') => async (req: RouteRequest) => {
    const caller = await ctx.tokens.authenticate(req);
    const check = Check.of(req.body);
    const projectId = check.string('projectId', { required: true });
    const environment = check.string('environment', { required: true });
    const secretPath = normalizePath(check.string('secretPath') ?? '/');
    const secretValue = kind === 'delete' ? undefined : check.string('secretValue', { required: kind === 'create', trim: false });
    const secretComment = check.string('secretComment', { trim: false });
    check.done();
    requireProjectAccess(ctx, caller, projectId!, true);
    const key = req.params.secretName!;
    const existing = ctx.state.folder(projectId!, environment!, secretPath)?.get(key);
    if (kind === 'create' && existing) fail(400, 'Secret already exist', 'BadRequest');
    if (kind !== 'create' && !existing) fail(404, `Secret with name '${key}' not found`, 'NotFound');
    if (kind === 'delete') {
      write.delete({ projectId: projectId!, environment: environment!, secretPath, key });
      return { status: 200, body: { secret: item(projectId!, environment!, secretPath, existing!, existing!.value, false) } };
    }
    const saved = write.set({ projectId: projectId!, environment: environment!, secretPath, key, value: secretValue ?? existing!.value, comment: secretComment ?? existing?.comment ?? '' });
    return { status: 200, body: { secret: item(projectId!, environment!, secretPath, saved, saved.value, false) } };
  };
  router.on('POST', '/api/v4/secrets/:secretName', writeRoute('create'));
  router.on('PATCH', '/api/v4/secrets/:secretName', writeRoute('update'));
  router.on('DELETE', '/api/v4/secrets/:secretName', writeRoute('delete'));
}

/** The one place secrets change: bumps versions and publishes events, for REST writes and test helpers alike. */
export class SecretWriter {
  constructor(private readonly ctx: InfisicalContext) {}

  set(s: { projectId: string; environment: string; secretPath?: string; key: string; value: string; comment?: string }): SecretRecord {
    const path = normalizePath(s.secretPath);
    if (!this.ctx.state.projects.has(s.projectId)) throw unknownProject(s.projectId);
    const folder = this.ctx.state.folder(s.projectId, s.environment, path, true)!;
    const now = nowIso(this.ctx.clock);
    const existing = folder.get(s.key);
    const record: SecretRecord = existing
      ? { ...existing, value: s.value, comment: s.comment ?? existing.comment, version: existing.version + 1, updatedAt: now }
      : { id: randomUUID(), key: s.key, value: s.value, comment: s.comment ?? '', version: 1, createdAt: now, updatedAt: now };
    folder.set(s.key, record);
    this.ctx.events.publish(s.projectId, existing ? 'secret:update' : 'secret:create', s.environment, path, [s.key]);
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
