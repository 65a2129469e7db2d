import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provision, startEmulator, type Emulator } from '@infisical-k8s/emulator';
import { ManualClock, claims, infisical } from './helpers.js';

const clock = new ManualClock();
let emu: Emulator;
const dirs: string[] = [];

beforeAll(async () => {
  emu = await startEmulator({ clock });
});
afterAll(async () => {
  await emu.close();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function app(options: Parameters<typeof provision>[1] = {}) {
  const provisioned = await provision(emu, { secrets: { A: 'a' }, universalAuth: true, ...options });
  provisioned.projected.stop();
  dirs.push(provisioned.projected.dir);
  return provisioned;
}

const login = (clientId: string, clientSecret: string) => infisical(emu, 'POST', '/api/v1/auth/universal-auth/login', { body: { clientId, clientSecret } });
const renew = (accessToken: string) => infisical(emu, 'POST', '/api/v1/auth/token/renew', { body: { accessToken } });

describe('Function: provision (universalAuth)', () => {
  it('attaches Universal Auth with a client secret, in the result and the env', async () => {
    const a = await app();
    expect(a.universalAuth).toEqual({ clientId: expect.any(String), clientSecret: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(a.env).toMatchObject({ INFISICAL_UNIVERSAL_AUTH_CLIENT_ID: a.universalAuth!.clientId, INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET: a.universalAuth!.clientSecret });
    const plain = await provision(emu);
    plain.projected.stop();
    dirs.push(plain.projected.dir);
    expect(plain.universalAuth).toBeUndefined();
    expect(Object.keys(plain.env).filter((key) => key.includes('UNIVERSAL'))).toEqual([]);
  });
});

describe('Route: POST /api/v1/auth/universal-auth/login', () => {
  it("issues a token under the identity's limits that reads its project, and renews within its max-TTL budget", async () => {
    const a = await app({ accessTokenTTL: 3600, accessTokenMaxTTL: 7200 });
    const answer = await login(a.universalAuth!.clientId, a.universalAuth!.clientSecret);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ expiresIn: 3600, accessTokenMaxTTL: 7200, tokenType: 'Bearer' });
    const token = answer.body.accessToken as string;
    expect(claims(token)).toMatchObject({ authMethod: 'universal-auth', identityId: a.identityId, accessTokenTTL: 3600, accessTokenMaxTTL: 7200 });
    const list = await infisical(emu, 'GET', `/api/v4/secrets?projectId=${a.projectId}&environment=prod`, { token });
    expect(list.status).toBe(200);
    clock.advance(3000);
    const renewed = await renew(token);
    expect(renewed.status).toBe(200);
    expect(renewed.body.expiresIn).toBe(3600);
    clock.advance(3500);
    // The max-TTL budget (7200 s) shrinks the next renewal, as for Kubernetes Auth tokens.
    expect((await renew(renewed.body.accessToken as string)).body.expiresIn).toBe(700);
  });

  it('refuses a wrong secret and an unknown client with 401 Invalid credentials', async () => {
    const a = await app();
    const wrong = await login(a.universalAuth!.clientId, 'f'.repeat(64));
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ message: 'Invalid credentials', error: 'UnauthorizedError' });
    expect((await login('00000000-0000-4000-8000-000000000000', a.universalAuth!.clientSecret)).status).toBe(401);
    expect((await login(a.universalAuth!.clientId, '')).status).toBe(401);
  });

  it('honours the use limit of Universal Auth tokens', async () => {
    const a = await app({ accessTokenNumUsesLimit: 1 });
    const token = (await login(a.universalAuth!.clientId, a.universalAuth!.clientSecret)).body.accessToken as string;
    const read = () => infisical(emu, 'GET', `/api/v4/secrets?projectId=${a.projectId}&environment=prod`, { token });
    expect((await read()).status).toBe(200);
    expect((await read()).status).toBe(401);
  });
});

describe('Route: POST /api/v1/auth/universal-auth/identities/:identityId', () => {
  it('refuses a second attach and a TTL above the max TTL', async () => {
    const a = await app();
    const again = await infisical(emu, 'POST', `/api/v1/auth/universal-auth/identities/${a.identityId}`, { token: emu.admin.accessToken, body: {} });
    expect(again.status).toBe(400);
    const plain = await provision(emu);
    plain.projected.stop();
    dirs.push(plain.projected.dir);
    const bad = await infisical(emu, 'POST', `/api/v1/auth/universal-auth/identities/${plain.identityId}`, { token: emu.admin.accessToken, body: { accessTokenTTL: 10, accessTokenMaxTTL: 5 } });
    expect(bad.status).toBe(422);
    const secret = await infisical(emu, 'POST', `/api/v1/auth/universal-auth/identities/${plain.identityId}/client-secrets`, { token: emu.admin.accessToken, body: {} });
    expect(secret.status).toBe(404);
  });
});
