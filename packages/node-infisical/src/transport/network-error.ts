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
  const [kind, problem, fix] = timedOut ? (['TIMEOUT', `no answer within ${timeoutMs} ms`, 'timeoutMs'] as const) : classify(error);
  return new InfisicalNetworkError(kind, method, path, fix === 'timeoutMs' ? `${problem} (timeoutMs)` : fix ? `${problem}: ${fix}` : problem, error, { problem });
}

/** The kind, what went wrong (no option names: core words the fix in its own options) and the client's fix. */
function classify(error: unknown): readonly [NetworkErrorCode, string, string?] {
  const code = causeCode(error);
  if (code === 'ECONNREFUSED') return ['CONNECTION_REFUSED', 'connection refused', 'check baseUrl and that Infisical is running'];
  if (code === 'ECONNRESET' || code === 'EPIPE') return ['CONNECTION_RESET', 'connection reset by the server or a proxy'];
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return ['DNS', `host not found (${code})`, 'check baseUrl'];
  if (code === 'ETIMEDOUT') return ['TIMEOUT', 'connection timed out'];
  if (code && (TLS_CODES.has(code) || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.includes('CERT'))) {
    return ['TLS', `TLS verification failed (${code})`, "pass the server's CA with tls.ca"];
  }
  if (code) return ['NETWORK', `network error ${code}`];
  if (isBadPort(error)) return ['NETWORK', 'fetch refuses this port (WHATWG "bad port" list)', 'serve Infisical on another port'];
  return ['NETWORK', 'network error'];
}
