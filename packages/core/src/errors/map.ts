import { InfisicalApiError, InfisicalError, InfisicalNetworkError, InfisicalRedirectError, InfisicalResponseError, InfisicalResponseTooLargeError, isTrustedIpError } from 'node-infisical';
import { InfisicalK8sError, isInfisicalK8sError } from './error.js';
import type { InfisicalErrorCode } from './codes.js';

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

/**
 * The server's answer for an unknown project: current servers say `Project with <id> not found` (NotFound, from
 * the permission check every project route runs first); older ones and the emulator `Project with ID '<id>' not
 * found`, or `Project not found`.
 */
function isProjectNotFound(message: string): boolean {
  return /\bproject\b[^.]*\bnot found\b/i.test(message) || /failed to find project/i.test(message);
}

/** A TLS handshake that met plain HTTP (`https://` against an HTTP port). */
function isSchemeMismatch(error: InfisicalNetworkError): boolean {
  const causes: unknown[] = [];
  for (let c: unknown = error; c instanceof Error && causes.length < 5; c = c.cause) causes.push(c);
  return causes.some((c) => /WRONG_VERSION_NUMBER|packet length too long|http request/i.test(`${(c as { code?: unknown }).code ?? ''} ${(c as Error).message}`));
}

const includes = (text: string, ...fragments: string[]) => fragments.some((f) => text.toLowerCase().includes(f.toLowerCase()));

function fromApiError(e: InfisicalApiError, ctx: FailureContext): InfisicalK8sError {
  const message = e.serverMessage;
  const make = (code: InfisicalErrorCode, text: string, hint?: string) =>
    new InfisicalK8sError(code, text, { status: e.status, cause: e, ...(hint ? { hint } : {}), ...(e.retryAfter !== undefined ? { retryAfterMs: e.retryAfter * 1000 } : {}) });
  const where = `${e.method} ${e.path}`;

  if (ctx.phase === 'login') {
    if (message.includes('K8s namespace not allowed')) {
      return make(
        'NAMESPACE_NOT_ALLOWED',
        `Infisical refused the login: the service account's namespace${ctx.namespace ? ` '${ctx.namespace}'` : ''} is not in allowedNamespaces (HTTP ${e.status}).`,
        `Add ${ctx.namespace ? `'${ctx.namespace}'` : "the pod's namespace"} to allowedNamespaces with identityAuth.kubernetes.update, or run the pod in an allowed namespace.`,
      );
    }
    if (message.includes('K8s name not allowed')) {
      return make(
        'NAME_NOT_ALLOWED',
        `Infisical refused the login: the service account${ctx.serviceAccount ? ` '${ctx.serviceAccount}'` : ''} is not in allowedNames (HTTP ${e.status}).`,
        `Add ${ctx.serviceAccount ? `'${ctx.serviceAccount}'` : "the pod's service-account name"} to allowedNames with identityAuth.kubernetes.update, or set the pod's serviceAccountName to an allowed one.`,
      );
    }
    if (message.includes('K8s audience not allowed') || message.includes('invalid for the target audiences')) {
      const token = ctx.audiences?.length ? ` (${ctx.audiences.join(', ')})` : '';
      // Kubernetes itself refused: Infisical asked it for audiences the token lacks. A server that sends no
      // spec.audiences (2024 releases) asks for the API server's own, whatever allowedAudience says.
      const target = /invalid for the target audiences \[([^\]]*)\]/.exec(message)?.[1];
      if (target !== undefined) {
        return make(
          'AUDIENCE_MISMATCH',
          `Kubernetes refused the service-account token${token}: it was reviewed for the audience ${target} (HTTP ${e.status}).`,
          `Mount a token for ${target} (the projected volume's \`audience\`), or, on a server that reviews for allowedAudience (current releases do when it is set), set allowedAudience to the token's audience. Servers from 2024 always review for the API server's own audience: mount a token for it and leave allowedAudience empty.`,
        );
      }
      return make(
        'AUDIENCE_MISMATCH',
        `Infisical refused the login: the token's audience${token} does not match the auth method's allowedAudience (HTTP ${e.status}).`,
      );
    }
    if (e.serverError?.startsWith('KubernetesTokenReviewer') || e.serverError === 'KubernetesTokenReviewRequestError' || e.serverError === 'TokenReviewerPermissionError') {
      return make('TOKEN_REVIEW_FAILED', `Infisical could not review the service-account token: ${e.serverMessage} (HTTP ${e.status}).`);
    }
    if (e.serverError && /^Kubernetes(ConnectionRefused|HostNotFound|ConnectionTimeout|CertificateError|ConnectionError)$/.test(e.serverError)) {
      return make('KUBERNETES_UNREACHABLE', `Infisical could not reach the Kubernetes API server: ${e.serverMessage} (HTTP ${e.status}).`);
    }
    if (e.serverError === 'KubernetesTokenReviewError' || e.serverError === 'KubernetesUsernameParseError') {
      if (includes(message, 'expired')) {
        return make('TOKEN_EXPIRED', `Kubernetes rejected the service-account token as expired (HTTP ${e.status}).`);
      }
      return make('UNAUTHORIZED', `Kubernetes did not authenticate the service-account token: ${e.serverMessage} (HTTP ${e.status}).`, 'The token file holds a token this cluster does not accept (wrong cluster, revoked account or signing key): check the projected volume and the identity\'s kubernetesHost.');
    }
    if (e.status === 404 || (e.status === 401 && message === 'Identity not found')) {
      return make('IDENTITY_NOT_FOUND', `Infisical has no Kubernetes Auth for this identity ID (HTTP ${e.status}: ${e.serverMessage}).`);
    }
    if (e.status === 401) return make('UNAUTHORIZED', `Infisical refused the login: ${e.serverMessage} (HTTP 401).`);
  }

  if (isTrustedIpError(e)) {
    return make('ACCESS_DENIED_IP', `Infisical refused ${where} from this address: it is not in accessTokenTrustedIps (HTTP 403).`);
  }
  if (e.status === 403 && e.serverError === 'TokenError') {
    return make('TOKEN_EXPIRED', `Infisical rejected the access token for ${where}: ${e.serverMessage} (HTTP 403).`, 'The access token expired before it was renewed; core logs in again on its own. If this repeats, check the clock of this host.');
  }
  if (e.status === 404 && isProjectNotFound(message)) {
    return make(
      'PROJECT_NOT_FOUND',
      `Infisical has no project with the ID${ctx.projectId ? ` '${ctx.projectId}'` : ''} (${where}: HTTP 404 ${e.serverMessage}).`,
    );
  }
  if (e.status === 403 || (e.status === 404 && ctx.phase === 'fetch')) {
    return make('PERMISSION_DENIED', `Infisical refused ${where}: ${e.serverMessage} (HTTP ${e.status}).`);
  }
  if (e.status === 401) return make('UNAUTHORIZED', `Infisical refused ${where}: ${e.serverMessage} (HTTP 401).`);
  if (e.status === 429) return make('RATE_LIMITED', `Infisical rate-limited ${where} (HTTP 429${e.retryAfter ? `, retry after ${e.retryAfter} s` : ''}).`);
  if (e.status === 422 || e.status === 400) {
    return make('OPTIONS_INVALID', `Infisical rejected ${where}: ${e.serverMessage} (HTTP ${e.status}).`, 'Check projectId, environment and secretPath of the secrets option.');
  }
  return make('SERVER_ERROR', `Infisical failed ${where} (HTTP ${e.status}${e.serverError ? ` ${e.serverError}` : ''}).`);
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
  if (error instanceof InfisicalNetworkError) {
    if (error.code === 'TLS' && isSchemeMismatch(error)) {
      return new InfisicalK8sError('INFISICAL_UNREACHABLE', `siteUrl${ctx.siteUrl ? ` ${ctx.siteUrl}` : ''} uses https://, but the server answers plain HTTP (no TLS handshake).`, {
        cause: error,
        hint: 'Use the HTTPS port of Infisical (or of the proxy in front of it) in siteUrl; plain http:// is for loopback only. This is not a CA problem.',
      });
    }
    // A TLS server closes a plain-HTTP connection without a word: the client only sees the connection end.
    if (error.code === 'CONNECTION_RESET' && ctx.siteUrl?.startsWith('http://')) {
      return new InfisicalK8sError('INFISICAL_UNREACHABLE', `Could not reach Infisical at ${ctx.siteUrl}: ${error.message}`, {
        cause: error,
        hint: 'siteUrl uses plain http:// and the server closed the connection: if this port serves HTTPS (a TLS server closes plain-HTTP connections at once), use https://. Otherwise check egress and any proxy in front of Infisical.',
      });
    }
    const tls = error.code === 'TLS';
    return new InfisicalK8sError('INFISICAL_UNREACHABLE', `Could not reach Infisical${ctx.siteUrl ? ` at ${ctx.siteUrl}` : ''}: ${error.message}`, {
      cause: error,
      ...(tls ? { hint: "TLS verification failed: pass Infisical's CA with tls.ca (or INFISICAL_CA_PATH). Verification stays on." } : {}),
    });
  }
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
