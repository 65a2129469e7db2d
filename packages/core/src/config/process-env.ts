import type { ResolvedProcessEnv } from '../options/process-env.js';
import { RESERVED_PREFIX } from '../options/process-env.js';
import type { InfisicalLogger } from '../options/types.js';
import { isPlatformCredential } from './credential-shape.js';

/** What the bridge wrote to one variable, and what was there before (set only under `override`). */
interface Written {
  value: string;
  before: string | undefined;
}

/**
 * Writes validated snapshots into `process.env` (or the given target). It owns only what it wrote: a variable set
 * before stays unless `override`, a variable someone changed after the bridge wrote it is theirs from then on, and
 * a removal deletes (or, under `override`, restores) only a variable that still holds the bridge's value. Log
 * lines name variables, never values; the state is private, so inspecting a config shows none of it.
 */
export class ProcessEnvBridge {
  readonly #o: ResolvedProcessEnv;
  readonly #logger: InfisicalLogger;
  readonly #written = new Map<string, Written>();
  readonly #warned = new Set<string>();
  #applied = false;
  #stopped = false;

  constructor(options: ResolvedProcessEnv, logger: InfisicalLogger) {
    this.#o = options;
    this.#logger = logger;
  }

  /**
   * Called with a snapshot that passed validation, before it is published, so a `changes$` subscriber that reads
   * `process.env` already sees it. The values are the fetched strings (what `infisical run` would set), not the
   * schema's output: `PORT: z.coerce.number()` is still written as `'8080'`.
   */
  apply(raw: Readonly<Record<string, string>>, validated: unknown): void {
    if (this.#stopped || (this.#o.mode === 'once' && this.#applied)) return;
    this.#applied = true;
    const desired = this.#desired(raw, validated);
    for (const [name, value] of desired) this.#guard(name, () => this.#write(name, value));
    for (const name of this.#written.keys()) if (!desired.has(name)) this.#guard(name, () => this.#remove(name));
  }

  /** Stops following changes; what was written stays (requests still draining may read it). */
  stop(): void {
    this.#stopped = true;
  }

  #desired(raw: Readonly<Record<string, string>>, validated: unknown): Map<string, string> {
    const explicit = this.#o.keys !== 'all';
    // With a schema, `all` means the keys its output keeps: a key the schema strips was never validated.
    const kept = validated !== null && typeof validated === 'object' ? (key: string) => Object.hasOwn(validated, key) : () => true;
    const keys = explicit ? (this.#o.keys as readonly string[]) : Object.keys(raw).filter(kept);
    const desired = new Map<string, string>();
    for (const key of keys) {
      const name = this.#o.prefix + key;
      if (!Object.hasOwn(raw, key)) this.#warnOnce(`missing:${key}`, `processEnv: ${key} is in processEnv.keys but not among the fetched secrets; ${name} is not set`);
      else if (RESERVED_PREFIX.test(name)) this.#warnOnce(`reserved:${name}`, `processEnv: ${name} is not written: INFISICAL_* variables configure this library (rename the secret or set processEnv.prefix)`);
      else if (isPlatformCredential(raw[key]!)) this.#warnOnce(`credential:${name}`, `processEnv: ${name} is not written: its value is an access token or a service-account token`);
      else desired.set(name, raw[key]!);
    }
    return desired;
  }

  #write(name: string, value: string): void {
    const target = this.#o.target;
    const mine = this.#written.get(name);
    if (mine && target[name] !== mine.value) {
      // Someone else set it since: it is theirs now.
      this.#written.delete(name);
      this.#warnOnce(`taken:${name}`, `processEnv: ${name} was changed outside the bridge; it is left as it is from now on`);
      return;
    }
    if (!mine && target[name] !== undefined && !this.#o.override) {
      this.#warnOnce(`exists:${name}`, `processEnv: ${name} was already set and is left as it is (set processEnv.override to replace it)`);
      return;
    }
    // Under override, what was there before comes back when the key goes.
    const before = mine ? mine.before : target[name];
    if (target[name] !== value) target[name] = value;
    this.#written.set(name, { value, before });
  }

  #remove(name: string): void {
    const mine = this.#written.get(name)!;
    this.#written.delete(name);
    const target = this.#o.target;
    if (target[name] !== mine.value) return;
    if (mine.before === undefined) delete target[name];
    else target[name] = mine.before;
  }

  /** A frozen or exotic target must not fail a refresh: the variable is named, the refresh goes on. */
  #guard(name: string, work: () => void): void {
    try {
      work();
    } catch {
      this.#logger.warn(`processEnv: ${name} could not be written to the target environment`);
    }
  }

  #warnOnce(id: string, message: string): void {
    if (this.#warned.has(id)) return;
    this.#warned.add(id);
    this.#logger.warn(message);
  }
}
