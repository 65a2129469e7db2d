import picomatch from 'picomatch';
import type { Router, RouteRequest } from '../../http/router.js';
import { seconds } from '../../clock.js';
import { fail } from '../errors.js';
import { Check } from '../validation.js';
import { callKubernetes, failOnKubernetesStatus } from '../kubernetes-client.js';
import type { InfisicalContext } from '../context.js';
import type { AccessTokens } from '../access-tokens.js';
import type { KubernetesAuthRecord } from '../state.js';

/** Comma list, trimmed, empty = any; current servers also take picomatch globs, 2024 servers only equality. */
function listMatches(list: string, value: string, globs: boolean): boolean {
  if (!list.trim()) return true;
  return list
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .some((entry) => entry === value || (globs && picomatch.isMatch(value, entry)));
}

/** The cluster's verdict on a service-account JWT: the TokenReview through the API server, and its user. */
async function reviewToken(ctx: InfisicalContext, auth: KubernetesAuthRecord, jwt: string) {
  const current = ctx.options.generation === 'current';
  const answer = await callKubernetes({
    host: auth.kubernetesHost!,
    caCert: auth.caCert,
    timeoutMs: ctx.options.kubernetesTimeoutMs,
    method: 'POST',
    path: '/apis/authentication.k8s.io/v1/tokenreviews',
    // No stored reviewer: the incoming token has to act as reviewer.
    bearer: auth.tokenReviewerJwt || jwt,
    body: {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      // Current servers let the API server check the audience; 2024 servers sent none and compared afterwards.
      spec: { token: jwt, ...(current && auth.allowedAudience ? { audiences: [auth.allowedAudience] } : {}) },
    },
  });
  failOnKubernetesStatus(answer);
  const review = (answer.body ?? {}) as { status?: { error?: string; authenticated?: boolean; user?: { username?: string }; audiences?: string[] } };
  if (review.status?.error) fail(401, review.status.error, 'KubernetesTokenReviewError');
  if (review.status?.authenticated !== true) fail(401, 'Kubernetes token not authenticated', 'KubernetesTokenReviewError');
  const username = review.status.user?.username ?? '';
  const parts = username.split(':');
  if (parts.length !== 4 || parts[0] !== 'system' || parts[1] !== 'serviceaccount') {
    fail(400, `Invalid Kubernetes service account username format: "${username}". Expected format: system:serviceaccount:<namespace>:<name>`, 'KubernetesUsernameParseError');
  }
  return { namespace: parts[2]!, name: parts[3]!, audiences: review.status.audiences ?? [] };
}

async function kubernetesLogin(ctx: InfisicalContext, req: RouteRequest) {
  const current = ctx.options.generation === 'current';
  const check = Check.of(req.body);
  const identityId = check.string('identityId', { required: true });
  const jwt = check.string('jwt', { required: true });
  check.done();
  const auth = ctx.state.kubernetesAuth.get(identityId!);
  if (!auth) fail(404, 'Kubernetes auth method not found for identity, did you configure Kubernetes auth?', 'NotFound');
  const identity = ctx.state.identities.get(auth.identityId);
  if (!identity) fail(401, 'Identity not found', 'UnauthorizedError');
  if (auth.tokenReviewMode === 'gateway') fail(400, 'Gateway token review is not available in the emulator; use tokenReviewMode "api".', 'KubernetesAuthLoginError');
  if (!auth.kubernetesHost) fail(400, 'Kubernetes host is required when token review mode is set to API', 'BadRequest');
  const { namespace, name, audiences } = await reviewToken(ctx, auth, jwt!);
  if (!listMatches(auth.allowedNamespaces, namespace, current)) fail(401, 'Access denied: K8s namespace not allowed.', 'UnauthorizedError');
  if (!listMatches(auth.allowedNames, name, current)) fail(401, 'Access denied: K8s name not allowed.', 'UnauthorizedError');
  if (auth.allowedAudience && !audiences.includes(auth.allowedAudience)) fail(401, 'Access denied: K8s audience not allowed.', 'UnauthorizedError');
  const issued = await ctx.tokens.issue(
    identity,
    'kubernetes-auth',
    { ttl: auth.accessTokenTTL, maxTtl: auth.accessTokenMaxTTL, numUsesLimit: auth.accessTokenNumUsesLimit },
    { identityAuth: { kubernetes: { namespace, name } } },
  );
  return { status: 200, body: issued };
}

async function universalLogin(ctx: InfisicalContext, req: RouteRequest) {
  const check = Check.of(req.body);
  const clientId = check.string('clientId', { required: true });
  const clientSecret = check.string('clientSecret', { required: true });
  check.done();
  const entry = ctx.state.universalAuth.get(clientId!);
  const known = entry ? [entry.clientSecret, ...(entry.clientSecrets ?? [])] : [];
  if (!entry || !known.includes(clientSecret!)) fail(401, 'Invalid credentials', 'UnauthorizedError');
  const identity = ctx.state.identities.get(entry.identityId);
  if (!identity) fail(401, 'Identity not found', 'UnauthorizedError');
  const limits = { ttl: entry.accessTokenTTL ?? 2_592_000, maxTtl: entry.accessTokenMaxTTL ?? 2_592_000, numUsesLimit: entry.accessTokenNumUsesLimit ?? 0 };
  return { status: 200, body: await ctx.tokens.issue(identity, 'universal-auth', limits) };
}

type Verified = Awaited<ReturnType<AccessTokens['verify']>>;

/** The classic service compares Date objects: milliseconds, not whole seconds; past createdAt + max TTL it refuses. */
async function renewClassic(ctx: InfisicalContext, { record, identity, claims }: Verified) {
  const nowMs = ctx.clock.now();
  const maxTtlEnd = record.createdAtMs + record.maxTtl * 1000;
  if (record.numUsesLimit > 0 && record.uses >= record.numUsesLimit) {
    fail(401, 'Unable to renew because access token number of uses limit reached', 'UnauthorizedError');
  }
  if (record.revoked) fail(401, 'No identity access token found', 'UnauthorizedError');
  if (record.maxTtl > 0) {
    if (nowMs > maxTtlEnd) fail(401, 'Failed to renew MI access token due to Max TTL expiration', 'UnauthorizedError');
    if (nowMs + record.ttl * 1000 > maxTtlEnd) fail(401, 'Failed to renew MI access token past its Max TTL expiration', 'UnauthorizedError');
  }
  const token = await ctx.tokens.sign(record, identity, record.ttl > 0 ? record.ttl : undefined, { identityAuth: claims.identityAuth });
  return { status: 200, body: { accessToken: token, expiresIn: record.ttl, accessTokenMaxTTL: record.maxTtl, tokenType: 'Bearer' } };
}

/** Current servers issue a new, shorter JWT until the max-TTL budget is spent. */
async function renewCurrent(ctx: InfisicalContext, { record, identity, claims }: Verified) {
  const { state } = ctx;
  if (record.revoked) fail(401, 'Cannot renew: token has been revoked', 'UnauthorizedError');
  if (state.deletedIdentities.has(record.identityId)) fail(401, 'Cannot renew: identity tokens have been revoked', 'UnauthorizedError');
  if (state.revokedAuthMethods.has(`${record.identityId}:${record.jti}`)) fail(401, 'Cannot renew: auth method has been revoked', 'UnauthorizedError');
  if (record.numUsesLimit > 0 && record.uses >= record.numUsesLimit) fail(401, 'Cannot renew exhausted access token', 'UnauthorizedError');
  const ttl = ctx.tokens.issuedTtl(record, seconds(ctx.clock));
  if (record.maxTtl > 0 && ttl <= 0) fail(401, 'Cannot renew: identity access token has reached its max TTL', 'UnauthorizedError');
  const token = await ctx.tokens.sign(record, identity, ttl, { identityAuth: claims.identityAuth });
  return { status: 200, body: { accessToken: token, expiresIn: ttl, accessTokenMaxTTL: record.maxTtl, tokenType: 'Bearer' } };
}

async function renew(ctx: InfisicalContext, req: RouteRequest) {
  const check = Check.of(req.body);
  const accessToken = check.string('accessToken', { required: true });
  check.done();
  const verified = await ctx.tokens.verify(accessToken!);
  if (verified.claims.authTokenType !== 'identityAccessToken') fail(400, 'Token is not an identity access token', 'BadRequest');
  return ctx.options.renewalMode === 'classic' ? renewClassic(ctx, verified) : renewCurrent(ctx, verified);
}

async function revoke(ctx: InfisicalContext, req: RouteRequest) {
  const check = Check.of(req.body);
  const accessToken = check.string('accessToken', { required: true });
  check.done();
  // Both generations verify the JWT first (an expired one is a 403 TokenError). Current servers then revoke by id
  // without looking the row up; the 2024 server looked it up and refused a missing or revoked one.
  const claims = await ctx.tokens.verifyClaims(accessToken!);
  const record = typeof claims.identityAccessTokenId === 'string' ? ctx.state.tokens.get(claims.identityAccessTokenId) : undefined;
  if (ctx.options.generation === 'current') {
    if (record) record.revoked = true;
    return { status: 200, body: { message: 'Successfully revoked access token' } };
  }
  if (!record || record.revoked) fail(401, 'No identity access token found', 'UnauthorizedError');
  record.revoked = true;
  return { status: 200, body: { message: 'Successfully revoked access token' } };
}

/** Login and token lifecycle routes: Kubernetes Auth, Universal Auth, renew, revoke. */
export function registerLoginRoutes(router: Router, ctx: InfisicalContext): void {
  router.on('POST', '/api/v1/auth/kubernetes-auth/login', (req) => kubernetesLogin(ctx, req));
  router.on('POST', '/api/v1/auth/universal-auth/login', (req) => universalLogin(ctx, req));
  router.on('POST', '/api/v1/auth/token/renew', (req) => renew(ctx, req));
  router.on('POST', '/api/v1/auth/token/revoke', (req) => revoke(ctx, req));
}
