import { readFileSync, readlinkSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@infisical-k8s/emulator';
import { ManualClock, claims, header, kube, request, tempDir } from './helpers.js';

const REVIEWS = '/apis/authentication.k8s.io/v1/tokenreviews';
const clock = new ManualClock();
let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({ clock });
});
afterAll(async () => {
  await emu.close();
});

const review = (token: string, audiences?: string[], bearer = emu.kubernetes.tokenReviewerJwt) =>
  kube(emu, 'POST', REVIEWS, { token: bearer, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, ...(audiences ? { audiences } : {}) } } });

describe('Method: kubernetes.issueToken', () => {
  it('mints a kubelet-shaped RS256 service-account token from the clock', () => {
    const token = emu.kubernetes.issueToken({ namespace: 'apps', name: 'web', audience: ['infisical', 'vault'], expirationSeconds: 900, podName: 'web-0', podUid: 'pod-uid' });
    expect(typeof token).toBe('string');
    expect(header(token)).toEqual({ alg: 'RS256', kid: emu.kubernetes.jwks().keys[0]!['kid' as never] });
    const now = clock.t / 1000;
    expect(claims(token)).toMatchObject({
      iss: 'https://kubernetes.default.svc.cluster.local',
      sub: 'system:serviceaccount:apps:web',
      aud: ['infisical', 'vault'],
      iat: now,
      nbf: now,
      exp: now + 900,
      'kubernetes.io': { namespace: 'apps', serviceaccount: { name: 'web', uid: expect.any(String) }, pod: { name: 'web-0', uid: 'pod-uid' } },
    });
  });

  it('defaults to default/infisical-auth, audience infisical, one hour, a stable account uid', () => {
    const a = claims(emu.kubernetes.issueToken());
    const b = claims(emu.kubernetes.issueToken());
    expect(a).toMatchObject({ sub: 'system:serviceaccount:default:infisical-auth', aud: ['infisical'] });
    expect(a.exp - a.iat).toBe(3600);
    expect(a['kubernetes.io'].serviceaccount.uid).toBe(b['kubernetes.io'].serviceaccount.uid);
    expect(a.jti).not.toBe(b.jti);
  });

  it('publishes the public signing key as a JWKS without private parts', () => {
    const [key] = emu.kubernetes.jwks().keys as Array<Record<string, unknown>>;
    expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
    expect(key).not.toHaveProperty('d');
  });
});

describe('Route: GET /version', () => {
  it('answers like an API server, over HTTPS with the emulator CA', async () => {
    expect(emu.kubernetes.host).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await kube(emu, 'GET', '/version');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ major: '1', minor: expect.any(String), gitVersion: expect.stringMatching(/^v1\./) });
  });

  it('is refused by a client that does not trust the CA', async () => {
    await expect(request('GET', `${emu.kubernetes.host}/version`)).rejects.toMatchObject({ code: expect.stringMatching(/CERT|SELF_SIGNED|UNABLE/) });
  });

  it('is reachable as localhost too (certificate SANs)', async () => {
    const url = emu.kubernetes.host.replace('127.0.0.1', 'localhost');
    expect((await request('GET', `${url}/version`, { ca: emu.caCert })).status).toBe(200);
  });
});

describe('Route: POST /apis/authentication.k8s.io/v1/tokenreviews', () => {
  it('authenticates a valid token and lists the matched audiences', async () => {
    const res = await review(emu.kubernetes.issueToken({ namespace: 'production', audience: ['infisical', 'other'] }), ['infisical']);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      status: {
        authenticated: true,
        user: {
          username: 'system:serviceaccount:production:infisical-auth',
          uid: expect.any(String),
          groups: ['system:serviceaccounts', 'system:serviceaccounts:production', 'system:authenticated'],
        },
        audiences: ['infisical'],
      },
    });
  });

  it('answers 201 with status.error and no authenticated field for a token of the wrong audience', async () => {
    const res = await review(emu.kubernetes.issueToken({ audience: 'vault' }), ['infisical']);
    expect(res.status).toBe(201);
    expect(res.body.status.user).toEqual({});
    expect(res.body.status.error).toMatch(/^\[invalid bearer token, .*audiences/);
    expect(res.body.status).not.toHaveProperty('authenticated');
  });

  it("checks the API server's own audiences when the review names none", async () => {
    const res = await review(emu.kubernetes.issueToken({ audience: 'vault' }));
    expect(res.body.status).toEqual({ user: {}, error: '[invalid bearer token, token audiences ["vault"] is invalid for the target audiences ["https://kubernetes.default.svc.cluster.local"]]' });
    const own = await review(emu.kubernetes.issueToken({ audience: ['vault', emu.kubernetes.issuer] }));
    expect(own.body.status).toMatchObject({ authenticated: true, audiences: [emu.kubernetes.issuer] });
  });

  it('rejects an expired token by the emulator clock, past the 60 s leeway', async () => {
    const token = emu.kubernetes.issueToken({ expirationSeconds: 600 });
    clock.advance(661);
    const res = await review(token, ['infisical']);
    expect(res.body.status.error).toBe('[invalid bearer token, service account token has expired]');
  });

  it('rejects a token signed by a key the cluster does not trust, and garbage', async () => {
    expect((await review(emu.kubernetes.issueToken({ signedWith: 'foreign' }), ['infisical'])).body.status.error).toMatch(/^\[invalid bearer token, /);
    expect((await review('not-a-jwt')).body.status).toEqual({ user: {}, error: 'invalid bearer token' });
  });

  it('answers 401 with a Status body when the caller presents no or an invalid token', async () => {
    const none = await kube(emu, 'POST', REVIEWS, { body: { spec: { token: 'x' } } });
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401, message: 'Unauthorized' });
    const foreign = await review(emu.kubernetes.issueToken(), undefined, emu.kubernetes.issueToken({ signedWith: 'foreign', name: 'infisical-token-reviewer' }));
    expect(foreign.status).toBe(401);
  });

  it('answers 403 unless the caller is bound to system:auth-delegator', async () => {
    const self = emu.kubernetes.issueToken({ namespace: 'apps', name: 'self-reviewer', audience: emu.kubernetes.apiAudiences });
    const denied = await review(self, undefined, self);
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({
      kind: 'Status',
      reason: 'Forbidden',
      code: 403,
      message: 'tokenreviews.authentication.k8s.io is forbidden: User "system:serviceaccount:apps:self-reviewer" cannot create resource "tokenreviews" in API group "authentication.k8s.io" at the cluster scope',
    });
    emu.kubernetes.bindAuthDelegator('apps', 'self-reviewer');
    expect((await review(self, undefined, self)).body.status.authenticated).toBe(true);
    emu.kubernetes.unbindAuthDelegator('apps', 'self-reviewer');
    expect((await review(self, undefined, self)).status).toBe(403);
  });
});

describe('Method: kubernetes.rotateSigningKey', () => {
  it('makes tokens signed before the rotation fail review', async () => {
    const other = await startEmulator({ clock });
    try {
      const before = other.kubernetes.issueToken();
      const kid = other.kubernetes.jwks().keys[0];
      await other.kubernetes.rotateSigningKey();
      expect(other.kubernetes.jwks().keys[0]).not.toEqual(kid);
      const bearer = other.kubernetes.issueToken({ name: 'infisical-token-reviewer', audience: other.kubernetes.apiAudiences });
      const res = await kube(other, 'POST', REVIEWS, { token: bearer, body: { spec: { token: before, audiences: ['infisical'] } } });
      expect(res.body.status.error).toMatch(/^\[invalid bearer token, /);
      // The reviewer token minted at start-up was signed with the old key too.
      expect((await kube(other, 'POST', REVIEWS, { token: other.kubernetes.tokenReviewerJwt, body: { spec: { token: bearer } } })).status).toBe(401);
    } finally {
      await other.close();
    }
  });
});

describe('Method: writeProjectedToken', () => {
  it('lays the token out like the kubelet: token -> ..data/token -> ..<timestamp>/token', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const projected = await emu.writeProjectedToken(dir, { namespace: 'production' });
      expect(projected.path).toBe(join(dir, 'token'));
      expect(readlinkSync(projected.path)).toBe(join('..data', 'token'));
      expect(readlinkSync(join(dir, '..data'))).toMatch(/^\.\.\d{4}/);
      expect(claims(projected.current()).sub).toBe('system:serviceaccount:production:infisical-auth');
    } finally {
      await cleanup();
    }
  });

  it('rotates with an atomic ..data swap: a reader never sees a partial or missing file', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const projected = await emu.writeProjectedToken(dir);
      const seen = new Set<string>();
      const reading = { on: true };
      let failures = 0;
      const reader = (async () => {
        while (reading.on) {
          try {
            const text = readFileSync(projected.path, 'utf8');
            if (text.split('.').length !== 3 || !text.endsWith(text.split('.')[2]!) || text.length < 100) failures += 1;
            seen.add(text);
          } catch {
            failures += 1;
          }
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      const written: string[] = [];
      for (let i = 0; i < 25; i++) written.push(await projected.rotate({ podName: `p${i}` }));
      reading.on = false;
      await reader;
      expect(failures).toBe(0);
      for (const text of seen) expect(claims(text).sub).toBe('system:serviceaccount:default:infisical-auth');
      expect(projected.current()).toBe(written.at(-1));
      // Old version folders are cleaned up: one ..<timestamp> folder, ..data, token.
      expect((await readdir(dir)).filter((f) => f.startsWith('..') && f !== '..data')).toHaveLength(1);
    } finally {
      await cleanup();
    }
  });

  it('rotates on a real-time interval until stopped, and rotate() merges new options', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const projected = await emu.writeProjectedToken(dir);
      const first = projected.current();
      projected.startRotation(10);
      await sleep(80);
      // A write already under way lands before stop() resolves; nothing changes the token after it.
      await projected.stop();
      const afterStop = projected.current();
      expect(afterStop).not.toBe(first);
      await sleep(60);
      expect(projected.current()).toBe(afterStop);
      await projected.rotate({ audience: 'vault' });
      expect(claims(projected.current()).aud).toEqual(['vault']);
    } finally {
      await cleanup();
    }
  });
});
