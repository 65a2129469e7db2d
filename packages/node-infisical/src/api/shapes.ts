import { InfisicalResponseError } from '../errors/errors.js';
import type { LoginResponse } from './auth.js';
import type { Secret, SecretImport, SecretWriteResult } from './secrets-types.js';

/**
 * Every 2xx answer the client hands on is checked against the route's shape on arrival. A body that is
 * empty, `null`, an array, `{}` or a different object is a proxy, a login page or another service
 * answering: it becomes an `InfisicalResponseError`, never a guessed empty folder or a token-less login.
 * Only the fields callers rely on are checked; extra fields pass through untouched.
 */

/** Where an answer came from, for the error message. */
export interface Origin {
  status: number;
  method: string;
  path: string;
}

type Json = Record<string, unknown>;

function bad(origin: Origin, detail: string): InfisicalResponseError {
  return new InfisicalResponseError(origin.status, origin.method, origin.path, `${detail} (is baseUrl an Infisical server?)`);
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Names the kind of a wrong value without echoing it: it may be a secret. */
function kindOf(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function secretAt(value: unknown, where: string, origin: Origin): Secret {
  if (!isObject(value)) throw bad(origin, `${where} is ${kindOf(value)}, not a secret object`);
  if (typeof value.secretKey !== 'string') throw bad(origin, `${where}.secretKey is ${kindOf(value.secretKey)}, not a string`);
  if (typeof value.secretValue !== 'string') throw bad(origin, `${where}.secretValue is ${kindOf(value.secretValue)}, not a string`);
  return value as Secret;
}

function secretsAt(value: unknown, where: string, origin: Origin): Secret[] {
  if (!Array.isArray(value)) throw bad(origin, `${where} is ${kindOf(value)}, not an array of secrets`);
  return value.map((item, index) => secretAt(item, `${where}[${index}]`, origin));
}

/** `{ secrets: Secret[], imports?: SecretImport[] }` (v4 and v3 raw alike; `imports` may be absent). */
export function listAnswer(body: unknown, origin: Origin): { secrets: Secret[]; imports: SecretImport[] } {
  if (!isObject(body)) throw bad(origin, `the body is ${kindOf(body)}, not a secrets list`);
  const secrets = secretsAt(body.secrets, 'secrets', origin);
  if (body.imports === undefined) return { secrets, imports: [] };
  if (!Array.isArray(body.imports)) throw bad(origin, `imports is ${kindOf(body.imports)}, not an array`);
  const imports = body.imports.map((entry, index) => {
    const where = `imports[${index}]`;
    if (!isObject(entry)) throw bad(origin, `${where} is ${kindOf(entry)}, not an import object`);
    if (typeof entry.secretPath !== 'string') throw bad(origin, `${where}.secretPath is ${kindOf(entry.secretPath)}, not a string`);
    if (typeof entry.environment !== 'string') throw bad(origin, `${where}.environment is ${kindOf(entry.environment)}, not a string`);
    secretsAt(entry.secrets, `${where}.secrets`, origin);
    return entry as unknown as SecretImport;
  });
  return { secrets, imports };
}

/** `{ secret: Secret }` (single read). */
export function secretAnswer(body: unknown, origin: Origin): { secret: Secret } {
  if (!isObject(body)) throw bad(origin, `the body is ${kindOf(body)}, not a secret answer`);
  return { ...body, secret: secretAt(body.secret, 'secret', origin) };
}

/** `{ secret: Secret }`, or `{ approval }` when a change policy holds the write. */
export function writeAnswer(body: unknown, origin: Origin): SecretWriteResult {
  if (!isObject(body)) throw bad(origin, `the body is ${kindOf(body)}, not a write answer`);
  if (body.secret === undefined && isObject(body.approval)) return body as unknown as SecretWriteResult;
  if (!isObject(body.secret)) throw bad(origin, `secret is ${kindOf(body.secret)}, not a secret object`);
  if (typeof body.secret.secretKey !== 'string') throw bad(origin, `secret.secretKey is ${kindOf(body.secret.secretKey)}, not a string`);
  // A delete answers the removed secret; its value is not needed, so only the key is required.
  return body as unknown as SecretWriteResult;
}

/** Login and renew: a non-empty `accessToken`, finite `expiresIn` and `accessTokenMaxTTL` (seconds, 0 or more). */
export function tokenAnswer(body: unknown, origin: Origin): LoginResponse {
  if (!isObject(body)) throw bad(origin, `the body is ${kindOf(body)}, not a login answer`);
  if (typeof body.accessToken !== 'string' || body.accessToken.trim() === '') throw bad(origin, `accessToken is ${kindOf(body.accessToken)}, not a non-empty string`);
  for (const field of ['expiresIn', 'accessTokenMaxTTL'] as const) {
    const value = body[field];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw bad(origin, `${field} is ${typeof value === 'number' ? 'a negative number' : kindOf(value)}, not a number of seconds`);
    }
  }
  if (body.tokenType !== undefined && typeof body.tokenType !== 'string') throw bad(origin, `tokenType is ${kindOf(body.tokenType)}, not a string`);
  return {
    accessToken: body.accessToken as string,
    expiresIn: body.expiresIn as number,
    accessTokenMaxTTL: body.accessTokenMaxTTL as number,
    tokenType: (body.tokenType as string | undefined) ?? 'Bearer',
  };
}
