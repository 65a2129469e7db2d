import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmulatorError, provision, startEmulator, type Emulator } from '@infisical-k8s/emulator';
import { main } from '../src/cli.js';
import { ManualClock, accessToken, claims, infisical, login, request, setUpApp, tempDir, type App } from './helpers.js';

const clock = new ManualClock();
let old: Emulator;
let current: Emulator;
let app: App;

beforeAll(async () => {
  [old, current] = await Promise.all([startEmulator({ clock, generation: '2024' }), startEmulator({ clock })]);
  app = await setUpApp(old, { accessTokenTTL: 3600, accessTokenMaxTTL: 3600 });
  old.setSecrets(app.projectId, 'prod', { GREETING: 'hello' });
});
afterAll(async () => {
  await Promise.all([old.close(), current.close()]);
});

describe("Option: generation '2024' (a server from October 2024)", () => {
  it('has no /api/v4/secrets* and no event route, and serves the v3 raw routes', async () => {
    const token = await accessToken(old, app.identityId);
    const v4 = await infisical(old, 'GET', `/api/v4/secrets?projectId=${app.projectId}&environment=prod`, { token });
    expect(v4.status).toBe(404);
    expect(v4.body).toEqual({ statusCode: 404, message: 'Route GET:/api/v4/secrets not found', error: 'NotFound' });
    const one = await infisical(old, 'GET', `/api/v4/secrets/GREETING?projectId=${app.projectId}&environment=prod`, { token });
    expect(one.body.message).toBe('Route GET:/api/v4/secrets/GREETING not found');
    const events = await infisical(old, 'POST', '/api/v1/events/subscribe/project-events', { token, body: { projectId: app.projectId, register: [{ event: 'secret:update' }] } });
    expect(events.body).toMatchObject({ statusCode: 404, message: 'Route POST:/api/v1/events/subscribe/project-events not found' });
    const v3 = await infisical(old, 'GET', `/api/v3/secrets/raw?workspaceId=${app.projectId}&environment=prod`, { token });
    expect(v3.body.secrets).toMatchObject([{ secretKey: 'GREETING', secretValue: 'hello' }]);
  });

  it('follows a reference cycle to the depth bound (no visited-secret check in 2024)', async () => {
    old.setSecrets(app.projectId, 'dev', { A: '${B}', B: '${A}' }, '/cycle');
    const token = await accessToken(old, app.identityId);
    const res = await infisical(old, 'GET', `/api/v3/secrets/raw?workspaceId=${app.projectId}&environment=dev&secretPath=/cycle&expandSecretReferences=true`, { token });
    expect(Object.fromEntries(res.body.secrets.map((s: { secretKey: string; secretValue: string }) => [s.secretKey, s.secretValue]))).toEqual({ A: '${A}', B: '${B}' });
  });

  it('answers errors without reqId', async () => {
    const missing = await infisical(old, 'GET', `/api/v3/secrets/raw?workspaceId=${app.projectId}&environment=prod`);
    expect(missing.body).toEqual({ statusCode: 401, message: 'Token missing', error: 'UnauthorizedError' });
    const invalid = await infisical(old, 'GET', `/api/v3/secrets/raw?workspaceId=${app.projectId}&environment=prod&recursive=1`, { token: await accessToken(old, app.identityId) });
    expect(invalid.status).toBe(422);
    expect(invalid.body).not.toHaveProperty('reqId');
    expect((await infisical(current, 'GET', '/api/v3/secrets/raw')).body).toHaveProperty('reqId');
  });

  it('answers a secretPath outside [A-Za-z0-9_-] with the database\'s catch-all 500, as observed (current servers: 400, pinned in secrets-server.test.ts)', async () => {
    const token = await accessToken(old, app.identityId);
    const res = await infisical(old, 'GET', `/api/v3/secrets/raw?workspaceId=${app.projectId}&environment=prod&secretPath=/a%20b`, { token });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ statusCode: 500, message: 'Something went wrong', error: 'Find by secret path' });
  });

  it("refuses an allowedAudience other than the API server's after the TokenReview: 401 Access denied: K8s audience not allowed.", async () => {
    // The 2024 server sends no spec.audiences: the API server checks its own, and the server then compares
    // allowedAudience with status.audiences, which can only hold the API server's audience.
    const strict = await setUpApp(old, { allowedAudience: 'infisical' });
    const forApiServer = old.kubernetes.issueToken({ audience: old.kubernetes.apiAudiences });
    expect((await login(old, strict.identityId, forApiServer)).body).toEqual({ statusCode: 401, message: 'Access denied: K8s audience not allowed.', error: 'UnauthorizedError' });
    // A token for `infisical` never gets that far: the API server refuses it.
    expect((await login(old, strict.identityId, old.kubernetes.issueToken())).body).toEqual({
      statusCode: 401,
      message: `[invalid bearer token, token audiences ["infisical"] is invalid for the target audiences ${JSON.stringify(old.kubernetes.apiAudiences)}]`,
      error: 'KubernetesTokenReviewError',
    });
    // Today's server sends spec.audiences: the same settings log in with an `infisical` token, and the API server
    // refuses a wrong audience itself.
    const now = await setUpApp(current, { allowedAudience: 'infisical' });
    expect((await login(current, now.identityId, current.kubernetes.issueToken())).status).toBe(200);
    const refused = await login(current, now.identityId, current.kubernetes.issueToken({ audience: 'elsewhere' }));
    expect(refused.body).toMatchObject({ statusCode: 401, error: 'KubernetesTokenReviewError', message: expect.stringContaining('invalid bearer token') });
  });

  it("provision() allows no audience and mounts a token for the API server's audiences; 'current' keeps infisical", async () => {
    expect([old.generation, current.generation]).toEqual(['2024', 'current']);
    const dirs = await Promise.all([tempDir(), tempDir()]);
    try {
      const [then, now] = await Promise.all([provision(old, { tokenDir: dirs[0].dir }), provision(current, { tokenDir: dirs[1].dir })]);
      for (const [emu, made, audience, aud] of [
        [old, then, '', old.kubernetes.apiAudiences],
        [current, now, 'infisical', ['infisical']],
      ] as const) {
        const stored = await infisical(emu, 'GET', `/api/v1/auth/kubernetes-auth/identities/${made.identityId}`, { token: emu.admin.accessToken });
        expect(stored.body.identityKubernetesAuth.allowedAudience).toBe(audience);
        expect(claims(made.projected.current()).aud).toEqual(aud);
        expect((await login(emu, made.identityId, made.projected.current())).status).toBe(200);
        made.projected.stop();
      }
    } finally {
      await Promise.all(dirs.map((d) => d.cleanup()));
    }
  });

  it('refuses a revoked token with 401 No identity access token found', async () => {
    const token = await accessToken(old, app.identityId);
    expect((await infisical(old, 'POST', '/api/v1/auth/token/revoke', { body: { accessToken: token } })).status).toBe(200);
    const after = await infisical(old, 'GET', `/api/v3/secrets/raw?workspaceId=${app.projectId}&environment=prod`, { token });
    expect(after.body).toEqual({ statusCode: 401, message: 'No identity access token found', error: 'UnauthorizedError' });
    expect((await infisical(old, 'POST', '/api/v1/auth/token/revoke', { body: { accessToken: token } })).body).toMatchObject({ statusCode: 401, message: 'No identity access token found' });
  });

  it('renews the classic way: refused once now + TTL passes createdAt + max TTL', async () => {
    const token = await accessToken(old, app.identityId);
    clock.advance(1);
    const renewed = await infisical(old, 'POST', '/api/v1/auth/token/renew', { body: { accessToken: token } });
    expect(renewed.body).toEqual({ statusCode: 401, message: 'Failed to renew MI access token past its Max TTL expiration', error: 'UnauthorizedError' });
  });

  it('rate-limits by default: 40 secret reads per IP per minute', async () => {
    const limited = await startEmulator({ clock, generation: '2024' });
    try {
      const a = await setUpApp(limited);
      const token = await accessToken(limited, a.identityId);
      const get = () => infisical(limited, 'GET', `/api/v3/secrets/raw?workspaceId=${a.projectId}&environment=prod`, { token });
      for (let i = 0; i < 40; i++) expect((await get()).status).toBe(200);
      const refused = await get();
      expect(refused.status).toBe(429);
      expect(refused.headers['x-ratelimit-limit']).toBe('40');
      expect(refused.body).toEqual({ statusCode: 429, message: expect.stringMatching(/^Rate limit exceeded/), error: 'RateLimitExceeded' });
      expect((await infisical(limited, 'GET', `/api/v1/folders?workspaceId=${a.projectId}&environment=prod`, { token })).headers['x-ratelimit-limit']).toBe('60');
    } finally {
      await limited.close();
    }
  });

  it('refuses an unknown generation with a typed error', async () => {
    const error = await startEmulator({ generation: '2023' as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmulatorError);
    expect(error).toMatchObject({ code: 'INVALID_OPTIONS' });
  });
});

describe('Function: main (CLI) --generation', () => {
  it('starts the 2024 server', async () => {
    const lines: string[] = [];
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    // Waits for the banner's last line itself, not a fixed 5 s of polling (a busy machine may need longer).
    let printed!: () => void;
    const banner = new Promise<void>((resolve) => (printed = resolve));
    const running = main(['--generation', '2024'], {
      log: (line) => {
        lines.push(line);
        if (line === 'Press Ctrl-C to stop.') printed();
      },
      stopped,
    });
    await Promise.race([banner, running.then(() => undefined)]);
    expect(lines).toContain('Server generation:         2024');
    expect(lines).toContain('Renewal mode:              classic');
    const site = lines.find((l) => l.startsWith('export INFISICAL_SITE_URL='))!.split('=')[1]!;
    expect((await request('GET', `${site}/api/v4/secrets`)).status).toBe(404);
    stop();
    await running;
  });

  it('refuses an unknown generation', async () => {
    await expect(main(['--generation', 'old'], { log: () => {} })).rejects.toMatchObject({ code: 'EMULATOR_CLI_USAGE', message: expect.stringContaining('--generation needs current or 2024') });
  });
});
