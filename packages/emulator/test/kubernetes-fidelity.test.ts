/**
 * The emulated API server's authentication, rule by rule against kube-apiserver v1.31
 * (pkg/serviceaccount jwt.go and claims.go, pkg/registry/authentication/tokenreview/storage.go,
 * apiserver's serviceaccount/util.go), over HTTPS with real RS256 tokens and a hand-moved clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provision, startEmulator, type Emulator } from '@infisical-k8s/emulator';
import { ManualClock, claims, kube, login } from './helpers.js';

const REVIEWS = '/apis/authentication.k8s.io/v1/tokenreviews';
const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const clock = new ManualClock();
let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({ clock });
});
afterAll(async () => {
  await emu.close();
});

const review = (target: Emulator, spec: Record<string, unknown>, bearer = target.kubernetes.tokenReviewerJwt) =>
  kube(target, 'POST', REVIEWS, { token: bearer, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec } });

describe('Lifetime: go-jose 60 s leeway and the service-account texts', () => {
  it('accepts a token up to exactly 60 s past exp, and refuses it a millisecond later', async () => {
    const token = emu.kubernetes.issueToken({ expirationSeconds: 300 });
    const exp = claims(token).exp * 1000;
    clock.t = exp + 60_000;
    expect((await review(emu, { token, audiences: ['infisical'] })).body.status.authenticated).toBe(true);
    clock.t = exp + 60_001;
    expect((await review(emu, { token, audiences: ['infisical'] })).body.status).toEqual({ user: {}, error: '[invalid bearer token, service account token has expired]' });
  });

  it('accepts a token up to 60 s before nbf, and refuses it earlier as not valid yet', async () => {
    const token = emu.kubernetes.issueToken();
    const nbf = claims(token).nbf * 1000;
    clock.t = nbf - 60_000;
    expect((await review(emu, { token, audiences: ['infisical'] })).body.status.authenticated).toBe(true);
    clock.t = nbf - 60_001;
    expect((await review(emu, { token, audiences: ['infisical'] })).body.status).toEqual({ user: {}, error: '[invalid bearer token, service account token is not valid yet]' });
    clock.t = nbf;
  });

  it('checks the audience before the lifetime, as jwt.go does', async () => {
    const token = emu.kubernetes.issueToken({ audience: 'vault', expirationSeconds: 60 });
    clock.advance(600);
    expect((await review(emu, { token, audiences: ['infisical'] })).body.status.error).toBe('[invalid bearer token, token audiences ["vault"] is invalid for the target audiences ["infisical"]]');
  });

  it('applies the leeway to the calling bearer too, and answers 401 with a Status body past it', async () => {
    const bearer = emu.kubernetes.issueToken({ name: 'infisical-token-reviewer', audience: ISSUER, expirationSeconds: 60 });
    clock.advance(60 + 59);
    expect((await review(emu, { token: emu.kubernetes.issueToken(), audiences: ['infisical'] }, bearer)).status).toBe(201);
    clock.advance(2);
    const late = await review(emu, { token: emu.kubernetes.issueToken(), audiences: ['infisical'] }, bearer);
    expect(late.status).toBe(401);
    expect(late.body).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  });
});

describe("Audiences: the API server's own (--api-audiences)", () => {
  it('defaults to the issuer, and the reviewer token minted at start-up carries it', () => {
    expect(emu.kubernetes.apiAudiences).toEqual([ISSUER]);
    expect(claims(emu.kubernetes.tokenReviewerJwt).aud).toEqual([ISSUER]);
  });

  it('treats a token without audiences as one for the API server', async () => {
    const legacy = emu.kubernetes.issueToken({ audience: [] });
    expect((await review(emu, { token: legacy })).body.status).toMatchObject({ authenticated: true, audiences: [ISSUER] });
    expect((await review(emu, { token: legacy, audiences: ['infisical'] })).body.status.error).toBe(
      `[invalid bearer token, token audiences ["${ISSUER}"] is invalid for the target audiences ["infisical"]]`,
    );
  });

  it('is configurable with kubernetesApiAudiences: reviews without audiences and callers both use them', async () => {
    const custom = await startEmulator({ clock, kubernetesApiAudiences: ['https://api.example.test', 'kubernetes'] });
    try {
      expect(custom.kubernetes.apiAudiences).toEqual(['https://api.example.test', 'kubernetes']);
      expect(claims(custom.kubernetes.tokenReviewerJwt).aud).toEqual(['https://api.example.test', 'kubernetes']);
      const forKubernetes = await review(custom, { token: custom.kubernetes.issueToken({ audience: ['infisical', 'kubernetes'] }) });
      expect(forKubernetes.body.status).toMatchObject({ authenticated: true, audiences: ['kubernetes'] });
      const forIssuer = await review(custom, { token: custom.kubernetes.issueToken({ audience: ISSUER }) });
      expect(forIssuer.body.status.error).toBe(`[invalid bearer token, token audiences ["${ISSUER}"] is invalid for the target audiences ["https://api.example.test" "kubernetes"]]`);
      const issuerBearer = custom.kubernetes.issueToken({ name: 'infisical-token-reviewer', audience: ISSUER });
      expect((await review(custom, { token: custom.kubernetes.issueToken(), audiences: ['infisical'] }, issuerBearer)).status).toBe(401);
    } finally {
      await custom.close();
    }
  });
});

describe('TokenReview body', () => {
  it('answers 400 BadRequest for a review without a token', async () => {
    const res = await review(emu, { audiences: ['infisical'] });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'token is required for TokenReview in authentication', reason: 'BadRequest', code: 400 });
  });

  it('puts the pod, its node and the JTI credential id of a pod-bound token in user.extra', async () => {
    const token = emu.kubernetes.issueToken({ podName: 'web-0' });
    const k8s = claims(token)['kubernetes.io'];
    // go-jose writes claims through a map: keys sorted, the node before the pod.
    expect(Object.keys(k8s)).toEqual(['namespace', 'node', 'pod', 'serviceaccount']);
    expect(k8s.node).toEqual({ name: 'infisical-k8s-emulator-node', uid: expect.any(String) });
    expect(claims(emu.kubernetes.issueToken({ podName: 'web-1' }))['kubernetes.io'].node.uid).toBe(k8s.node.uid);
    const res = await review(emu, { token, audiences: ['infisical'] });
    expect(res.body.status.user.extra).toEqual({
      'authentication.kubernetes.io/credential-id': [`JTI=${claims(token).jti}`],
      'authentication.kubernetes.io/node-name': ['infisical-k8s-emulator-node'],
      'authentication.kubernetes.io/node-uid': [k8s.node.uid],
      'authentication.kubernetes.io/pod-name': ['web-0'],
      'authentication.kubernetes.io/pod-uid': [k8s.pod.uid],
    });
  });

  it('answers GET /version with every version.Info field', async () => {
    const res = await kube(emu, 'GET', '/version');
    expect(Object.keys(res.body)).toEqual(['major', 'minor', 'gitVersion', 'gitCommit', 'gitTreeState', 'buildDate', 'goVersion', 'compiler', 'platform']);
    expect(res.body).toMatchObject({ gitVersion: 'v1.31.0', gitTreeState: 'clean', compiler: 'gc', goVersion: 'go1.22.5' });
  });
});

describe('Infisical Kubernetes Auth against the API server it reviews with', () => {
  it("provision() with allowedAudience '' mounts a token for the API server's audiences, and the login passes", async () => {
    const app = await provision(emu, { allowedAudience: '' });
    expect(claims(app.projected.current()).aud).toEqual([ISSUER]);
    expect((await login(emu, app.identityId, app.projected.current())).status).toBe(200);
    // The seed's `infisical` token is what a real cluster refuses here.
    const refused = await login(emu, app.identityId, emu.kubernetes.issueToken());
    expect(refused.body).toMatchObject({ statusCode: 401, error: 'KubernetesTokenReviewError', message: `[invalid bearer token, token audiences ["infisical"] is invalid for the target audiences ["${ISSUER}"]]` });
  });
});
