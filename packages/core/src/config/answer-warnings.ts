import type { InfisicalLogger } from '../options/types.js';
import type { FetchedSource } from '../secrets/secret-source.js';

/**
 * What an answer says that is not an error: a source whose first load is empty (the server answers an empty
 * list for an unknown environment slug or folder, so a typo looks like an empty folder), and keys several
 * folders of a recursive source define. Each is logged once; never a value.
 */
export class AnswerWarnings {
  readonly #logger: InfisicalLogger;
  /** Sources loaded at least once (an empty first load is worth a warning, a later one is not). */
  readonly #loadedSources = new Set<string>();
  readonly #warnedCollisions = new Set<string>();

  constructor(logger: InfisicalLogger) {
    this.#logger = logger;
  }

  note(fetched: FetchedSource[]): void {
    for (const { source, result } of fetched) {
      if (source.kind === 'dynamic') continue;
      if (source.kind === 'files') {
        if (!this.#loadedSources.has(source.key) && result.count === 0) {
          this.#logger.warn(`no secrets in the directory ${source.directory}: check that the Secret is mounted there and holds keys (secrets.files).`);
        }
        this.#loadedSources.add(source.key);
        continue;
      }
      const where = `environment '${source.environment}', path '${source.secretPath}' of project '${source.projectId}'`;
      if (!this.#loadedSources.has(source.key)) {
        this.#loadedSources.add(source.key);
        if (result.count === 0) {
          this.#logger.warn(
            `no secrets in ${where}: Infisical answers an empty list for an unknown environment slug or folder too. Check secrets.environment and secrets.secretPath if secrets were expected.`,
          );
        }
      }
      for (const { key, folders } of result.collisions) {
        const id = `${source.key}\0${key}\0${folders.join('\0')}`;
        if (this.#warnedCollisions.has(id)) continue;
        this.#warnedCollisions.add(id);
        this.#logger.warn(
          `secret ${key} is defined in several folders of the recursive source ${where}: ${folders.map((f) => `'${f}'`).join(', ')}. The shallowest folder wins ('${folders[0]}'); rename the others.`,
        );
      }
    }
  }
}
