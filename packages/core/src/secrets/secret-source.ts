import { LRUCache } from 'lru-cache';
import type { InfisicalClient, Secret } from 'node-infisical';
import type { ResolvedSource } from '../options/resolve.js';
import type { WatchedLocation } from './push.js';

/** What one source last returned: its flat map and the folders it imports (for push registrations). */
interface SourceResult {
  values: Readonly<Record<string, string>>;
  imports: ReadonlyArray<{ environment: string; secretPath: string }>;
}

/** Runs a call with the access token; retries once after a fresh login when the token was rejected. */
export type WithToken = <T>(call: () => Promise<T>) => Promise<T>;

/**
 * Fetches sources as flat maps. Imports are merged first and the folder's own secrets override them,
 * as Infisical resolves them. One request in flight per source whatever the number of callers; the
 * last good result per source is kept in an LRU cache (keyed by project, environment, path and flags).
 */
export class SecretSources {
  readonly #client: InfisicalClient;
  readonly #sources: ResolvedSource[];
  readonly #lastGood = new LRUCache<string, SourceResult>({ max: 256 });
  readonly #inFlight = new Map<string, Promise<SourceResult>>();

  constructor(client: InfisicalClient, sources: ResolvedSource[]) {
    this.#client = client;
    this.#sources = sources;
  }

  /** The sources, and every folder their last answers imported. */
  watchedLocations(): WatchedLocation[] {
    const locations: WatchedLocation[] = [];
    for (const source of this.#sources) {
      locations.push({ projectId: source.projectId, environment: source.environment, secretPath: source.secretPath, recursive: source.recursive });
      for (const imported of this.#lastGood.get(source.key)?.imports ?? []) {
        locations.push({ projectId: source.projectId, environment: imported.environment, secretPath: imported.secretPath, recursive: false });
      }
    }
    return locations;
  }

  #fetch(source: ResolvedSource, withToken: WithToken): Promise<SourceResult> {
    let pending = this.#inFlight.get(source.key);
    if (!pending) {
      pending = withToken(() => this.#list(source)).finally(() => this.#inFlight.delete(source.key));
      this.#inFlight.set(source.key, pending);
    }
    return pending;
  }

  async #list(source: ResolvedSource): Promise<SourceResult> {
    const { secrets, imports } = await this.#client.secrets.list({
      projectId: source.projectId,
      environment: source.environment,
      secretPath: source.secretPath,
      recursive: source.recursive,
      includeImports: source.includeImports,
      expandSecretReferences: source.expandSecretReferences,
      ...(source.tagSlugs.length > 0 ? { tagSlugs: source.tagSlugs } : {}),
    });
    // A null-prototype map: a key named `__proto__` or `constructor` is just a key.
    const values = Object.create(null) as Record<string, string>;
    const put = (list: Secret[] | undefined) => {
      for (const secret of list ?? []) if (typeof secret.secretKey === 'string') values[secret.secretKey] = String(secret.secretValue ?? '');
    };
    // A later import overrides an earlier one; the folder's own secrets override every import.
    for (const imported of imports) put(imported.secrets);
    put(secrets);
    const result: SourceResult = {
      values: Object.freeze(values),
      imports: imports.filter((i) => typeof i.environment === 'string' && typeof i.secretPath === 'string').map((i) => ({ environment: i.environment, secretPath: i.secretPath })),
    };
    this.#lastGood.set(source.key, result);
    return result;
  }

  /** Fetches every source and merges them in order, later sources winning. */
  async fetchAll(withToken: WithToken): Promise<Record<string, string>> {
    const results = await Promise.all(this.#sources.map((source) => this.#fetch(source, withToken)));
    const merged = Object.create(null) as Record<string, string>;
    for (const { values } of results) Object.assign(merged, values);
    return merged;
  }
}
