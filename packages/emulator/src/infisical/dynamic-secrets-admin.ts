import type { EmulatorClock } from '../clock.js';
import { EmulatorError, unknownProject } from '../errors.js';
import { nowIso } from './context.js';
import { durationMs } from './dynamic-secrets-state.js';
import { normalizePath, type InfisicalState } from './state.js';

/**
 * Options of `emu.createDynamicSecret`: a dynamic secret whose provider mints a username/password pair per lease
 * (the lease answer's `data` is `{ DB_USERNAME, DB_PASSWORD }`, as Infisical's SQL providers answer).
 *
 * @example
 * emu.createDynamicSecret({ projectId: project.id, environment: 'prod', name: 'orders-db', defaultTtl: '1h', maxTtl: '24h' });
 */
export interface CreateDynamicSecretOptions {
  projectId: string;
  environment: string;
  /** Folder; created on the way. Default `/`. */
  secretPath?: string;
  /** Lower-cased, as the server stores it. */
  name: string;
  /** A lease's TTL when the request names none: an `ms` string (`90s`, `30m`, `1h`, `1d`). */
  defaultTtl: string;
  /** A lease's whole life from its creation, renewals included; default none. */
  maxTtl?: string;
}

/**
 * The emulator's dynamic-secret controls.
 *
 * @example
 * expect(emu.dynamicSecrets.liveLeases('orders-db')).toBeLessThanOrEqual(2);
 * expect(emu.dynamicSecrets.accepts(username, password)).toBe(true);
 */
export interface DynamicSecretsHandle {
  /** Leases not revoked and not expired on the emulator clock, of one dynamic secret (by name) or of all. */
  liveLeases(name?: string): number;
  /** Whether a database behind the provider would accept this pair now (its lease is live). */
  accepts(username: string, password: string): boolean;
}

function checkTtl(field: string, value: unknown): string {
  if (typeof value !== 'string' || !(durationMs(value) >= 60_000)) {
    throw new EmulatorError('INVALID_OPTIONS', `createDynamicSecret: ${field} must be a duration of a minute or more such as "30m" or "1h"`);
  }
  return value;
}

/** The admin helpers `createDynamicSecret` and `dynamicSecrets`. */
export function dynamicSecretsAdmin(state: InfisicalState, clock: EmulatorClock) {
  return {
    createDynamicSecret(options: CreateDynamicSecretOptions): { id: string; name: string } {
      if (!state.projects.has(options.projectId)) throw unknownProject(options.projectId);
      const defaultTTL = checkTtl('defaultTtl', options.defaultTtl);
      const maxTTL = options.maxTtl === undefined ? null : checkTtl('maxTtl', options.maxTtl);
      const path = normalizePath(options.secretPath);
      const now = nowIso(clock);
      state.folder(options.projectId, options.environment, path, true, now);
      const folderKey = state.folderKey(options.projectId, options.environment, path);
      const folderId = state.folderRecords.get(folderKey)!.id;
      const record = state.dynamicSecrets.add({ name: options.name.toLowerCase(), folderKey, folderId, defaultTTL, maxTTL, createdAt: now, updatedAt: now });
      return { id: record.id, name: record.name };
    },
    dynamicSecrets: {
      liveLeases: (name?: string) => state.dynamicSecrets.countLive(clock.now(), name?.toLowerCase()),
      accepts: (username: string, password: string) => state.dynamicSecrets.accepts(username, password, clock.now()),
    } satisfies DynamicSecretsHandle,
  };
}
