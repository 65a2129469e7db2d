import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@infisical-k8s/emulator';
import { ManualClock, accessToken, infisical, setUpApp, type App } from './helpers.js';

const clock = new ManualClock();
let emu: Emulator;
let app: App;

beforeAll(async () => {
  emu = await startEmulator({ clock });
  // An audience both generations accept: none, and a token for the API server's own audiences.
  app = await setUpApp(emu, { allowedAudience: '' });
  emu.setSecrets(app.projectId, 'prod', { GREETING: 'hello' });
});
afterAll(() => emu.close());

const jwt = () => emu.kubernetes.issueToken({ audience: emu.kubernetes.apiAudiences });

/** Opens an event stream; resolves once the head has arrived, with a promise of the stream's end. */
function openStream(token: string): Promise<{ ended: Promise<void> }> {
  const payload = JSON.stringify({ projectId: app.projectId, register: [{ event: 'secret:update' }] });
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${emu.infisicalUrl}/api/v1/events/subscribe/project-events`,
      { method: 'POST', agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        res.resume();
        resolve({ ended: new Promise<void>((done) => res.on('close', () => done())) });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('Method: setGeneration', () => {
  it('switches the server in place: routes, error shapes and renewal follow; data and issued tokens stay; streams close', async () => {
    const token = await accessToken(emu, app.identityId, jwt());
    const { ended } = await openStream(token);
    expect(emu.events.connections()).toBe(1);
    const v4 = `/api/v4/secrets?projectId=${app.projectId}&environment=prod`;
    expect((await infisical(emu, 'GET', v4, { token })).status).toBe(200);

    emu.setGeneration('2024');
    expect(emu.generation).toBe('2024');
    await ended;
    expect(emu.events.connections()).toBe(0);
    expect((await infisical(emu, 'GET', v4, { token })).body).toEqual({ statusCode: 404, message: 'Route GET:/api/v4/secrets not found', error: 'NotFound' });
    const v3 = await infisical(emu, 'GET', `/api/v3/secrets/raw?workspaceId=${app.projectId}&environment=prod`, { token });
    expect(v3.body.secrets).toMatchObject([{ secretKey: 'GREETING', secretValue: 'hello' }]);
    expect((await infisical(emu, 'GET', '/api/v3/secrets/raw')).body).not.toHaveProperty('reqId');
    // Classic renewal: the answer's expiresIn is the TTL, not the shrinking remainder of the budget.
    clock.advance(60);
    const renewed = await infisical(emu, 'POST', '/api/v1/auth/token/renew', { body: { accessToken: token } });
    expect(renewed.body.expiresIn).toBe(3600);
    // A 2024 server rate-limits by default.
    expect((await infisical(emu, 'GET', `/api/v3/secrets/raw?workspaceId=${app.projectId}&environment=prod`, { token })).headers['x-ratelimit-limit']).toBe('40');

    emu.setGeneration('current');
    expect(emu.generation).toBe('current');
    expect((await infisical(emu, 'GET', v4, { token: await accessToken(emu, app.identityId, jwt()) })).body.secrets).toMatchObject([{ secretKey: 'GREETING' }]);
    expect((await infisical(emu, 'GET', '/api/v3/secrets/raw')).body).toHaveProperty('reqId');
  });

  it('refuses an unknown generation with a typed error and keeps playing the one it had', () => {
    expect(() => emu.setGeneration('2023' as never)).toThrow(expect.objectContaining({ name: 'EmulatorError', code: 'INVALID_OPTIONS' }));
    expect(emu.generation).toBe('current');
  });
});
