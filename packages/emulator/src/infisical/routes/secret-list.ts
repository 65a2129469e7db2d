import { fail, validationFailure, type ZodLikeIssue } from '../errors.js';
import { queryBoolean } from '../validation.js';
import type { InfisicalContext } from '../context.js';
import { normalizePath, type SecretRecord } from '../state.js';
import { resolveProject } from './secret-access.js';
import type { ReferenceExpander } from '../secret-expansion.js';
import { expanderFor, secretItem } from './secret-view.js';

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

export interface ListQuery {
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

export function parseListQuery(ctx: InfisicalContext, query: URLSearchParams, route: 'v4' | 'v3'): ListQuery {
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

function listImports(ctx: InfisicalContext, q: ListQuery, expander: ReferenceExpander) {
  return (ctx.state.imports.get(ctx.state.folderKey(q.projectId, q.environment, q.secretPath)) ?? []).map((imp) => ({
    secretPath: imp.path,
    environment: imp.environment,
    folderId: imp.id,
    secrets: [...(ctx.state.folder(q.projectId, imp.environment, imp.path)?.values() ?? [])].map((secret) =>
      secretItem(ctx, q.projectId, imp.environment, imp.path, secret, q.expand ? expander.expandSecret(imp.environment, imp.path, secret.key, secret.value) : secret.value, !q.viewSecretValue, false),
    ),
  }));
}

export function listSecrets(ctx: InfisicalContext, q: ListQuery) {
  // The service answers a missing folder (or an unknown environment) before it looks at include_imports.
  if (!ctx.state.folder(q.projectId, q.environment, q.secretPath)) return { secrets: [], imports: [] };
  const expander = expanderFor(ctx, q.projectId);
  const paths = q.recursive ? ctx.state.foldersUnder(q.projectId, q.environment, q.secretPath) : [q.secretPath];
  const secrets = [];
  for (const path of paths) {
    for (const secret of ctx.state.folder(q.projectId, q.environment, path)?.values() ?? []) {
      if (!matchesFilters(secret, q)) continue;
      const value = q.expand ? expander.expandSecret(q.environment, path, secret.key, secret.value) : secret.value;
      secrets.push(secretItem(ctx, q.projectId, q.environment, path, secret, value, !q.viewSecretValue));
    }
  }
  const body: Record<string, unknown> = { secrets };
  if (q.includeImports) body.imports = listImports(ctx, q, expander);
  return body;
}
