import { randomUUID } from 'node:crypto';
import { nowIso, type InfisicalContext } from '../context.js';
import { normalizePath, type SecretRecord } from '../state.js';
import { unknownProject } from '../../errors.js';

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

function nextVersion(existing: SecretRecord, s: SecretChange, metadata: SecretRecord['metadata'] | undefined, now: string): SecretRecord {
  return {
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
  };
}

function firstVersion(s: SecretChange, metadata: SecretRecord['metadata'] | undefined, now: string): SecretRecord {
  return {
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
}

/** The one place secrets change: bumps versions and publishes events, for REST writes and test helpers alike. */
export class SecretWriter {
  constructor(private readonly ctx: Pick<InfisicalContext, 'state' | 'clock' | 'events'>) {}

  set(s: SecretChange): SecretRecord {
    const path = normalizePath(s.secretPath);
    if (!this.ctx.state.projects.has(s.projectId)) throw unknownProject(s.projectId);
    const now = nowIso(this.ctx.clock);
    const folder = this.ctx.state.folder(s.projectId, s.environment, path, true, now)!;
    const stored = folder.get(s.key);
    const existing = stored ?? s.carry;
    const metadata = s.metadata ? Object.entries(s.metadata).map(([key, value]) => ({ key, value })) : undefined;
    for (const slug of s.tags ?? []) this.ctx.state.tag(s.projectId, slug);
    const record = existing ? nextVersion(existing, s, metadata, now) : firstVersion(s, metadata, now);
    folder.set(s.key, record);
    this.ctx.events.publish(s.projectId, stored ? 'secret:update' : 'secret:create', s.environment, path, [s.key]);
    return record;
  }

  /** True when the secret existed. */
  delete(s: { projectId: string; environment: string; secretPath?: string; key: string }): boolean {
    const path = normalizePath(s.secretPath);
    const folder = this.ctx.state.folder(s.projectId, s.environment, path);
    if (!folder?.delete(s.key)) return false;
    this.ctx.events.publish(s.projectId, 'secret:delete', s.environment, path, [s.key]);
    return true;
  }

  addImport(s: { projectId: string; environment: string; secretPath?: string; importEnvironment: string; importPath: string }): void {
    const key = this.ctx.state.folderKey(s.projectId, s.environment, normalizePath(s.secretPath));
    const list = this.ctx.state.imports.get(key) ?? [];
    list.push({ id: randomUUID(), environment: s.importEnvironment, path: normalizePath(s.importPath) });
    this.ctx.state.imports.set(key, list);
    this.ctx.events.publish(s.projectId, 'secret:import-mutation', s.environment, normalizePath(s.secretPath), []);
  }
}
