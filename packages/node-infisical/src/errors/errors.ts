import { hintFor } from './hints.js';
import { classifyAnswer, type InfisicalApiErrorReason } from './reason.js';
import { scrubCredentials } from './redact.js';

/**
 * Base class of every error this client throws: a stable `code`, a `name`, and a message that says
 * what to fix. No message, `toJSON()` or `util.inspect` output holds an access token, a JWT, a client
 * secret or a secret value.
 *
 * @example
 * try {
 *   await client.secrets.list({ projectId, environment: 'prod' });
 * } catch (error) {
 *   if (error instanceof InfisicalError) console.error(error.code, error.message);
 * }
 */
export class InfisicalError extends Error {
  /** Stable, machine-readable: `INVALID_ARGUMENT`, `HTTP_<status>`, a network code, `BAD_RESPONSE`, `REDIRECT` or `RESPONSE_TOO_LARGE`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InfisicalError';
    this.code = code;
  }
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message };
  }
}

/**
 * Input rejected before any request was sent (`code: 'INVALID_ARGUMENT'`); `field` names the option.
 *
 * @example
 * catch (error) {
 *   if (error instanceof InfisicalValidationError) console.error(`fix ${error.field}: ${error.message}`);
 * }
 */
export class InfisicalValidationError extends InfisicalError {
  declare readonly code: 'INVALID_ARGUMENT';
  /** The option at fault, e.g. `kubernetesAuth.jwt` or `accessTokenTTL`. */
  readonly field: string;
  constructor(field: string, message: string) {
    super('INVALID_ARGUMENT', `${field}: ${message}`);
    this.name = 'InfisicalValidationError';
    this.field = field;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), field: this.field };
  }
}

/**
 * What the transport knows about a non-2xx answer (the constructor argument of `InfisicalApiError`).
 *
 * @example
 * const details: ApiErrorDetails = { status: 401, serverError: 'UnauthorizedError', serverMessage: 'Token missing', reqId: undefined, method: 'GET', path: '/api/v4/secrets', retryAfter: undefined };
 */
export interface ApiErrorDetails {
  status: number;
  serverError: string | undefined;
  serverMessage: string;
  reqId: string | undefined;
  method: string;
  path: string;
  retryAfter: number | undefined;
}

/**
 * The server answered with a non-2xx status. `code` is `HTTP_<status>` (e.g. `HTTP_401`);
 * `serverError` keeps the `error` name of Infisical's envelope (`UnauthorizedError`, `TokenError`,
 * `KubernetesTokenReviewError`, ...) and `serverMessage` its message (for a 422, a summary of the
 * failing fields). `path` never includes the query string. `reason` says why (one stable word for each case
 * users meet) and `hint` what to do about it.
 *
 * @example
 * catch (error) {
 *   if (error instanceof InfisicalApiError && error.status === 401) console.error(error.serverMessage, error.hint);
 * }
 */
export class InfisicalApiError extends InfisicalError {
  /** HTTP status. */
  readonly status: number;
  /** The `error` field of the server's envelope, if any. */
  readonly serverError: string | undefined;
  /** The server's message (JWT-shaped text removed). */
  readonly serverMessage: string;
  /** The server's request id, for support tickets. */
  readonly reqId: string | undefined;
  readonly method: string;
  /** Request path without the query string. */
  readonly path: string;
  /** Seconds from `Retry-After`, when sent. */
  readonly retryAfter: number | undefined;
  /** Why, read once from status, `serverError` and message: switch on this, not on the server's text. */
  readonly reason: InfisicalApiErrorReason;
  /** What to do about it, for the answers users meet most. */
  readonly hint: string | undefined;
  constructor(details: ApiErrorDetails) {
    const serverMessage = scrubCredentials(details.serverMessage);
    const reason = classifyAnswer(details.status, details.serverError, serverMessage);
    const hint = hintFor(reason, details.method);
    const label = details.serverError ? `${details.status} ${details.serverError}` : `${details.status}`;
    super(
      `HTTP_${details.status}`,
      `Infisical answered ${label} to ${details.method} ${details.path}: ${serverMessage}` +
        `${hint ? ` Fix: ${hint}.` : ''}${details.reqId ? ` (reqId ${details.reqId})` : ''}`,
    );
    this.name = 'InfisicalApiError';
    this.status = details.status;
    this.serverError = details.serverError;
    this.serverMessage = serverMessage;
    this.reqId = details.reqId;
    this.method = details.method;
    this.path = details.path;
    this.retryAfter = details.retryAfter;
    this.reason = reason;
    this.hint = hint;
  }
  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      status: this.status,
      serverError: this.serverError,
      serverMessage: this.serverMessage,
      reqId: this.reqId,
      method: this.method,
      path: this.path,
      retryAfter: this.retryAfter,
      reason: this.reason,
      hint: this.hint,
    };
  }
}

/**
 * Why a request got no HTTP answer.
 *
 * @example
 * const retryable: NetworkErrorCode[] = ['TIMEOUT', 'CONNECTION_RESET', 'CONNECTION_REFUSED'];
 */
export type NetworkErrorCode = 'TIMEOUT' | 'CONNECTION_REFUSED' | 'CONNECTION_RESET' | 'DNS' | 'TLS' | 'NETWORK';

/**
 * The request never got an HTTP answer: timeout, refused or reset connection, DNS or TLS failure.
 * `cause` keeps the underlying error.
 *
 * @example
 * catch (error) {
 *   if (error instanceof InfisicalNetworkError && error.code === 'TLS') console.error('pass tls.ca');
 * }
 */
export class InfisicalNetworkError extends InfisicalError {
  declare readonly code: NetworkErrorCode;
  readonly method: string;
  /** Request path without the query string. */
  readonly path: string;
  /** What went wrong, without the fix (`connection refused`, `host not found (ENOTFOUND)`): for callers that word the fix themselves. */
  readonly problem: string;
  constructor(code: NetworkErrorCode, method: string, path: string, detail: string, cause?: unknown, options: { problem?: string } = {}) {
    super(code, `Could not reach Infisical for ${method} ${path}: ${detail}`, { cause });
    this.name = 'InfisicalNetworkError';
    this.method = method;
    this.path = path;
    this.problem = options.problem ?? detail;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), method: this.method, path: this.path };
  }
}

/**
 * An answer that is not what Infisical sends (`code: 'BAD_RESPONSE'`): malformed JSON, an HTML page
 * (usually a proxy or load balancer), a body over the size cap, or a stream that broke its framing.
 *
 * @example
 * catch (error) {
 *   if (error instanceof InfisicalResponseError) console.error(`is baseUrl really Infisical? ${error.message}`);
 * }
 */
export class InfisicalResponseError extends InfisicalError {
  declare readonly code: 'BAD_RESPONSE';
  readonly status: number;
  readonly method: string;
  /** Request path without the query string. */
  readonly path: string;
  /** The answer was an HTML page (a proxy, a login page, or the web app's own 404 page). */
  readonly htmlPage: boolean;
  constructor(status: number, method: string, path: string, detail: string, options: { htmlPage?: boolean } = {}) {
    super('BAD_RESPONSE', `Unexpected response to ${method} ${path} (HTTP ${status}): ${detail}`);
    this.name = 'InfisicalResponseError';
    this.status = status;
    this.method = method;
    this.path = path;
    this.htmlPage = options.htmlPage ?? false;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), status: this.status, method: this.method, path: this.path, htmlPage: this.htmlPage };
  }
}

/**
 * The server answered with a redirect (`code: 'REDIRECT'`). Redirects are never followed, so the
 * access token, a login JWT or a client secret never reach another origin; `location` is only the
 * target's origin (never its path or query), or undefined when the answer named none.
 *
 * @example
 * catch (error) {
 *   if (error instanceof InfisicalRedirectError) console.error(`set baseUrl to ${error.location ?? 'the final URL'}`);
 * }
 */
export class InfisicalRedirectError extends InfisicalError {
  declare readonly code: 'REDIRECT';
  readonly status: number;
  readonly method: string;
  /** Request path without the query string. */
  readonly path: string;
  /** The origin the server pointed to (`https://host:port`), or undefined. */
  readonly location: string | undefined;
  constructor(status: number, method: string, path: string, location: string | undefined) {
    const target = location ? `to ${location}` : 'without a usable Location';
    super(
      'REDIRECT',
      `Infisical answered ${status} to ${method} ${path} with a redirect ${target}; redirects are not followed so credentials never leave baseUrl's origin. ` +
        `Fix: set baseUrl (siteUrl) to the final URL${location ? `, e.g. ${location}` : ''} (often http:// to https:// or a changed host name).`,
    );
    this.name = 'InfisicalRedirectError';
    this.status = status;
    this.method = method;
    this.path = path;
    this.location = location;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), status: this.status, method: this.method, path: this.path, location: this.location };
  }
}

/**
 * An answer larger than `maxResponseBytes` (`code: 'RESPONSE_TOO_LARGE'`): the body was cancelled,
 * never buffered whole, and the request is not retried (the same request would get the same answer).
 * Event streams raise it for an event or a line over their caps.
 *
 * @example
 * catch (error) {
 *   if (error instanceof InfisicalResponseTooLargeError) console.error(`raise maxResponseBytes above ${error.limitBytes}`);
 * }
 */
export class InfisicalResponseTooLargeError extends InfisicalError {
  declare readonly code: 'RESPONSE_TOO_LARGE';
  readonly status: number;
  readonly method: string;
  /** Request path without the query string. */
  readonly path: string;
  /** The cap that was passed, in bytes. */
  readonly limitBytes: number;
  constructor(status: number, method: string, path: string, limitBytes: number, what = 'a body') {
    super(
      'RESPONSE_TOO_LARGE',
      `Response to ${method} ${path} (HTTP ${status}) is too large: ${what} over ${limitBytes} bytes. Fix: raise maxResponseBytes if the folder really is that big, else check baseUrl points at Infisical.`,
    );
    this.name = 'InfisicalResponseTooLargeError';
    this.status = status;
    this.method = method;
    this.path = path;
    this.limitBytes = limitBytes;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), status: this.status, method: this.method, path: this.path, limitBytes: this.limitBytes };
  }
}
