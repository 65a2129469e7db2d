import { InfisicalNetworkError, type NetworkErrorCode } from '../errors/errors.js';

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_NOT_YET_VALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET' && code !== 'UND_ERR_CONNECT_TIMEOUT') return code;
    if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'ETIMEDOUT';
    if (code === 'UND_ERR_SOCKET') return 'ECONNRESET';
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** fetch refuses some ports outright (the WHATWG "bad port" list) without touching the network. */
function isBadPort(error: unknown): boolean {
  const cause = (error as { cause?: { message?: unknown } } | undefined)?.cause;
  return cause?.message === 'bad port';
}

/** Maps whatever fetch threw to a typed network error, without copying messages that could echo a URL with a token. */
export function toNetworkError(error: unknown, method: string, path: string, timedOut: boolean, timeoutMs: number): InfisicalNetworkError {
  if (timedOut) return new InfisicalNetworkError('TIMEOUT', method, path, `no answer within ${timeoutMs} ms (timeoutMs)`, error);
  const code = causeCode(error);
  let kind: NetworkErrorCode = 'NETWORK';
  let detail = code ? `network error ${code}` : isBadPort(error) ? 'fetch refuses this port (WHATWG "bad port" list): serve Infisical on another port' : 'network error';
  if (code === 'ECONNREFUSED') {
    kind = 'CONNECTION_REFUSED';
    detail = 'connection refused: check baseUrl and that Infisical is running';
  } else if (code === 'ECONNRESET' || code === 'EPIPE') {
    kind = 'CONNECTION_RESET';
    detail = 'connection reset by the server or a proxy';
  } else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    kind = 'DNS';
    detail = `host not found (${code}): check baseUrl`;
  } else if (code === 'ETIMEDOUT') {
    kind = 'TIMEOUT';
    detail = 'connection timed out';
  } else if (code && (TLS_CODES.has(code) || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.includes('CERT'))) {
    kind = 'TLS';
    detail = `TLS verification failed (${code}): pass the server's CA with tls.ca`;
  }
  return new InfisicalNetworkError(kind, method, path, detail, error);
}
