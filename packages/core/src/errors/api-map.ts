import type { InfisicalApiError, InfisicalApiErrorReason } from 'node-infisical';
import { InfisicalK8sError } from './error.js';
import type { InfisicalErrorCode } from './codes.js';
import type { FailureContext } from './map.js';

/** What a table entry writes: the code, the message, and a hint when the catalog's own is not specific enough. */
type Outcome = readonly [code: InfisicalErrorCode, message: string, hint?: string];
type Entry = (e: InfisicalApiError, ctx: FailureContext) => Outcome;

const tokenReviewFailed: Entry = (e) => ['TOKEN_REVIEW_FAILED', `Infisical could not review the service-account token: ${e.serverMessage} (HTTP ${e.status}).`];
const identityNotFound: Entry = (e) => ['IDENTITY_NOT_FOUND', `Infisical has no Kubernetes Auth for this identity ID (HTTP ${e.status}: ${e.serverMessage}).`];

function audienceMismatch(e: InfisicalApiError, ctx: FailureContext): Outcome {
  const token = ctx.audiences?.length ? ` (${ctx.audiences.join(', ')})` : '';
  // Kubernetes itself refused: Infisical asked it for audiences the token lacks. A server that sends no
  // spec.audiences (2024 releases) asks for the API server's own, whatever allowedAudience says.
  const target = /invalid for the target audiences \[([^\]]*)\]/.exec(e.serverMessage)?.[1];
  if (target === undefined) {
    return ['AUDIENCE_MISMATCH', `Infisical refused the login: the token's audience${token} does not match the auth method's allowedAudience (HTTP ${e.status}).`];
  }
  return [
    'AUDIENCE_MISMATCH',
    `Kubernetes refused the service-account token${token}: it was reviewed for the audience ${target} (HTTP ${e.status}).`,
    `Mount a token for ${target} (the projected volume's \`audience\`), or, on a server that reviews for allowedAudience (current releases do when it is set), set allowedAudience to the token's audience. Servers from 2024 always review for the API server's own audience: mount a token for it and leave allowedAudience empty.`,
  ];
}

/** Answers to a login, by reason: read first when the phase is `login`. */
export const LOGIN_REASONS: Partial<Record<InfisicalApiErrorReason, Entry>> = {
  'namespace-not-allowed': (e, ctx) => [
    'NAMESPACE_NOT_ALLOWED',
    `Infisical refused the login: the service account's namespace${ctx.namespace ? ` '${ctx.namespace}'` : ''} is not in allowedNamespaces (HTTP ${e.status}).`,
    `Add ${ctx.namespace ? `'${ctx.namespace}'` : "the pod's namespace"} to allowedNamespaces with identityAuth.kubernetes.update, or run the pod in an allowed namespace.`,
  ],
  'name-not-allowed': (e, ctx) => [
    'NAME_NOT_ALLOWED',
    `Infisical refused the login: the service account${ctx.serviceAccount ? ` '${ctx.serviceAccount}'` : ''} is not in allowedNames (HTTP ${e.status}).`,
    `Add ${ctx.serviceAccount ? `'${ctx.serviceAccount}'` : "the pod's service-account name"} to allowedNames with identityAuth.kubernetes.update, or set the pod's serviceAccountName to an allowed one.`,
  ],
  'audience-mismatch': audienceMismatch,
  'token-reviewer-invalid': tokenReviewFailed,
  'token-reviewer-forbidden': tokenReviewFailed,
  'token-review-failed': tokenReviewFailed,
  'token-review-request-failed': tokenReviewFailed,
  'kubernetes-unreachable': (e) => ['KUBERNETES_UNREACHABLE', `Infisical could not reach the Kubernetes API server: ${e.serverMessage} (HTTP ${e.status}).`],
  'service-account-token-expired': (e) => ['TOKEN_EXPIRED', `Kubernetes rejected the service-account token as expired (HTTP ${e.status}).`],
  'service-account-token-rejected': (e) => [
    'UNAUTHORIZED',
    `Kubernetes did not authenticate the service-account token: ${e.serverMessage} (HTTP ${e.status}).`,
    "The token file holds a token this cluster does not accept (wrong cluster, revoked account or signing key): check the projected volume and the identity's kubernetesHost.",
  ],
  'identity-not-found': identityNotFound,
  'kubernetes-auth-not-found': identityNotFound,
};

/** A login answer no reason above covers, by status: any 404 means the identity (or its auth method) is unknown. */
export const LOGIN_STATUSES: Partial<Record<number, Entry>> = {
  404: identityNotFound,
  401: (e) => ['UNAUTHORIZED', `Infisical refused the login: ${e.serverMessage} (HTTP 401).`],
};

const where = (e: InfisicalApiError) => `${e.method} ${e.path}`;

/** Answers to any call, by reason. */
export const REASONS: Partial<Record<InfisicalApiErrorReason, Entry>> = {
  'trusted-ip': (e) => ['ACCESS_DENIED_IP', `Infisical refused ${where(e)} from this address: it is not in accessTokenTrustedIps (HTTP 403).`],
  'token-expired': (e) => [
    'TOKEN_EXPIRED',
    `Infisical rejected the access token for ${where(e)}: ${e.serverMessage} (HTTP 403).`,
    'The access token expired before it was renewed; core logs in again on its own. If this repeats, check the clock of this host.',
  ],
  'project-not-found': (e, ctx) => [
    'PROJECT_NOT_FOUND',
    `Infisical has no project with the ID${ctx.projectId ? ` '${ctx.projectId}'` : ''} (${where(e)}: HTTP ${e.status} ${e.serverMessage}).`,
  ],
};

const permissionDenied: Entry = (e) => ['PERMISSION_DENIED', `Infisical refused ${where(e)}: ${e.serverMessage} (HTTP ${e.status}).`];
const optionsInvalid: Entry = (e) => ['OPTIONS_INVALID', `Infisical rejected ${where(e)}: ${e.serverMessage} (HTTP ${e.status}).`, 'Check projectId, environment and secretPath of the secrets option.'];

/** Whatever is left, by status; anything else is SERVER_ERROR. */
export const STATUSES: Partial<Record<number, Entry>> = {
  403: permissionDenied,
  401: (e) => ['UNAUTHORIZED', `Infisical refused ${where(e)}: ${e.serverMessage} (HTTP 401).`],
  429: (e) => ['RATE_LIMITED', `Infisical rate-limited ${where(e)} (HTTP 429${e.retryAfter ? `, retry after ${e.retryAfter} s` : ''}).`],
  422: optionsInvalid,
  400: optionsInvalid,
};

const serverError: Entry = (e) => ['SERVER_ERROR', `Infisical failed ${where(e)} (HTTP ${e.status}${e.serverError ? ` ${e.serverError}` : ''}).`];

/** The first entry that applies: the login tables in the login phase, then the reason, then the status. */
function entryFor(e: InfisicalApiError, ctx: FailureContext): Entry {
  const login = ctx.phase === 'login' ? (LOGIN_REASONS[e.reason] ?? LOGIN_STATUSES[e.status]) : undefined;
  // A 404 while fetching secrets is how Infisical hides a folder the identity may not read.
  const fetch404 = ctx.phase === 'fetch' && e.status === 404 ? permissionDenied : undefined;
  return login ?? REASONS[e.reason] ?? fetch404 ?? STATUSES[e.status] ?? serverError;
}

/** Infisical's refusal as core's typed error, through the tables above. */
export function fromApiError(e: InfisicalApiError, ctx: FailureContext): InfisicalK8sError {
  const [code, message, hint] = entryFor(e, ctx)(e, ctx);
  return new InfisicalK8sError(code, message, { status: e.status, cause: e, ...(hint ? { hint } : {}), ...(e.retryAfter !== undefined ? { retryAfterMs: e.retryAfter * 1000 } : {}) });
}
