import { InfisicalValidationError } from '../errors/errors.js';

/** The largest TTL the server's route accepts (10 years, in seconds). */
export const MAX_TTL_SECONDS = 315_360_000;

export function requireString(field: string, value: unknown, hint: string): string {
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw new InfisicalValidationError(field, `is required and must be a non-empty string: ${hint}`);
  }
  return value.trim();
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** A JWT is three base64url parts. Files written by the kubelet end with no newline, but copies often do: trim. */
export function requireJwt(field: string, value: unknown, hint: string): string {
  const jwt = requireString(field, value, hint);
  const parts = jwt.split('.');
  if (parts.length !== 3 || !parts.every((part) => part.length > 0 && BASE64URL.test(part))) {
    throw new InfisicalValidationError(field, `is not a JWT (three base64url parts separated by dots): ${hint}`);
  }
  return jwt;
}

export function optionalTtl(field: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_TTL_SECONDS) {
    throw new InfisicalValidationError(field, `must be a whole number of seconds from 0 to ${MAX_TTL_SECONDS}`);
  }
  return value;
}

export function optionalNonNegativeInt(field: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new InfisicalValidationError(field, 'must be a whole number, 0 or more (0 = unlimited)');
  }
  return value;
}

export function optionalString(field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InfisicalValidationError(field, 'must be a string');
  return value;
}
