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
 * missing or empty secret is left as written, and values are followed at most `MAX_SECRET_REFERENCE_DEPTH` deep.
 * Current servers also stop at a secret already on the reference path (its value goes in as written: A -> B -> A
 * leaves `${B}` in A); the 2024 server had no such check, so a cycle ran to the depth bound.
 *
 * One expander serves one request: every (depth, secret) pair is expanded once, so wide, deep reference graphs
 * cost time linear in their size instead of in the number of paths through them. (In a cyclic graph a memoized
 * value may have been computed along another path; the server's own replace-all walk is path-dependent there too.)
 */
export class ReferenceExpander {
  readonly #lookup: SecretLookup;
  readonly #stopAtCycles: boolean;
  readonly #memo = new Map<string, string>();
  /** Secrets on the path being expanded. */
  readonly #path = new Set<string>();

  constructor(lookup: SecretLookup, options: { stopAtCycles?: boolean } = {}) {
    this.#lookup = lookup;
    this.#stopAtCycles = options.stopAtCycles ?? true;
  }

  /** Expands `value`, the value of `key` when given (so a reference back to it counts as a cycle). */
  expandSecret(environment: string, secretPath: string, key: string, value: string): string {
    const self = `${environment}|${normalizePath(secretPath)}|${key}`;
    this.#path.add(self);
    try {
      return this.expand(environment, secretPath, value);
    } finally {
      this.#path.delete(self);
    }
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
      const secret = `${env}|${path}|${key}`;
      if (this.#stopAtCycles && this.#path.has(secret)) return referred;
      const id = `${depth + 1}|${secret}`;
      let expanded = this.#memo.get(id);
      if (expanded === undefined) {
        this.#path.add(secret);
        try {
          expanded = this.expand(env, path, referred, depth + 1);
        } finally {
          this.#path.delete(secret);
        }
        this.#memo.set(id, expanded);
      }
      return expanded;
    });
  }
}
