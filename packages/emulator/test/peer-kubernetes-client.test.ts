/**
 * The emulated API server as the official Kubernetes client sees it: a KubeConfig pointing at
 * `emu.kubernetes.host` with the emulator's CA, `AuthenticationV1Api.createTokenReview` and
 * `VersionApi.getCode`. Each answer is what kube-apiserver v1.31 gives for the same request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiException, AuthenticationV1Api, KubeConfig, VersionApi, type V1TokenReview } from '@kubernetes/client-node';
import { startEmulator, type Emulator } from '@infisical-k8s/emulator';
import { ManualClock, claims } from './helpers.js';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const clock = new ManualClock();
let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({ clock });
});
afterAll(async () => {
  await emu.close();
});

function kubeConfig(bearer: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'emulator', server: emu.kubernetes.host, caData: Buffer.from(emu.kubernetes.caCert).toString('base64'), skipTLSVerify: false }],
    users: [{ name: 'reviewer', token: bearer }],
    contexts: [{ name: 'emulator', cluster: 'emulator', user: 'reviewer' }],
    currentContext: 'emulator',
  });
  return config;
}

function createReview(token: string, audiences?: string[], bearer = emu.kubernetes.tokenReviewerJwt): Promise<V1TokenReview> {
  const api = kubeConfig(bearer).makeApiClient(AuthenticationV1Api);
  return api.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, ...(audiences ? { audiences } : {}) } } });
}

/** The client's error: it keeps the Status body of a 403 as text, and drops the body of a 401. */
async function refusal(promise: Promise<unknown>): Promise<{ code: number; message: string; body: Record<string, unknown> | undefined }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiException);
  const { code, message, body } = error as ApiException<string | undefined>;
  return { code, message, body: body === undefined ? undefined : (JSON.parse(body) as Record<string, unknown>) };
}

describe('Peer: @kubernetes/client-node against the emulated API server', () => {
  it('reads the whole version.Info object through VersionApi', async () => {
    const version = await kubeConfig(emu.kubernetes.tokenReviewerJwt).makeApiClient(VersionApi).getCode();
    expect(version).toEqual({
      major: '1',
      minor: '31',
      gitVersion: 'v1.31.0',
      gitCommit: '9edcffcde5595e8a5b1a35f88c421764e575afce',
      gitTreeState: 'clean',
      buildDate: '2024-08-13T07:28:49Z',
      goVersion: 'go1.22.5',
      compiler: 'gc',
      platform: 'linux/amd64',
    });
  });

  it('authenticates a token: username, uid, groups, the credential id as user.extra, the matched audiences', async () => {
    const token = emu.kubernetes.issueToken({ namespace: 'production', audience: ['infisical', 'vault'] });
    const review = await createReview(token, ['infisical']);
    expect(review.status).toEqual({
      authenticated: true,
      user: {
        username: 'system:serviceaccount:production:infisical-auth',
        uid: claims(token)['kubernetes.io'].serviceaccount.uid,
        groups: ['system:serviceaccounts', 'system:serviceaccounts:production', 'system:authenticated'],
        extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${claims(token).jti}`] },
      },
      audiences: ['infisical'],
    });
  });

  it('reports the pod and node of a pod-bound token in user.extra', async () => {
    const token = emu.kubernetes.issueToken({ podName: 'web-7d4b9-xk2p1', podUid: '8f1c1e0a-5c8e-4d6b-9c3f-2f1f7f0b1a2c', nodeName: 'worker-1', nodeUid: 'c0ffee00-0000-4000-8000-000000000001' });
    const review = await createReview(token, ['infisical']);
    expect(review.status?.user?.extra).toEqual({
      'authentication.kubernetes.io/credential-id': [`JTI=${claims(token).jti}`],
      'authentication.kubernetes.io/node-name': ['worker-1'],
      'authentication.kubernetes.io/node-uid': ['c0ffee00-0000-4000-8000-000000000001'],
      'authentication.kubernetes.io/pod-name': ['web-7d4b9-xk2p1'],
      'authentication.kubernetes.io/pod-uid': ['8f1c1e0a-5c8e-4d6b-9c3f-2f1f7f0b1a2c'],
    });
  });

  it('answers a garbage token with status.error "invalid bearer token", not authenticated, an empty user', async () => {
    const review = await createReview('not-a-service-account-token', ['infisical']);
    expect(review.status).toEqual({ user: {}, error: 'invalid bearer token' });
    expect(review.status?.authenticated).toBeUndefined();
  });

  it('answers a wrong audience with the authenticator text, in Go %q form', async () => {
    const review = await createReview(emu.kubernetes.issueToken({ audience: ['vault', 'consul'] }), ['infisical']);
    expect(review.status).toEqual({ user: {}, error: '[invalid bearer token, token audiences ["vault" "consul"] is invalid for the target audiences ["infisical"]]' });
  });

  it("checks the API server's own audiences when the review names none", async () => {
    const appToken = await createReview(emu.kubernetes.issueToken({ audience: 'infisical' }));
    expect(appToken.status).toEqual({ user: {}, error: `[invalid bearer token, token audiences ["infisical"] is invalid for the target audiences ["${ISSUER}"]]` });
    const apiToken = await createReview(emu.kubernetes.issueToken({ audience: ISSUER }));
    expect(apiToken.status).toMatchObject({ authenticated: true, user: { username: 'system:serviceaccount:default:infisical-auth' }, audiences: [ISSUER] });
  });

  it('answers 403 Forbidden to a reviewer without system:auth-delegator', async () => {
    const unbound = emu.kubernetes.issueToken({ namespace: 'apps', name: 'unbound', audience: emu.kubernetes.apiAudiences });
    const { code, body } = await refusal(createReview(emu.kubernetes.issueToken(), ['infisical'], unbound));
    expect(code).toBe(403);
    expect(body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'tokenreviews.authentication.k8s.io is forbidden: User "system:serviceaccount:apps:unbound" cannot create resource "tokenreviews" in API group "authentication.k8s.io" at the cluster scope',
      reason: 'Forbidden',
      code: 403,
    });
  });

  it("answers 401 Unauthorized to a reviewer whose token is not for the API server's audience", async () => {
    emu.kubernetes.bindAuthDelegator('default', 'app-audience-reviewer');
    try {
      const appOnly = emu.kubernetes.issueToken({ name: 'app-audience-reviewer', audience: 'infisical' });
      const { code, message } = await refusal(createReview(emu.kubernetes.issueToken(), ['infisical'], appOnly));
      expect(code).toBe(401);
      expect(message).toContain('Unauthorized');
      // With the API server's audience the same account gets its review.
      const both = emu.kubernetes.issueToken({ name: 'app-audience-reviewer', audience: ['infisical', ISSUER] });
      expect((await createReview(emu.kubernetes.issueToken(), ['infisical'], both)).status?.authenticated).toBe(true);
    } finally {
      emu.kubernetes.unbindAuthDelegator('default', 'app-audience-reviewer');
    }
  });

  it('accepts a token 30 s past exp (the 60 s leeway) and refuses it 90 s past with "service account token has expired"', async () => {
    const token = emu.kubernetes.issueToken({ expirationSeconds: 600 });
    clock.advance(600 + 30);
    expect((await createReview(token, ['infisical'])).status).toMatchObject({ authenticated: true, audiences: ['infisical'] });
    clock.advance(60);
    expect((await createReview(token, ['infisical'])).status).toEqual({ user: {}, error: '[invalid bearer token, service account token has expired]' });
  });
});
