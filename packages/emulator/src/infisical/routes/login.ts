import { decodeJwt } from 'jose';
import picomatch from 'picomatch';
import type { Router } from '../../http/router.js';
import { seconds } from '../../clock.js';
import { fail } from '../errors.js';
import { Check } from '../validation.js';
import { callKubernetes, failOnKubernetesStatus } from '../kubernetes-client.js';
import type { InfisicalContext } from '../context.js';

/** Comma list, trimmed, empty = any; current servers also take picomatch globs, 2024 servers only equality. */
function listMatches(list: string, value: string, globs: boolean): boolean {
  if (!list.trim()) return true;
  return list
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .some((entry) => entry === value || (globs && picomatch.isMatch(value, entry)));
}

/** Login and token lifecycle routes: Kubernetes Auth, Universal Auth, renew, revoke. */
export function registerLoginRoutes(router: Router, ctx: InfisicalContext): void {
  const { state, tokens } = ctx;
  const current = ctx.options.generation === 'current';

  router.on('POST', '/api/v1/auth/kubernetes-auth/login', async (req) => {
    const check = Check.of(req.body);
    const identityId = check.string('identityId', { required: true });
    const jwt = check.string('jwt', { required: true });
    check.done();
    const auth = state.kubernetesAuth.get(identityId!);
    if (!auth) fail(404, 'Kubernetes auth method not found for identity, did you configure Kubernetes auth?', 'NotFound');
    const identity = state.identities.get(auth.identityId);
    if (!identity) fail(401, 'Identity not found', 'UnauthorizedError');
    if (auth.tokenReviewMode === 'gateway') fail(400, 'Gateway token review is not available in the emulator; use tokenReviewMode "api".', 'KubernetesAuthLoginError');
    if (!auth.kubernetesHost) fail(400, 'Kubernetes host is required when token review mode is set to API', 'BadRequest');

    const answer = await callKubernetes({
      host: auth.kubernetesHost,
      caCert: auth.caCert,
      timeoutMs: ctx.options.kubernetesTimeoutMs,
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/tokenreviews',
      // No stored reviewer: the incoming token has to act as reviewer.
      bearer: auth.tokenReviewerJwt || jwt!,
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
    const namespace = parts[2]!;
    const name = parts[3]!;
    if (!listMatches(auth.allowedNamespaces, namespace, current)) fail(401, 'Access denied: K8s namespace not allowed.', 'UnauthorizedError');
    if (!listMatches(auth.allowedNames, name, current)) fail(401, 'Access denied: K8s name not allowed.', 'UnauthorizedError');
    if (auth.allowedAudience && !(review.status.audiences ?? []).includes(auth.allowedAudience)) {
      fail(401, 'Access denied: K8s audience not allowed.', 'UnauthorizedError');
    }
    const issued = await tokens.issue(
      identity,
      'kubernetes-auth',
      { ttl: auth.accessTokenTTL, maxTtl: auth.accessTokenMaxTTL, numUsesLimit: auth.accessTokenNumUsesLimit },
      { identityAuth: { kubernetes: { namespace, name } } },
    );
    return { status: 200, body: issued };
  });

  router.on('POST', '/api/v1/auth/universal-auth/login', async (req) => {
    const check = Check.of(req.body);
    const clientId = check.string('clientId', { required: true });
    const clientSecret = check.string('clientSecret', { required: true });
    check.done();
    const entry = state.universalAuth.get(clientId!);
    if (!entry || entry.clientSecret !== clientSecret) fail(401, 'Invalid credentials', 'UnauthorizedError');
    const identity = state.identities.get(entry.identityId);
    if (!identity) fail(401, 'Identity not found', 'UnauthorizedError');
    return { status: 200, body: await tokens.issue(identity, 'universal-auth', { ttl: 2_592_000, maxTtl: 2_592_000, numUsesLimit: 0 }) };
  });

  router.on('POST', '/api/v1/auth/token/renew', async (req) => {
    const check = Check.of(req.body);
    const accessToken = check.string('accessToken', { required: true });
    check.done();
    const { record, identity, claims } = await tokens.verify(accessToken!);
    if (claims.authTokenType !== 'identityAccessToken') fail(400, 'Token is not an identity access token', 'BadRequest');
    const now = seconds(ctx.clock);
    if (ctx.options.renewalMode === 'classic') {
      // The classic service compares Date objects: milliseconds, not whole seconds.
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
      const token = await tokens.sign(record, identity, record.ttl > 0 ? record.ttl : undefined, { identityAuth: claims.identityAuth });
      return { status: 200, body: { accessToken: token, expiresIn: record.ttl, accessTokenMaxTTL: record.maxTtl, tokenType: 'Bearer' } };
    }
    if (record.revoked) fail(401, 'Cannot renew: token has been revoked', 'UnauthorizedError');
    if (state.deletedIdentities.has(record.identityId)) fail(401, 'Cannot renew: identity tokens have been revoked', 'UnauthorizedError');
    if (state.revokedAuthMethods.has(`${record.identityId}:${record.jti}`)) fail(401, 'Cannot renew: auth method has been revoked', 'UnauthorizedError');
    if (record.numUsesLimit > 0 && record.uses >= record.numUsesLimit) fail(401, 'Cannot renew exhausted access token', 'UnauthorizedError');
    const ttl = tokens.issuedTtl(record, now);
    if (record.maxTtl > 0 && ttl <= 0) fail(401, 'Cannot renew: identity access token has reached its max TTL', 'UnauthorizedError');
    const token = await tokens.sign(record, identity, ttl, { identityAuth: claims.identityAuth });
    return { status: 200, body: { accessToken: token, expiresIn: ttl, accessTokenMaxTTL: record.maxTtl, tokenType: 'Bearer' } };
  });

  router.on('POST', '/api/v1/auth/token/revoke', async (req) => {
    const check = Check.of(req.body);
    const accessToken = check.string('accessToken', { required: true });
    check.done();
    if (current) {
      // Current servers verify the JWT (an expired one is a 403) and revoke by id without looking the row up.
      const claims = await tokens.verifyClaims(accessToken!);
      const record = typeof claims.identityAccessTokenId === 'string' ? state.tokens.get(claims.identityAccessTokenId) : undefined;
      if (record) record.revoked = true;
      return { status: 200, body: { message: 'Successfully revoked access token' } };
    }
    let jti: unknown;
    try {
      jti = decodeJwt(accessToken!).identityAccessTokenId;
    } catch {
      fail(403, 'The provided access token is malformed. Please use a valid token or generate a new one and try again.', 'TokenError');
    }
    const record = typeof jti === 'string' ? state.tokens.get(jti) : undefined;
    if (!record || record.revoked) fail(401, 'No identity access token found', 'UnauthorizedError');
    record.revoked = true;
    return { status: 200, body: { message: 'Successfully revoked access token' } };
  });
}
