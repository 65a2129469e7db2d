import { randomBytes } from 'node:crypto';
import { HttpError } from '../http/server.js';

const ALPHANUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `req-` + 14 alphanumerics, as Infisical generates request ids. */
export function requestId(): string {
  const bytes = randomBytes(14);
  let id = 'req-';
  for (const byte of bytes) id += ALPHANUM[byte % ALPHANUM.length];
  return id;
}

/** Infisical's error envelope: `{reqId, statusCode, message, error}`. */
export function envelope(status: number, message: unknown, error: string) {
  return { reqId: requestId(), statusCode: status, message, error };
}

const DEFAULT_NAMES: Record<number, string> = {
  400: 'BadRequest',
  401: 'UnauthorizedError',
  403: 'ForbiddenError',
  404: 'NotFound',
  422: 'ValidationFailure',
  429: 'RateLimitExceeded',
  500: 'InternalServerError',
};

export function fail(status: number, message: unknown, error: string = DEFAULT_NAMES[status] ?? 'Error', headers?: Record<string, string>): never {
  throw new HttpError(status, envelope(status, message, error), headers);
}

export interface ZodLikeIssue {
  code: string;
  message: string;
  path: Array<string | number>;
  expected?: string;
  received?: string;
}

/** A 422 as the server's zod validator produces: `message` is the issues array. */
export function validationFailure(issues: ZodLikeIssue[]): never {
  fail(422, issues, 'ValidationFailure');
}
