import { isAbsolute, resolve } from 'node:path';
import { fromEnv, invalid, milliseconds, object, string, type Bag } from '../options/check.js';
import { keyFromFile, keyFromOption, type FallbackKey } from './key.js';

/** Where the key is read from when neither `fallback.key` nor `fallback.keyPath` is given. */
export const DEFAULT_FALLBACK_KEY_ENV = 'INFISICAL_FALLBACK_KEY';
/** A fallback file older than this (24 h) is refused. */
export const DEFAULT_FALLBACK_MAX_AGE_MS = 24 * 3_600_000;

/** The fallback file's settings, checked; the key already derived. */
export interface ResolvedFallback {
  path: string;
  key: FallbackKey;
  maxAgeMs: number;
}

/** `fallback.key`, else the file at `fallback.keyPath`, else the variable `fallback.keyEnv` names. */
function resolveKey(input: Bag, env: Bag): FallbackKey {
  if (input.key !== undefined) return keyFromOption('fallback.key', input.key);
  const keyPath = string('fallback.keyPath', input.keyPath)?.trim();
  if (keyPath) return keyFromFile('fallback.keyPath', keyPath);
  const keyEnv = string('fallback.keyEnv', input.keyEnv)?.trim() || DEFAULT_FALLBACK_KEY_ENV;
  const text = fromEnv(env, [keyEnv]);
  if (text === undefined) {
    invalid(`fallback needs a key: set ${keyEnv} to 32 random bytes as base64 or hex (openssl rand -base64 32), or pass fallback.key or fallback.keyPath`);
  }
  return keyFromOption(keyEnv, text);
}

/** The `fallback` option: undefined (off) unless given; OPTIONS_INVALID naming the field, never the key. */
export function resolveFallback(value: unknown, env: Bag): ResolvedFallback | undefined {
  const input = object('fallback', value);
  if (input === undefined) return undefined;
  const path = string('fallback.path', input.path)?.trim();
  if (!path) invalid('fallback.path is missing: name the file to keep the encrypted last good snapshot in (on a volume that outlives the container: an emptyDir survives container restarts, a PVC survives the pod)');
  return {
    path: isAbsolute(path) ? path : resolve(path),
    key: resolveKey(input, env),
    maxAgeMs: milliseconds('fallback.maxAgeMs', input.maxAgeMs, DEFAULT_FALLBACK_MAX_AGE_MS),
  };
}
