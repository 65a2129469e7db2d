/** Every error this client throws extends `InfisicalError` and carries a stable `code`. */
export class InfisicalError extends Error {
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

/** Input rejected before any request was sent. */
export class InfisicalValidationError extends InfisicalError {
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
 * The server answered with a non-2xx status. `serverError` is the `error` field of Infisical's
 * envelope (for example `UnauthorizedError`, `TokenError`, `KubernetesTokenReviewError`).
 */
export class InfisicalApiError extends InfisicalError {
  readonly status: number;
  readonly serverError: string | undefined;
  readonly serverMessage: string;
  readonly reqId: string | undefined;
  readonly method: string;
  readonly path: string;
  readonly retryAfter: number | undefined;
  constructor(details: ApiErrorDetails) {
    const label = details.serverError ? `${details.status} ${details.serverError}` : `${details.status}`;
    super(
      `HTTP_${details.status}`,
      `Infisical answered ${label} to ${details.method} ${details.path}: ${details.serverMessage}${details.reqId ? ` (reqId ${details.reqId})` : ''}`,
    );
    this.name = 'InfisicalApiError';
    this.status = details.status;
    this.serverError = details.serverError;
    this.serverMessage = details.serverMessage;
    this.reqId = details.reqId;
    this.method = details.method;
    this.path = details.path;
    this.retryAfter = details.retryAfter;
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
    };
  }
}

export type NetworkErrorCode = 'TIMEOUT' | 'CONNECTION_REFUSED' | 'CONNECTION_RESET' | 'DNS' | 'TLS' | 'NETWORK';

/** The request never got an HTTP answer: timeout, refused or reset connection, DNS or TLS failure. */
export class InfisicalNetworkError extends InfisicalError {
  declare readonly code: NetworkErrorCode;
  readonly method: string;
  readonly path: string;
  constructor(code: NetworkErrorCode, method: string, path: string, detail: string, cause?: unknown) {
    super(code, `Could not reach Infisical for ${method} ${path}: ${detail}`, { cause });
    this.name = 'InfisicalNetworkError';
    this.method = method;
    this.path = path;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), method: this.method, path: this.path };
  }
}

/** An answer that is not what Infisical sends: malformed JSON, an HTML page, an oversized body. */
export class InfisicalResponseError extends InfisicalError {
  readonly status: number;
  readonly method: string;
  readonly path: string;
  constructor(status: number, method: string, path: string, detail: string) {
    super('BAD_RESPONSE', `Unexpected response to ${method} ${path} (HTTP ${status}): ${detail}`);
    this.name = 'InfisicalResponseError';
    this.status = status;
    this.method = method;
    this.path = path;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), status: this.status, method: this.method, path: this.path };
  }
}
