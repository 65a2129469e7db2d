import { readFileSync } from 'node:fs';
import { readlink, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';

const clock = { t: Date.UTC(2026, 5, 1), now() { return this.t; } };
let emu: Emulator;
let app: Provisioned;

beforeAll(async () => {
  emu = await startEmulator({ clock });
  app = await provision(emu, { secrets: { A: 'a', REF: '${A}-x', LOOP1: '${LOOP2}', LOOP2: '${LOOP1}' }, accessTokenTTL: 3600, accessTokenMaxTTL: 7200 });
});
afterAll(async () => {
  await emu.close();
  await rm(app.projected.dir, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(`${emu.infisicalUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}
const login = async (jwt = app.projected.current()) => call('POST', '/api/v1/auth/kubernetes-auth/login', { identityId: app.identityId, jwt });
const list = (token: string, query: string) => call('GET', `/api/v4/secrets?projectId=${app.projectId}&environment=prod&${query}`, undefined, token);

describe('Emulator: Kubernetes side', () => {
  it('writes projected tokens like the kubelet and swaps ..data atomically on rotation', async () => {
    const first = app.projected.current();
    const before = await readlink(join(app.projected.dir, '..data'));
    await app.projected.rotate();
    expect(await readlink(join(app.projected.dir, '..data'))).not.toBe(before);
    expect(readFileSync(app.projected.path, 'utf8')).not.toBe(first);
    const claims = JSON.parse(Buffer.from(app.projected.current().split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({ sub: 'system:serviceaccount:default:infisical-auth', aud: ['infisical'], 'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'infisical-auth' } } });
  });
});

describe('Emulator: Infisical side', () => {
  it('answers the error envelope: 401 Token missing, 403 TokenError, 422 issues', async () => {
    expect((await call('GET', `/api/v4/secrets?projectId=${app.projectId}&environment=prod`)).body).toMatchObject({ statusCode: 401, message: 'Token missing', error: 'UnauthorizedError', reqId: expect.stringMatching(/^req-[A-Za-z0-9]{14}$/) });
    expect((await list('eyJhbGciOiJIUzI1NiJ9.e30.x', '')).body).toMatchObject({ statusCode: 403, error: 'TokenError' });
    const { body } = await login();
    const bad = await list(body.accessToken, 'recursive=1');
    expect(bad.status).toBe(422);
    expect(bad.body.message[0]).toMatchObject({ path: ['recursive'] });
  });

  it('expands references, ends cycles at the depth bound, and lists an empty missing path (with imports: [])', async () => {
    const { body } = await login();
    const expanded = await list(body.accessToken, 'expandSecretReferences=true');
    const values = Object.fromEntries(expanded.body.secrets.map((s: { secretKey: string; secretValue: string }) => [s.secretKey, s.secretValue]));
    expect(values).toMatchObject({ A: 'a', REF: 'a-x' });
    expect(values.LOOP1).toMatch(/^\$\{LOOP[12]\}$/);
    expect(expanded.body).not.toHaveProperty('imports');
    expect((await list(body.accessToken, 'secretPath=/nowhere')).body).toEqual({ secrets: [], imports: [] });
  });

  it('merges imports only when asked', async () => {
    emu.setSecrets(app.projectId, 'dev', { SHARED: 's' }, '/shared');
    emu.addImport({ projectId: app.projectId, environment: 'prod', importEnvironment: 'dev', importPath: '/shared' });
    const { body } = await login();
    const withImports = await list(body.accessToken, 'include_imports=true');
    expect(withImports.body.imports[0]).toMatchObject({ environment: 'dev', secretPath: '/shared', secrets: [{ secretKey: 'SHARED', secretValue: 's' }] });
  });

  it('renews with a shrinking TTL until the max-TTL budget is spent (current mode)', async () => {
    const { body } = await login();
    clock.t += 3000_000;
    const renewed = await call('POST', '/api/v1/auth/token/renew', { accessToken: body.accessToken });
    expect(renewed.body.expiresIn).toBe(3600);
    clock.t += 3000_000;
    const shorter = await call('POST', '/api/v1/auth/token/renew', { accessToken: renewed.body.accessToken });
    expect(shorter.body.expiresIn).toBe(1200);
    clock.t += 1200_000;
    const refused = await call('POST', '/api/v1/auth/token/renew', { accessToken: shorter.body.accessToken });
    expect(refused.body).toMatchObject({ statusCode: 403, message: 'Your token has expired. Please re-authenticate.' });
  });

  it('enforces the use limit and trusted IPs', async () => {
    await app.projected.rotate(); // the clock has moved on: a fresh service-account token
    await call('PATCH', `/api/v1/auth/kubernetes-auth/identities/${app.identityId}`, { accessTokenNumUsesLimit: 2, accessTokenTrustedIps: [{ ipAddress: '10.0.0.0/8' }] }, emu.admin.accessToken);
    const { body } = await login();
    const blocked = await list(body.accessToken, '');
    expect(blocked.body).toMatchObject({ statusCode: 403, message: 'You are not allowed to access this resource from the current IP address' });
    const fromInside = (token: string) =>
      fetch(`${emu.infisicalUrl}/api/v4/secrets?projectId=${app.projectId}&environment=prod`, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': '10.1.2.3' } });
    const second = await login();
    expect((await fromInside(second.body.accessToken)).status).toBe(200);
    expect((await fromInside(second.body.accessToken)).status).toBe(200);
    expect(await (await fromInside(second.body.accessToken)).json()).toMatchObject({ statusCode: 401, message: 'Failed to authorize: token usage limit reached' });
    await call('PATCH', `/api/v1/auth/kubernetes-auth/identities/${app.identityId}`, { accessTokenNumUsesLimit: 0, accessTokenTrustedIps: [{ ipAddress: '0.0.0.0/0' }, { ipAddress: '::/0' }] }, emu.admin.accessToken);
  });

  it('refuses classic renewals past createdAt + max TTL', async () => {
    const classic = await startEmulator({ clock, renewalMode: 'classic' });
    const c = await provision(classic, { accessTokenTTL: 3600, accessTokenMaxTTL: 3600 });
    try {
      const loginRes = await fetch(`${classic.infisicalUrl}/api/v1/auth/kubernetes-auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identityId: c.identityId, jwt: c.projected.current() }) });
      const { accessToken } = (await loginRes.json()) as { accessToken: string };
      clock.t += 60_000;
      const renew = await fetch(`${classic.infisicalUrl}/api/v1/auth/token/renew`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accessToken }) });
      expect(await renew.json()).toMatchObject({ statusCode: 401, message: 'Failed to renew MI access token past its Max TTL expiration' });
    } finally {
      await classic.close();
      await rm(c.projected.dir, { recursive: true, force: true });
    }
  });

  it('counts requests per route, faults included', async () => {
    await app.projected.rotate();
    emu.counters.reset();
    emu.faults.inject({ route: 'POST /api/v1/auth/kubernetes-auth/login', status: 429, retryAfter: 7, times: 1 });
    const limited = await fetch(`${emu.infisicalUrl}/api/v1/auth/kubernetes-auth/login`, { method: 'POST', body: '{}' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    await login();
    expect(emu.counters.get('POST /api/v1/auth/kubernetes-auth/login')).toBe(2);
    expect(emu.counters.get('POST /apis/authentication.k8s.io/v1/tokenreviews')).toBe(1);
  });
});
