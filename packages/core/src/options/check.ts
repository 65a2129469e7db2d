import { kindOf } from 'node-infisical';
import { InfisicalK8sError } from '../errors/error.js';

/** How a wrong value is named: node-infisical's wording, shared so both packages say it alike. */
export { kindOf };

/**
 * The `OPTIONS_INVALID` error for one option: names the option, what it must be and the kind of value it got,
 * never the value. Core and the adapters throw it for their own options.
 *
 * @example
 * if (typeof route !== 'string') throw invalidOption('readinessRoute', 'a path starting with "/"', route);
 * // OPTIONS_INVALID: readinessRoute must be a path starting with "/", got a number
 */
export function invalidOption(option: string, expected: string, value: unknown, fix?: string): InfisicalK8sError {
  return new InfisicalK8sError('OPTIONS_INVALID', `${option} must be ${expected}, got ${kindOf(value)}${fix ? `: ${fix}` : ''}`);
}

/** OPTIONS_INVALID with a message of its own, for rules that are not about one value's type. */
export function invalid(message: string): never {
  throw new InfisicalK8sError('OPTIONS_INVALID', message);
}

export type Bag = Record<string, unknown>;

export function object(name: string, value: unknown): Bag | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidOption(name, 'an object', value);
  return value as Bag;
}

export function string(name: string, value: unknown, fix?: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidOption(name, 'a string', value, fix);
  return value;
}

export function boolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalidOption(name, 'true or false', value);
  return value;
}

export function milliseconds(name: string, value: unknown, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw invalidOption(name, `a ${allowZero ? 'non-negative' : 'positive'} number of milliseconds`, value);
  }
  return value;
}

export function wholeNumber(name: string, value: unknown, fallback: number, min: number, unit = ''): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw invalidOption(name, `a whole number${unit}, ${min} or more`, value);
  return value;
}

/** The first of `names` set (non-blank) in `env`, trimmed. */
export function fromEnv(env: Bag, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = env[name];
    if (typeof value === 'string' && value.trim()) return value.trim();
  }
  return undefined;
}
