import { boolean, invalid, invalidOption, object, string } from './check.js';

/**
 * The opt-in `process.env` bridge, for libraries and legacy code that read `process.env`. After each snapshot
 * passes validation the chosen keys are written as their raw strings; keys removed from Infisical are deleted
 * again. Only variables the bridge wrote are ever deleted or changed, a variable set before is left alone unless
 * `override`, and no `INFISICAL_*` variable is ever written (they configure this library). Off by default.
 *
 * @example
 * createInfisicalConfig({ secrets, schema, processEnv: { keys: ['DATABASE_URL'], mode: 'live' } });
 * // a library that reads process.env.DATABASE_URL sees the value, and each change
 */
export interface ProcessEnvOptions {
  /** Which secrets to write: a list of keys, or `'all'` (with a schema: every fetched key its output keeps). Default `'all'`. */
  keys?: readonly string[] | 'all';
  /** Added in front of every variable name (`APP_` writes `DATABASE_URL` as `APP_DATABASE_URL`). Default none. */
  prefix?: string;
  /** `live` follows every change (and removal); `once` writes the first snapshot only. Default `live`. */
  mode?: 'once' | 'live';
  /** Replace variables that were set before the bridge wrote them (restored when the key goes). Default false. */
  override?: boolean;
  /** The object written to. Default `process.env` (tests pass their own). */
  target?: Record<string, string | undefined>;
}

export interface ResolvedProcessEnv {
  keys: readonly string[] | 'all';
  prefix: string;
  mode: 'once' | 'live';
  override: boolean;
  target: Record<string, string | undefined>;
}

/** Names this library reads its own settings (and a given access token) from: never a bridge target. */
export const RESERVED_PREFIX = /^INFISICAL_/i;

/** A name `process.env` can hold: `=` and NUL cannot be set through it, and an empty name is no variable. */
function variableName(option: string, value: unknown): string {
  const name = string(option, value);
  if (name === undefined || name.includes('=') || name.includes('\0')) throw invalidOption(option, 'a variable name without "=" or NUL', value);
  return name;
}

function resolveKeys(value: unknown, prefix: string): readonly string[] | 'all' {
  if (value === undefined || value === 'all') return 'all';
  if (!Array.isArray(value)) throw invalidOption('processEnv.keys', "'all' or an array of secret keys", value);
  const keys = value.map((key, index) => variableName(`processEnv.keys[${index}]`, key));
  if (keys.some((key) => key === '')) invalid('processEnv.keys must not hold an empty key');
  // A variable name is not a secret: naming it is the fix.
  const reserved = keys.find((key) => RESERVED_PREFIX.test(prefix + key));
  if (reserved !== undefined) invalid(`processEnv.keys must not write INFISICAL_* variables (they configure this library), got ${prefix + reserved}: rename the secret or set processEnv.prefix`);
  return Object.freeze([...new Set(keys)]);
}

/** The bridge's settings, or undefined when it is off (the default). Throws OPTIONS_INVALID naming the option. */
export function resolveProcessEnv(value: unknown): ResolvedProcessEnv | undefined {
  if (value === undefined || value === false) return undefined;
  const input = object('processEnv', value);
  if (!input) return undefined;
  const prefix = input.prefix === undefined ? '' : variableName('processEnv.prefix', input.prefix);
  if (RESERVED_PREFIX.test(prefix)) invalid('processEnv.prefix must not start with INFISICAL_ (those variables configure this library): choose another prefix');
  const mode = input.mode ?? 'live';
  if (mode !== 'once' && mode !== 'live') throw invalidOption('processEnv.mode', "'once' or 'live'", mode);
  const target = input.target === undefined ? process.env : object('processEnv.target', input.target);
  return {
    keys: resolveKeys(input.keys, prefix),
    prefix,
    mode,
    override: boolean('processEnv.override', input.override, false),
    target: target as Record<string, string | undefined>,
  };
}
