import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@infisical-k8s/emulator';
import { ManualClock, attachBody, claims, createIdentity, infisical, login, setUpApp, type App } from './helpers.js';

const REVIEWS = 'POST /apis/authentication.k8s.io/v1/tokenreviews';
const clock = new ManualClock();
let emu: Emulator;
let app: App;

beforeAll(async () => {
  emu = await startEmulator({ clock });
  app = await setUpApp(emu);
});
afterAll(async () => {
  await emu.close();
});

const admin = (method: string, path: string, body?: unknown) => infisical(emu, method, path, { token: emu.admin.accessToken, body });
async function appWith(attach: Record<string, unknown>): Promise<string> {
  const identityId = await createIdentity(emu);
  const res = await admin('POST', `/api/v1/auth/kubernetes-auth/identities/${identityId}`, attachBody(emu, attach));
  if (res.status !== 200) throw new Error(res.text);
  return identityId;
}
/** Makes the emulated cluster answer the next TokenReview with this body. */
const reviewAnswers = (status: Record<string, unknown>) =>
  emu.faults.inject({ route: REVIEWS, status: 201, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', status }, times: 1 });

describe('Route: POST /api/v1/auth/kubernetes-auth/login', () => {
  it('issues an HS256 access token with the current claims; expiresIn is the configured TTL', async () => {
    const res = await login(emu, app.identityId, emu.kubernetes.issueToken({ namespace: 'production' }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accessToken: expect.any(String), expiresIn: 3600, accessTokenMaxTTL: 7200, tokenType: 'Bearer' });
    const c = claims(res.body.accessToken);
    const now = clock.t / 1000;
    expect(c).toMatchObject({
      identityId: app.identityId,
      authMethod: 'kubernetes-auth',
      authTokenType: 'identityAccessToken',
      orgId: emu.organizationId,
      identityAccessTokenId: c.jti,
      accessTokenTTL: 3600,
      accessTokenMaxTTL: 7200,
      creationEpoch: now,
      iat: now,
      exp: now + 3600,
      identityAuth: { kubernetes: { namespace: 'production', name: 'infisical-auth' } },
    });
    expect(c).not.toHaveProperty('numUsesLimit');
    expect(JSON.parse(Buffer.from(res.body.accessToken.split('.')[0], 'base64url').toString())).toMatchObject({ alg: 'HS256' });
  });

  it('caps exp at the 90-day ceiling (or maxTokenAgeSeconds) while expiresIn says 0 for a TTL of 0', async () => {
    const identityId = await appWith({ accessTokenTTL: 0, accessTokenMaxTTL: 0 });
    const res = await login(emu, identityId, emu.kubernetes.issueToken());
    expect(res.body).toMatchObject({ expiresIn: 0, accessTokenMaxTTL: 0 });
    const c = claims(res.body.accessToken);
    expect(c.exp - c.iat).toBe(7_776_000);

    const short = await startEmulator({ clock, maxTokenAgeSeconds: 600 });
    try {
      const other = await setUpApp(short, { accessTokenTTL: 3600, accessTokenMaxTTL: 3600 });
      const capped = await login(short, other.identityId, short.kubernetes.issueToken());
      expect(capped.body.expiresIn).toBe(3600);
      const cc = claims(capped.body.accessToken);
      expect(cc.exp - cc.iat).toBe(600);
    } finally {
      await short.close();
    }
  });

  it('carries numUsesLimit when a use limit is set', async () => {
    const identityId = await appWith({ accessTokenNumUsesLimit: 5 });
    expect(claims((await login(emu, identityId, emu.kubernetes.issueToken())).body.accessToken).numUsesLimit).toBe(5);
  });

  it('really reviews the token: one TokenReview per login, with spec.audiences only when an audience is set', async () => {
    emu.counters.reset();
    await login(emu, app.identityId, emu.kubernetes.issueToken());
    expect(emu.counters.get(REVIEWS)).toBe(1);
    // Without an allowed audience no audiences are sent, so the API server checks its own, as a real cluster does.
    const noAudience = await appWith({ allowedAudience: '' });
    expect((await login(emu, noAudience, emu.kubernetes.issueToken({ audience: 'vault' }))).body).toMatchObject({
      statusCode: 401,
      error: 'KubernetesTokenReviewError',
      message: '[invalid bearer token, token audiences ["vault"] is invalid for the target audiences ["https://kubernetes.default.svc.cluster.local"]]',
    });
    expect((await login(emu, noAudience, emu.kubernetes.issueToken({ audience: emu.kubernetes.apiAudiences }))).status).toBe(200);
  });

  it('answers 422 without a jwt, and 404 when Kubernetes Auth is not configured', async () => {
    const missing = await infisical(emu, 'POST', '/api/v1/auth/kubernetes-auth/login', { body: { identityId: app.identityId } });
    expect(missing.status).toBe(422);
    expect(missing.body.message).toEqual([expect.objectContaining({ path: ['jwt'], message: 'Required' })]);
    const bare = await createIdentity(emu);
    expect((await login(emu, bare, emu.kubernetes.issueToken())).body).toMatchObject({
      statusCode: 404,
      error: 'NotFound',
      message: 'Kubernetes auth method not found for identity, did you configure Kubernetes auth?',
    });
  });

  it('passes the TokenReview status.error through verbatim as 401 KubernetesTokenReviewError', async () => {
    const token = emu.kubernetes.issueToken({ expirationSeconds: 600 });
    clock.advance(661); // past exp and the API server's 60 s leeway
    const expired = await login(emu, app.identityId, token);
    expect(expired.body).toMatchObject({ statusCode: 401, error: 'KubernetesTokenReviewError', message: '[invalid bearer token, service account token has expired]' });
    const foreign = await login(emu, app.identityId, emu.kubernetes.issueToken({ signedWith: 'foreign' }));
    expect(foreign.body).toMatchObject({ statusCode: 401, error: 'KubernetesTokenReviewError', message: expect.stringMatching(/^\[invalid bearer token, /) });
    const wrongAudience = await login(emu, app.identityId, emu.kubernetes.issueToken({ audience: 'vault' }));
    expect(wrongAudience.body).toMatchObject({ statusCode: 401, error: 'KubernetesTokenReviewError', message: expect.stringMatching(/audiences/) });
  });

  it('answers 401 Kubernetes token not authenticated when the review is not authenticated', async () => {
    reviewAnswers({ user: {} });
    expect((await login(emu, app.identityId, emu.kubernetes.issueToken())).body).toMatchObject({ statusCode: 401, error: 'KubernetesTokenReviewError', message: 'Kubernetes token not authenticated' });
  });

  it('answers 400 KubernetesUsernameParseError for a username that is not a service account', async () => {
    reviewAnswers({ authenticated: true, user: { username: 'system:node:worker-1' }, audiences: ['infisical'] });
    expect((await login(emu, app.identityId, emu.kubernetes.issueToken())).body).toMatchObject({
      statusCode: 400,
      error: 'KubernetesUsernameParseError',
      message: 'Invalid Kubernetes service account username format: "system:node:worker-1". Expected format: system:serviceaccount:<namespace>:<name>',
    });
  });

  it('answers 401 for a namespace, a name or an audience that is not allowed', async () => {
    expect((await login(emu, app.identityId, emu.kubernetes.issueToken({ namespace: 'kube-system' }))).body).toMatchObject({ statusCode: 401, error: 'UnauthorizedError', message: 'Access denied: K8s namespace not allowed.' });
    expect((await login(emu, app.identityId, emu.kubernetes.issueToken({ name: 'other' }))).body).toMatchObject({ statusCode: 401, error: 'UnauthorizedError', message: 'Access denied: K8s name not allowed.' });
    reviewAnswers({ authenticated: true, user: { username: 'system:serviceaccount:default:infisical-auth' }, audiences: ['vault'] });
    expect((await login(emu, app.identityId, emu.kubernetes.issueToken())).body).toMatchObject({ statusCode: 401, error: 'UnauthorizedError', message: 'Access denied: K8s audience not allowed.' });
  });

  it('matches names exactly or by glob, in a trimmed comma list; an empty list allows any', async () => {
    const identityId = await appWith({ allowedNamespaces: ' team-* , apps ', allowedNames: 'web, job-?' });
    const ok = (namespace: string, name: string) => login(emu, identityId, emu.kubernetes.issueToken({ namespace, name })).then((r) => r.status);
    expect(await ok('team-a', 'web')).toBe(200);
    expect(await ok('apps', 'job-1')).toBe(200);
    expect(await ok('Apps', 'web')).toBe(401); // no lower-casing
    expect(await ok('team-a', 'job-12')).toBe(401);
    const open = await appWith({ allowedNamespaces: '', allowedNames: '' });
    expect((await login(emu, open, emu.kubernetes.issueToken({ namespace: 'anything', name: 'anyone' }))).status).toBe(200);
  });

  it('uses the caller token as reviewer when none is stored: it needs system:auth-delegator', async () => {
    const identityId = await appWith({ tokenReviewerJwt: undefined, allowedNames: 'self-reviewing' });
    // Only a token that is also for the API server's audience can call the API server.
    const appOnly = await login(emu, identityId, emu.kubernetes.issueToken({ name: 'self-reviewing' }));
    expect(appOnly.body).toMatchObject({ statusCode: 401, error: 'KubernetesTokenReviewerUnauthorized', message: 'Unauthorized' });
    const jwt = emu.kubernetes.issueToken({ name: 'self-reviewing', audience: ['infisical', ...emu.kubernetes.apiAudiences] });
    const denied = await login(emu, identityId, jwt);
    expect(denied.body).toMatchObject({
      statusCode: 401,
      error: 'KubernetesTokenReviewerForbidden',
      message: expect.stringMatching(/^tokenreviews\.authentication\.k8s\.io is forbidden: User "system:serviceaccount:default:self-reviewing"/),
    });
    emu.kubernetes.bindAuthDelegator('default', 'self-reviewing');
    expect((await login(emu, identityId, jwt)).status).toBe(200);
    emu.kubernetes.unbindAuthDelegator('default', 'self-reviewing');
  });

  it('answers 401 KubernetesTokenReviewerForbidden when the stored reviewer loses its binding', async () => {
    emu.kubernetes.bindAuthDelegator('default', 'temp-reviewer');
    const identityId = await appWith({ tokenReviewerJwt: emu.kubernetes.issueToken({ name: 'temp-reviewer', audience: emu.kubernetes.apiAudiences, expirationSeconds: 86_400 }) });
    emu.kubernetes.unbindAuthDelegator('default', 'temp-reviewer');
    expect((await login(emu, identityId, emu.kubernetes.issueToken())).body).toMatchObject({ statusCode: 401, error: 'KubernetesTokenReviewerForbidden' });
  });

  it('answers 401 KubernetesTokenReviewerUnauthorized when the stored reviewer has expired', async () => {
    const identityId = await appWith({ tokenReviewerJwt: emu.kubernetes.issueToken({ name: 'infisical-token-reviewer', audience: emu.kubernetes.apiAudiences, expirationSeconds: 600 }) });
    clock.advance(661);
    expect((await login(emu, identityId, emu.kubernetes.issueToken())).body).toMatchObject({ statusCode: 401, error: 'KubernetesTokenReviewerUnauthorized', message: 'Unauthorized' });
  });

  it('maps other Kubernetes statuses and transport failures to the error table', async () => {
    emu.faults.inject({ route: REVIEWS, status: 500, body: { kind: 'Status', message: 'etcd unavailable' }, times: 1 });
    expect((await login(emu, app.identityId, emu.kubernetes.issueToken())).body).toMatchObject({ statusCode: 400, error: 'KubernetesTokenReviewRequestError', message: 'etcd unavailable' });
    emu.faults.inject({ route: REVIEWS, status: 503, body: {}, times: 1 });
    expect((await login(emu, app.identityId, emu.kubernetes.issueToken())).body).toMatchObject({ statusCode: 400, error: 'KubernetesTokenReviewRequestError', message: 'Kubernetes returned HTTP 503: Service Unavailable' });
    emu.faults.inject({ route: REVIEWS, reset: true, times: 1 });
    expect((await login(emu, app.identityId, emu.kubernetes.issueToken())).body).toMatchObject({ statusCode: 400, error: 'KubernetesConnectionError', message: expect.stringMatching(new RegExp(`^Failed to communicate with Kubernetes API server at ${emu.kubernetes.host}: `)) });
  });

  it('answers 400 KubernetesConnectionRefused when the cluster has gone away', async () => {
    const cluster = await startEmulator({ clock });
    const identityId = await createIdentity(emu);
    const attached = await admin('POST', `/api/v1/auth/kubernetes-auth/identities/${identityId}`, {
      ...attachBody(emu),
      kubernetesHost: cluster.kubernetes.host,
      caCert: cluster.caCert,
      tokenReviewerJwt: cluster.kubernetes.tokenReviewerJwt,
    });
    expect(attached.status).toBe(200);
    expect((await login(emu, identityId, cluster.kubernetes.issueToken())).status).toBe(200);
    const jwt = cluster.kubernetes.issueToken();
    await cluster.close();
    expect((await login(emu, identityId, jwt)).body).toMatchObject({ statusCode: 400, error: 'KubernetesConnectionRefused', message: expect.stringMatching(/Connection refused/) });
  });
});

describe('Option: kubernetesTimeoutMs', () => {
  it('answers 400 KubernetesConnectionTimeout when the cluster does not answer in time', async () => {
    const slow = await startEmulator({ clock, kubernetesTimeoutMs: 150 });
    try {
      // The attach step probes the cluster under the same 150 ms deadline: on a busy machine a healthy probe can
      // miss it. Only the login below is the row under test, so the set-up tries again until its probe is answered.
      let a: Awaited<ReturnType<typeof setUpApp>> | undefined;
      while (!a) {
        a = await setUpApp(slow).catch((error: unknown) => {
          if (error instanceof Error && error.message.includes('KubernetesConnectionTimeout')) return undefined;
          throw error;
        });
      }
      slow.faults.inject({ route: REVIEWS, hang: true, times: 1 });
      const started = performance.now();
      const res = await login(slow, a.identityId, slow.kubernetes.issueToken());
      expect(res.body).toMatchObject({
        statusCode: 400,
        error: 'KubernetesConnectionTimeout',
        message: `Connection to Kubernetes API server at ${slow.kubernetes.host} timed out. Verify network connectivity to the API server.`,
      });
      expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    } finally {
      await slow.close();
    }
  });
});

describe('TokenReview answer size', () => {
  it('refuses an answer above 64 KiB with 400 KubernetesConnectionError', async () => {
    emu.faults.inject({ route: REVIEWS, oversized: 70_000, times: 1 });
    expect((await login(emu, app.identityId, emu.kubernetes.issueToken())).body).toMatchObject({
      statusCode: 400,
      error: 'KubernetesConnectionError',
      message: expect.stringMatching(/maxContentLength size of 65536 exceeded$/),
    });
  });
});
