import { normalizePath } from './state.js';

/**
 * How deep `${...}` references are followed: the server's `MAX_SECRET_REFERENCE_DEPTH` (10) in
 * `services/secret-v2-bridge/secret-v2-bridge-fns.ts` (October 2024 and current). A value reached deeper than
 * this is returned as written, references and all.
 */
export const MAX_SECRET_REFERENCE_DEPTH = 10;

const REFERENCE = /\$\{([^}]+)\}/g;

/** Reads a stored secret value: `undefined` when there is none. */
export type SecretLookup = (environment: string, secretPath: string, key: string) => string | undefined;

/**
 * Expands `${KEY}` (same folder) and `${env.path.to.KEY}` references the way the server does: a reference to a
 * missing or empty secret is left as written, and values are followed at most `MAX_SECRET_REFERENCE_DEPTH` deep
 * (so a cycle ends at the depth bound rather than being detected).
 *
 * One expander serves one request: every (depth, secret) pair is expanded once, so wide, deep reference graphs
 * cost time linear in their size instead of in the number of paths through them.
 */
export class ReferenceExpander {
  readonly #lookup: SecretLookup;
  readonly #memo = new Map<string, string>();

  constructor(lookup: SecretLookup) {
    this.#lookup = lookup;
  }

  expand(environment: string, secretPath: string, value: string, depth = 0): string {
    if (depth > MAX_SECRET_REFERENCE_DEPTH || !value.includes('${')) return value;
    return value.replace(REFERENCE, (whole, ref: string) => {
      const parts = ref.trim().split('.');
      let env = environment;
      let path = secretPath;
      let key = parts[0] ?? '';
      if (parts.length > 1) {
        env = parts[0]!;
        key = parts[parts.length - 1]!;
        path = normalizePath(`/${parts.slice(1, -1).join('/')}`);
      }
      const referred = this.#lookup(env, path, key);
      if (!referred) return whole;
      const id = `${depth + 1}|${env}|${path}|${key}`;
      let expanded = this.#memo.get(id);
      if (expanded === undefined) {
        expanded = this.expand(env, path, referred, depth + 1);
        this.#memo.set(id, expanded);
      }
      return expanded;
    });
  }
}
