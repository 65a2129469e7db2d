import { invalid, invalidOption, object, string, type Bag } from './check.js';

/** A source of leased credentials: one dynamic secret, its lease renewed and replaced by core. */
export interface ResolvedDynamicSource {
  kind: 'dynamic';
  key: string;
  /** The dynamic secret's name. */
  name: string;
  projectSlug: string;
  environment: string;
  secretPath: string;
  /** Each lease's (and renewal's) TTL as the server reads it (`"3600s"`, `"1h"`); the secret's default when absent. */
  ttl: string | undefined;
  /** Provider field (`DB_USERNAME`) to snapshot key (`DB_USER`); absent: the provider's fields under their own names. */
  fields: Record<string, string> | undefined;
}

const DURATION = /^\d+(?:s|m|h|d)$/;
const FOLDER_PATH = /^\/(?:[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*)?\/?$/;

function ttlOf(at: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 60 && value <= 86_400) return `${value}s`;
  if (typeof value === 'string' && DURATION.test(value.trim())) return value.trim();
  throw invalidOption(`${at}.ttl`, 'whole seconds from 60 to 86400 or a duration such as "30m" or "1h"', value);
}

function fieldsOf(at: string, value: unknown): Record<string, string> | undefined {
  const fields = object(`${at}.fields`, value);
  if (fields === undefined) return undefined;
  const entries = Object.entries(fields);
  if (entries.length === 0) invalid(`${at}.fields must map at least one of the lease's fields (e.g. DB_USERNAME) to a snapshot key`);
  for (const [from, to] of entries) {
    if (typeof to !== 'string' || to.trim() === '') throw invalidOption(`${at}.fields.${from}`, 'the snapshot key to put this field under', to);
  }
  return Object.freeze(Object.fromEntries(entries.map(([from, to]) => [from, (to as string).trim()])));
}

/**
 * `{ dynamic: 'orders-db', projectSlug, environment, secretPath?, ttl?, fields? }`: the October 2024 lease routes
 * name the project by slug, so this source takes `projectSlug` (never `INFISICAL_PROJECT_ID`).
 */
export function resolveDynamicSource(source: Bag, at: string): ResolvedDynamicSource {
  const name = string(`${at}.dynamic`, source.dynamic, 'the name of the dynamic secret')?.trim();
  if (!name) invalid(`${at}.dynamic must name the dynamic secret (its name in Infisical), got an empty string`);
  const projectSlug = string(`${at}.projectSlug`, source.projectSlug)?.trim();
  if (!projectSlug) invalid(`${at}.projectSlug is missing: the lease routes name the project by its slug (Project Settings in Infisical)`);
  const environment = string(`${at}.environment`, source.environment)?.trim();
  if (!environment) invalid(`${at}.environment is missing: pass the environment slug (e.g. "prod") of the dynamic secret`);
  const secretPath = string(`${at}.secretPath`, source.secretPath)?.trim() ?? '/';
  if (!FOLDER_PATH.test(secretPath)) invalid(`${at}.secretPath must be a folder path such as "/" or "/db" (letters, digits, "-" and "_")`);
  const mixed = ['projectId', 'files', 'recursive', 'includeImports', 'expandSecretReferences', 'tagSlugs'].filter((n) => source[n] !== undefined);
  if (mixed.length > 0) invalid(`${at} is a dynamic secret source ({ dynamic }) and cannot also have ${mixed.join(', ')}: list the folder as a separate source`);
  const resolved = { kind: 'dynamic' as const, name, projectSlug, environment, secretPath, ttl: ttlOf(at, source.ttl), fields: fieldsOf(at, source.fields) };
  return { ...resolved, key: JSON.stringify(resolved) };
}
