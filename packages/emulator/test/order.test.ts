import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@infisical-k8s/emulator';
import { ManualClock, accessToken, infisical, setUpApp, type App } from './helpers.js';

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

const form = (fields: Record<string, string>) => ({
  rawBody: new URLSearchParams(fields).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
});

describe('Request bodies: application/x-www-form-urlencoded (the server registers @fastify/formbody)', () => {
  it('logs in with Kubernetes Auth and Universal Auth, and renews, from form bodies', async () => {
    const k8s = await infisical(emu, 'POST', '/api/v1/auth/kubernetes-auth/login', form({ identityId: app.identityId, jwt: emu.kubernetes.issueToken() }));
    expect(k8s.status).toBe(200);
    const universal = await infisical(emu, 'POST', '/api/v1/auth/universal-auth/login', form({ clientId: emu.admin.clientId, clientSecret: emu.admin.clientSecret }));
    expect(universal.status).toBe(200);
    expect(universal.body).toMatchObject({ tokenType: 'Bearer', accessToken: expect.any(String) });
    const renewed = await infisical(emu, 'POST', '/api/v1/auth/token/renew', form({ accessToken: universal.body.accessToken }));
    expect(renewed.status).toBe(200);
  });

  it('takes form bodies on the other routes too; a number field stays a string and fails as zod fails it', async () => {
    const secret = await infisical(emu, 'POST', '/api/v3/secrets/raw/FROM_FORM', {
      token: emu.admin.accessToken,
      ...form({ workspaceId: app.projectId, environment: 'prod', secretValue: 'f' }),
    });
    expect(secret.body.secret).toMatchObject({ secretKey: 'FROM_FORM', secretValue: 'f' });
    const identityId = app.identityId;
    const patch = await infisical(emu, 'PATCH', `/api/v1/auth/kubernetes-auth/identities/${identityId}`, { token: emu.admin.accessToken, ...form({ accessTokenTTL: '60' }) });
    expect(patch.status).toBe(422);
  });
});

describe("The server's order of checks", () => {
  it('spends a token use before the rate limiter answers 429', async () => {
    const limited = await startEmulator({ clock, rateLimit: { secretsLimit: 1 } });
    try {
      const a = await setUpApp(limited, { accessTokenNumUsesLimit: 2 });
      const bearer = await accessToken(limited, a.identityId);
      const get = () => infisical(limited, 'GET', `/api/v3/secrets/raw?workspaceId=${a.projectId}&environment=prod`, { token: bearer });
      expect((await get()).status).toBe(200); // use 1
      expect((await get()).status).toBe(429); // use 2, then refused by the limiter
      expect((await get()).body).toMatchObject({ statusCode: 401, message: 'Failed to authorize: token usage limit reached' });
    } finally {
      await limited.close();
    }
  });

  it('authenticates before an injected fault answers', async () => {
    emu.faults.inject({ route: 'GET /api/v4/secrets', status: 503, times: 1 });
    const res = await infisical(emu, 'GET', `/api/v4/secrets?projectId=${app.projectId}&environment=prod`);
    expect(res.body).toMatchObject({ statusCode: 401, message: 'Token missing' });
    emu.faults.clear();
  });

  it('checks the event subscriber’s permission (403) before the plan (400)', async () => {
    const basic = await startEmulator({ clock, eventSubscriptions: false });
    try {
      const member = await setUpApp(basic);
      const outsider = await setUpApp(basic);
      const res = await infisical(basic, 'POST', '/api/v1/events/subscribe/project-events', {
        token: await accessToken(basic, outsider.identityId),
        body: { projectId: member.projectId, register: [{ event: 'secret:update' }] },
      });
      expect(res.body).toMatchObject({ statusCode: 403, error: 'PermissionDenied' });
    } finally {
      await basic.close();
    }
  });

  it('compares classic renewal in milliseconds', async () => {
    const classicClock = new ManualClock(Date.UTC(2026, 5, 1) + 400); // 0.4 s past a whole second
    const classic = await startEmulator({ clock: classicClock, renewalMode: 'classic' });
    try {
      const a = await setUpApp(classic, { accessTokenTTL: 10, accessTokenMaxTTL: 10 });
      const bearer = await accessToken(classic, a.identityId);
      // Half a second later: now + TTL passes createdAt + max TTL by 0.5 s, though in whole seconds they are equal.
      classicClock.t += 500;
      const renewed = await infisical(classic, 'POST', '/api/v1/auth/token/renew', { body: { accessToken: bearer } });
      expect(renewed.body).toMatchObject({ statusCode: 401, message: 'Failed to renew MI access token past its Max TTL expiration' });
    } finally {
      await classic.close();
    }
  });
});
