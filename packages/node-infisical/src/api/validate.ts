import { isIP } from 'node:net';
import { InfisicalValidationError } from '../errors/errors.js';
import { kindOf } from '../errors/kind.js';

/**
 * The one way this client refuses an argument: names the option, what it must be and the kind of value it got,
 * never the value (it may be a credential).
 */
export function invalidArgument(field: string, expected: string, value: unknown): InfisicalValidationError {
  return new InfisicalValidationError(field, `must be ${expected}, got ${kindOf(value)}`);
}

/**
 * The largest TTL the server's route accepts (10 years, in seconds).
 *
 * @example
 * const ttl = Math.min(requested, MAX_TTL_SECONDS);
 */
export const MAX_TTL_SECONDS = 315_360_000;

/** A non-empty string, trimmed. The value itself never appears in the error: it may be a credential. */
export function requireString(field: string, value: unknown, hint: string): string {
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw new InfisicalValidationError(field, `is required and must be a non-empty string: ${hint}`);
  }
  return value.trim();
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Three base64url parts. Token files often end with a newline (copies, `echo`), so the value is trimmed first. */
export function isJwtShaped(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 3 && parts.every((part) => part.length > 0 && BASE64URL.test(part));
}

export function requireJwt(field: string, value: unknown, hint: string): string {
  const jwt = requireString(field, value, hint);
  if (!isJwtShaped(jwt)) {
    throw new InfisicalValidationError(field, `is not a JWT (three base64url parts separated by dots): ${hint}`);
  }
  return jwt;
}

export function optionalTtl(field: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_TTL_SECONDS) {
    throw invalidArgument(field, `a whole number of seconds from 0 to ${MAX_TTL_SECONDS}`, value);
  }
  return value;
}

export function optionalNonNegativeInt(field: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw invalidArgument(field, 'a whole number, 0 or more (0 = unlimited)', value);
  }
  return value;
}

export function optionalString(field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidArgument(field, 'a string', value);
  return value;
}

export function optionalBoolean(field: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalidArgument(field, 'true or false', value);
  return value;
}

/** An IPv4/IPv6 address or CIDR block, as the server's `extractIPDetails` accepts. */
export function isIpOrCidr(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash === -1) return isIP(value) !== 0;
  const address = value.slice(0, slash);
  const prefix = value.slice(slash + 1);
  const family = isIP(address);
  if (family === 0 || !/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/** Folder paths start with `/` (the server strips a trailing slash itself). */
export function requirePath(field: string, value: unknown): string {
  if (value === undefined) return '/';
  if (typeof value !== 'string' || !value.trim().startsWith('/')) {
    throw new InfisicalValidationError(field, 'must be a folder path starting with "/", e.g. "/" or "/backend"');
  }
  return value.trim();
}
