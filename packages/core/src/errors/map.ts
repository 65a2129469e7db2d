import { InfisicalApiError, InfisicalError, InfisicalNetworkError, InfisicalRedirectError, InfisicalResponseError, InfisicalResponseTooLargeError } from 'node-infisical';
import { fromApiError } from './api-map.js';
import { InfisicalK8sError, isInfisicalK8sError } from './error.js';

/** What core knows about the caller when a call fails; used to name the fix. */
export interface FailureContext {
  phase: 'login' | 'renew' | 'fetch' | 'subscribe';
  /** From the service-account token's claims, decoded locally (never the token itself). */
  namespace?: string | undefined;
  serviceAccount?: string | undefined;
  audiences?: string[] | undefined;
  siteUrl?: string;
  /** The source's project, named when the server does not know it. */
  projectId?: string | undefined;
  /** The core option that sets the client's body cap, named when it is exceeded. */
  maxResponseBytes?: number | undefined;
}

/** A TLS handshake that met plain HTTP (`https://` against an HTTP port). */
function isSchemeMismatch(error: InfisicalNetworkError): boolean {
  const causes: unknown[] = [];
  for (let c: unknown = error; c instanceof Error && causes.length < 5; c = c.cause) causes.push(c);
  return causes.some((c) => /WRONG_VERSION_NUMBER|packet length too long|http request/i.test(`${(c as { code?: unknown }).code ?? ''} ${(c as Error).message}`));
}

/** The fix for a failure that had no answer, in core's options (the client's own message speaks of its `baseUrl`). */
const NETWORK_HINTS: Partial<Record<InfisicalNetworkError['code'], string>> = {
  CONNECTION_REFUSED: 'Nothing accepts connections at siteUrl (INFISICAL_SITE_URL): check its host and port, and that Infisical is running.',
  DNS: 'The host name in siteUrl (INFISICAL_SITE_URL) does not resolve from here: check its spelling and the cluster DNS.',
  TIMEOUT: 'Infisical did not answer in time: check siteUrl (INFISICAL_SITE_URL), egress from the pod and any proxy in front of Infisical; for a slow server raise client.timeoutMs.',
  TLS: "TLS verification failed: pass Infisical's CA with tls.ca (or INFISICAL_CA_PATH). Verification stays on.",
};

/** No HTTP answer: says once what failed, where (the siteUrl the user set) and on which call; the hint names the fix. */
function fromNetworkError(error: InfisicalNetworkError, ctx: FailureContext): InfisicalK8sError {
  if (error.code === 'TLS' && isSchemeMismatch(error)) {
    return new InfisicalK8sError('INFISICAL_UNREACHABLE', `siteUrl${ctx.siteUrl ? ` ${ctx.siteUrl}` : ''} uses https://, but the server answers plain HTTP (no TLS handshake).`, {
      cause: error,
      hint: 'Use the HTTPS port of Infisical (or of the proxy in front of it) in siteUrl; plain http:// is for loopback only. This is not a CA problem.',
    });
  }
  const message = `Could not reach Infisical${ctx.siteUrl ? ` at ${ctx.siteUrl}` : ''} (${error.method} ${error.path}): ${error.problem}.`;
  // A TLS server closes a plain-HTTP connection without a word: the client only sees the connection end.
  if (error.code === 'CONNECTION_RESET' && ctx.siteUrl?.startsWith('http://')) {
    return new InfisicalK8sError('INFISICAL_UNREACHABLE', message, {
      cause: error,
      hint: 'siteUrl uses plain http:// and the server closed the connection: if this port serves HTTPS (a TLS server closes plain-HTTP connections at once), use https://. Otherwise check egress and any proxy in front of Infisical.',
    });
  }
  const hint = NETWORK_HINTS[error.code];
  return new InfisicalK8sError('INFISICAL_UNREACHABLE', message, { cause: error, ...(hint ? { hint } : {}) });
}

/**
 * Maps whatever a call threw to one typed error with a code and a fix. Messages of the server are
 * kept (they hold no secrets); tokens and values never reach here.
 */
export function toInfisicalK8sError(error: unknown, ctx: FailureContext): InfisicalK8sError {
  if (isInfisicalK8sError(error)) return error;
  if (error instanceof InfisicalRedirectError) {
    const { status, location } = error;
    return new InfisicalK8sError(
      'SITE_URL_REDIRECTED',
      `Infisical${ctx.siteUrl ? ` at ${ctx.siteUrl}` : ''} answered with a redirect${status ? ` (HTTP ${status})` : ''}${location ? ` to ${location}` : ''}; redirects are not followed, so the access token never goes elsewhere.`,
      {
        cause: error,
        ...(status !== undefined ? { status } : {}),
        ...(location ? { hint: `Set siteUrl (INFISICAL_SITE_URL) to ${location}, the URL the redirect names.` } : {}),
      },
    );
  }
  if (error instanceof InfisicalResponseTooLargeError) {
    const limit = error.limitBytes;
    return new InfisicalK8sError(
      'RESPONSE_TOO_LARGE',
      `Infisical's answer to ${error.method} ${error.path} is larger than maxResponseBytes (${limit} bytes): the folder holds more secrets than the cap allows.`,
      { cause: error, hint: `Raise the maxResponseBytes option above ${limit} (about 1 KiB per secret), or split the folder into several sources.` },
    );
  }
  if (error instanceof InfisicalApiError) return fromApiError(error, ctx);
  if (error instanceof InfisicalNetworkError) return fromNetworkError(error, ctx);
  if (error instanceof InfisicalResponseError) {
    // A 2xx that is not what Infisical sends (a proxy page, a truncated body, not a secret list): transient, and the
    // last good snapshot stays. An error status with a foreign body (a proxy's HTML 502) is a server error.
    const ok = error.status >= 200 && error.status < 300;
    return new InfisicalK8sError(ok ? 'BAD_RESPONSE' : 'SERVER_ERROR', error.message, { status: error.status, cause: error });
  }
  if (error instanceof InfisicalError) {
    return new InfisicalK8sError('OPTIONS_INVALID', error.message, { cause: error });
  }
  return new InfisicalK8sError('SERVER_ERROR', `Unexpected failure during ${ctx.phase}: ${error instanceof Error ? error.name : 'unknown error'}`, { cause: error });
}
