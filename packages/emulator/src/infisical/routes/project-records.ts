import { randomUUID } from 'node:crypto';
import { nowIso, type InfisicalContext } from '../context.js';
import type { ProjectRecord } from '../state.js';

const ENVIRONMENT_NAMES: Record<string, string> = { dev: 'Development', staging: 'Staging', prod: 'Production' };

export function createProject(
  ctx: InfisicalContext,
  name: string,
  slug?: string,
  environments: string[] = ['dev', 'staging', 'prod'],
  extra: { description?: string | null; type?: string } = {},
): ProjectRecord {
  const now = nowIso(ctx.clock);
  const project: ProjectRecord = {
    id: randomUUID(),
    name,
    slug: slug ?? `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${randomUUID().slice(0, 4)}`,
    orgId: ctx.state.organizationId,
    environments: environments.map((env, index) => ({ id: randomUUID(), name: ENVIRONMENT_NAMES[env] ?? env, slug: env, position: index + 1, createdAt: now, updatedAt: now })),
    members: new Map<string, string>(),
    createdAt: now,
    updatedAt: now,
    description: extra.description ?? null,
    type: extra.type ?? 'secret-manager',
  };
  ctx.state.projects.set(project.id, project);
  for (const env of environments) ctx.state.folder(project.id, env, '/', true, now);
  return project;
}

/**
 * The project as `POST /api/v2/workspace` answers it: the server's sanitized project schema plus `_id` and the
 * environments; the 2024 schema had neither `description`, `type` nor the later settings.
 */
export function projectView(ctx: InfisicalContext, project: ProjectRecord) {
  const base = {
    id: project.id,
    _id: project.id,
    name: project.name,
    slug: project.slug,
    autoCapitalization: false,
    orgId: project.orgId,
    createdAt: project.createdAt,
    updatedAt: project.updatedAt,
    version: 3,
    upgradeStatus: null,
    pitVersionLimit: 10,
    kmsCertificateKeyId: null,
    auditLogsRetentionDays: null,
    environments: project.environments.map(({ id, name, slug }) => ({ id, name, slug })),
  };
  if (ctx.options.generation === '2024') return base;
  return {
    ...base,
    description: project.description,
    type: project.type,
    defaultProduct: project.type,
    hasDeleteProtection: false,
    secretSharing: true,
    showSnapshotsLegacy: false,
    secretDetectionIgnoreValues: [],
  };
}
