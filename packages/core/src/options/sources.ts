import { ENVIRONMENT_VARIABLES } from './defaults.js';
import { boolean, fromEnv, invalid, milliseconds, object, string, type Bag } from './check.js';
import { resolveDynamicSource, type ResolvedDynamicSource } from './dynamic-source.js';

/** What Infisical accepts as a folder name. */
const FOLDER_NAME = /^[A-Za-z0-9_-]+$/;

export interface ResolvedSource {
  /** Absent means Infisical too (sources built before directories existed). */
  kind?: 'infisical';
  key: string;
  projectId: string;
  environment: string;
  secretPath: string;
  recursive: boolean;
  includeImports: boolean;
  expandSecretReferences: boolean;
  tagSlugs: string[];
}

export interface ResolvedFileSource {
  kind: 'files';
  key: string;
  directory: string;
  checkIntervalMs: number;
}

/** A source of either kind, in the order the options list them. */
export type ResolvedAnySource = ResolvedSource | ResolvedFileSource | ResolvedDynamicSource;

function resolveFileSource(source: Bag, at: string): ResolvedFileSource {
  const directory = string(`${at}.files`, source.files, 'the mounted directory, e.g. /etc/app-secrets')!.trim();
  if (!directory.startsWith('/')) invalid(`${at}.files must be an absolute path (the volume's mountPath), got "${directory}"`);
  const mixed = ['projectId', 'environment', 'secretPath', 'recursive', 'includeImports', 'expandSecretReferences', 'tagSlugs'].filter((name) => source[name] !== undefined);
  if (mixed.length > 0) invalid(`${at} is a directory source ({ files }) and cannot also have ${mixed.join(', ')}: list the Infisical folder as a separate source`);
  const resolved = { kind: 'files' as const, directory, checkIntervalMs: milliseconds(`${at}.checkIntervalMs`, source.checkIntervalMs, 10_000) };
  return { ...resolved, key: JSON.stringify(resolved) };
}

/** Infisical's folder names are [A-Za-z0-9_-]; the first and last segments may be empty (`/`, `/app/`). */
function validSecretPath(secretPath: string): boolean {
  return secretPath.split('/').every((segment, i, all) => (i === 0 || i === all.length - 1 ? segment === '' || FOLDER_NAME.test(segment) : FOLDER_NAME.test(segment)));
}

/** One source of the `secrets` option; a single source may take its fields from the environment. */
export function resolveSource(input: unknown, env: Bag, index: number, single: boolean): ResolvedAnySource {
  const at = single ? 'secrets' : `secrets[${index}]`;
  const source = object(at, input) ?? {};
  if (source.files !== undefined) return resolveFileSource(source, at);
  if (source.dynamic !== undefined) return resolveDynamicSource(source, at);
  if (source.checkIntervalMs !== undefined) invalid(`${at}.checkIntervalMs applies to directory sources ({ files }) only`);
  const projectId = string(`${at}.projectId`, source.projectId) ?? (single ? fromEnv(env, ENVIRONMENT_VARIABLES.projectId) : undefined);
  const environment = string(`${at}.environment`, source.environment) ?? (single ? fromEnv(env, ENVIRONMENT_VARIABLES.environment) : undefined);
  const secretPath = string(`${at}.secretPath`, source.secretPath) ?? (single ? fromEnv(env, ENVIRONMENT_VARIABLES.secretPath) : undefined) ?? '/';
  if (!projectId?.trim()) invalid(`${at}.projectId is missing: pass it or set INFISICAL_PROJECT_ID`);
  if (!environment?.trim()) invalid(`${at}.environment is missing: pass the environment slug (e.g. "prod") or set INFISICAL_ENVIRONMENT`);
  if (!secretPath.startsWith('/')) invalid(`${at}.secretPath must start with "/", got "${secretPath}"`);
  // Current servers refuse any other path with a 400, servers from 2024 with a 500 that would look transient and be
  // retried for ever.
  if (!validSecretPath(secretPath)) invalid(`${at}.secretPath "${secretPath}" has a folder name outside letters, digits, "-" and "_": Infisical has no such folder`);
  const tagSlugs = source.tagSlugs ?? [];
  if (!Array.isArray(tagSlugs) || !tagSlugs.every((tag) => typeof tag === 'string')) invalid(`${at}.tagSlugs must be an array of tag slugs`);
  const resolved = {
    kind: 'infisical' as const,
    projectId: projectId.trim(),
    environment: environment.trim(),
    secretPath,
    recursive: boolean(`${at}.recursive`, source.recursive, false),
    includeImports: boolean(`${at}.includeImports`, source.includeImports, true),
    expandSecretReferences: boolean(`${at}.expandSecretReferences`, source.expandSecretReferences, true),
    tagSlugs: tagSlugs as string[],
  };
  return { ...resolved, key: JSON.stringify(resolved) };
}
