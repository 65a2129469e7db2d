import { inspect } from 'node:util';
import { scrubCredentials as scrubTokens } from 'node-infisical';
import { errorCatalog, type InfisicalErrorCode } from './codes.js';

/**
 * One failing key of a schema: its path and the kind of issue, built from the schema library's issue codes
 * (`invalid_format email`, `invalid_type (expected number)`, `missing`, `threw`), never from its messages,
 * which quote values.
 *
 * @example
 * error.issues?.forEach(({ path, message }) => console.error(`${path}: ${message}`));
 */
export interface ConfigIssue {
  /** The key (`DATABASE_URL`), dotted for nested schemas (`CREDENTIALS.private_key`). */
  path: string;
  /** The kind of issue, in the library's vocabulary; never derived from the value. */
  message: string;
}

/**
 * The one error type core and the adapters throw or emit: a stable `code`, a `hint` that names the fix,
 * never a secret value, access token or JWT (not in `message`, `toJSON()` or `util.inspect`).
 *
 * @example
 * try { await config.ready(); } catch (e) { if (e instanceof InfisicalK8sError) console.error(e.code, e.hint); }
 */
export class InfisicalK8sError extends Error {
  readonly code: InfisicalErrorCode;
  readonly hint: string;
  readonly status: number | undefined;
  readonly issues: readonly ConfigIssue[] | undefined;
  /** How long the server asked to be left alone (its `Retry-After`, in ms), when it said; core never retries sooner. */
  readonly retryAfterMs: number | undefined;

  constructor(code: InfisicalErrorCode, message: string, options: { hint?: string; status?: number; issues?: ConfigIssue[]; cause?: unknown; retryAfterMs?: number } = {}) {
    super(scrubTokens(message));
    this.name = 'InfisicalK8sError';
    this.code = code;
    this.hint = scrubTokens(options.hint ?? errorCatalog[code].hint);
    this.status = options.status;
    this.issues = options.issues ? Object.freeze([...options.issues]) : undefined;
    this.retryAfterMs = options.retryAfterMs;
    // `cause` stays off the enumerable surface: a transport error could echo more than we show.
    if (options.cause !== undefined) Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false });
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, hint: this.hint, status: this.status, issues: this.issues, ...(this.retryAfterMs !== undefined ? { retryAfterMs: this.retryAfterMs } : {}) };
  }

  [inspect.custom](): string {
    const issues = this.issues?.length ? `\n  issues: ${this.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}` : '';
    return `${this.name} [${this.code}]: ${this.message}\n  hint: ${this.hint}${issues}\n${(this.stack ?? '').split('\n').slice(1).join('\n')}`;
  }
}

/**
 * True for errors of this library, across duplicated copies of the package (recognised by name and code).
 *
 * @example
 * app.use((err, req, res, next) => (isInfisicalK8sError(err) ? res.status(503).json({ code: err.code }) : next(err)));
 */
export function isInfisicalK8sError(error: unknown): error is InfisicalK8sError {
  return error instanceof InfisicalK8sError || (error instanceof Error && error.name === 'InfisicalK8sError' && typeof (error as { code?: unknown }).code === 'string');
}
