import { LRUCache } from 'lru-cache';
import type { InfisicalClient, Secret } from 'node-infisical';
import type { ResolvedSource } from '../options/resolve.js';

/**
 * Fetches one source's secrets as a flat map. Imports are merged first and the folder's own
 * secrets override them, as Infisical resolves them. The last good map per source is kept in an
 * LRU cache, so an identical answer is recognised without touching the snapshot.
 */
export class SecretSources {
  readonly #client: InfisicalClient;
  readonly #sources: ResolvedSource[];
  readonly #lastGood = new LRUCache<string, Readonly<Record<string, string>>>({ max: 256 });

  constructor(client: InfisicalClient, sources: ResolvedSource[]) {
    this.#client = client;
    this.#sources = sources;
  }

  get sources(): readonly ResolvedSource[] {
    return this.#sources;
  }

  async #fetch(source: ResolvedSource): Promise<Record<string, string>> {
    const { secrets, imports } = await this.#client.secrets.list({
      projectId: source.projectId,
      environment: source.environment,
      secretPath: source.secretPath,
      recursive: source.recursive,
      includeImports: source.includeImports,
      expandSecretReferences: source.expandSecretReferences,
      ...(source.tagSlugs.length > 0 ? { tagSlugs: source.tagSlugs } : {}),
    });
    const map: Record<string, string> = Object.create(null) as Record<string, string>;
    const put = (list: Secret[]) => {
      for (const secret of list) if (typeof secret.secretKey === 'string') map[secret.secretKey] = String(secret.secretValue ?? '');
    };
    // A later import overrides an earlier one; the folder's own secrets override every import.
    for (const imported of imports) put(imported.secrets ?? []);
    put(secrets);
    this.#lastGood.set(source.key, Object.freeze({ ...map }));
    return map;
  }

  /**
   * Fetches every source (each through `use`, which accounts for the access token) and merges them in
   * order, later sources winning.
   */
  async fetchAll(use: <T>(call: () => Promise<T>) => Promise<T>): Promise<Record<string, string>> {
    const maps = await Promise.all(this.#sources.map((source) => use(() => this.#fetch(source))));
    return Object.assign({}, ...maps) as Record<string, string>;
  }
}
