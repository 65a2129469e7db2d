import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@infisical-k8s/emulator';
import { ManualClock, accessToken, claims, infisical, setUpApp, type App } from './helpers.js';

const clock = new ManualClock();
let current: Emulator;
let classic: Emulator;

beforeAll(async () => {
  [current, classic] = await Promise.all([startEmulator({ clock }), startEmulator({ clock, renewalMode: 'classic' })]);
});
afterAll(async () => {
  await Promise.all([current.close(), classic.close()]);
});

const renew = (emu: Emulator, token: string) => infisical(emu, 'POST', '/api/v1/auth/token/renew', { body: { accessToken: token } });
const revoke = (emu: Emulator, token: string) => infisical(emu, 'POST', '/api/v1/auth/token/revoke', { body: { accessToken: token } });
const read = (emu: Emulator, app: App, token: string, headers: Record<string, string> = {}) =>
  infisical(emu, 'GET', `/api/v4/secrets?projectId=${app.projectId}&environment=prod`, { token, headers });

describe('Route: POST /api/v1/auth/token/renew (current)', () => {
  it('issues a new JWT with the same jti and a TTL that shrinks to the max-TTL budget', async () => {
    const app = await setUpApp(current, { accessTokenTTL: 3600, accessTokenMaxTTL: 7200 });
    const first = await accessToken(current, app.identityId);
    const start = clock.t / 1000;
    clock.advance(1000);
    const a = await renew(current, first);
    expect(a.body).toEqual({ accessToken: expect.any(String), expiresIn: 3600, accessTokenMaxTTL: 7200, tokenType: 'Bearer' });
    expect(a.body.accessToken).not.toBe(first);
    expect(claims(a.body.accessToken)).toMatchObject({ jti: claims(first).jti, creationEpoch: start, exp: start + 1000 + 3600 });
    clock.advance(3000);
    const b = await renew(current, a.body.accessToken);
    expect(b.body.expiresIn).toBe(3200);
    expect(claims(b.body.accessToken).exp).toBe(start + 7200);
    clock.advance(3000);
    expect((await renew(current, b.body.accessToken)).body.expiresIn).toBe(200);
    clock.advance(199);
    const c = await renew(current, b.body.accessToken);
    expect(c.body.expiresIn).toBe(1);
    // The older JWTs stay valid until their own exp: renew does not revoke them.
    clock.advance(1);
    expect((await renew(current, c.body.accessToken)).body).toMatchObject({ statusCode: 403, error: 'TokenError', message: 'Your token has expired. Please re-authenticate.' });
  });

  it('renews without a budget when the max TTL is 0', async () => {
    const app = await setUpApp(current, { accessTokenTTL: 0, accessTokenMaxTTL: 0 });
    const token = await accessToken(current, app.identityId);
    clock.advance(86_400);
    const res = await renew(current, token);
    expect(res.body.expiresIn).toBe(7_776_000);
  });

  it('refuses an exhausted token and a revoked one with 401', async () => {
    const app = await setUpApp(current, { accessTokenNumUsesLimit: 1 });
    const token = await accessToken(current, app.identityId);
    expect((await read(current, app, token)).status).toBe(200);
    expect((await renew(current, token)).body).toMatchObject({ statusCode: 401, message: 'Cannot renew exhausted access token' });
    const other = await accessToken(current, app.identityId);
    await revoke(current, other);
    expect((await renew(current, other)).body).toMatchObject({ statusCode: 401, message: 'Cannot renew: token has been revoked' });
  });

  it('answers 422 without an accessToken and 403 for a malformed one', async () => {
    expect((await infisical(current, 'POST', '/api/v1/auth/token/renew', { body: {} })).status).toBe(422);
    expect((await renew(current, 'garbage')).body).toMatchObject({
      statusCode: 403,
      error: 'TokenError',
      message: 'The provided access token is malformed. Please use a valid token or generate a new one and try again.',
    });
  });
});

describe('Route: POST /api/v1/auth/token/renew (classic)', () => {
  it('refuses at once with the defaults (TTL = max TTL) once any time has passed', async () => {
    const app = await setUpApp(classic, { accessTokenTTL: 2_592_000, accessTokenMaxTTL: 2_592_000 });
    const token = await accessToken(classic, app.identityId);
    clock.advance(1);
    expect((await renew(classic, token)).body).toMatchObject({ statusCode: 401, error: 'UnauthorizedError', message: 'Failed to renew MI access token past its Max TTL expiration' });
  });

  it('renews while now + TTL stays within createdAt + max TTL, with the full TTL each time', async () => {
    const app = await setUpApp(classic, { accessTokenTTL: 3600, accessTokenMaxTTL: 7200 });
    const token = await accessToken(classic, app.identityId);
    clock.advance(1000);
    const ok = await renew(classic, token);
    expect(ok.body).toMatchObject({ expiresIn: 3600, accessTokenMaxTTL: 7200, tokenType: 'Bearer' });
    expect(claims(ok.body.accessToken).exp).toBe(clock.t / 1000 + 3600);
    clock.advance(3000);
    expect((await renew(classic, ok.body.accessToken)).body).toMatchObject({ statusCode: 401, message: 'Failed to renew MI access token past its Max TTL expiration' });
  });

  it('uses the classic use-limit message', async () => {
    const app = await setUpApp(classic, { accessTokenNumUsesLimit: 1 });
    const token = await accessToken(classic, app.identityId);
    await read(classic, app, token);
    expect((await renew(classic, token)).body).toMatchObject({ statusCode: 401, message: 'Unable to renew because access token number of uses limit reached' });
  });
});

describe('Route: POST /api/v1/auth/token/revoke', () => {
  it('revokes: later calls get 401 token has been revoked', async () => {
    const app = await setUpApp(current);
    const token = await accessToken(current, app.identityId);
    expect((await revoke(current, token)).body).toEqual({ message: 'Successfully revoked access token' });
    expect((await read(current, app, token)).body).toMatchObject({ statusCode: 401, error: 'UnauthorizedError', message: 'Failed to authorize: token has been revoked' });
  });

  it('answers 403 for a malformed token', async () => {
    expect((await revoke(current, 'nope')).body).toMatchObject({ statusCode: 403, error: 'TokenError' });
  });
});

describe('Checks on every authenticated request', () => {
  it('answers 401 Token missing without a bearer', async () => {
    const res = await infisical(current, 'GET', '/api/v4/secrets?projectId=x&environment=prod');
    expect(res.body).toEqual({ reqId: expect.stringMatching(/^req-[A-Za-z0-9]{14}$/), statusCode: 401, message: 'Token missing', error: 'UnauthorizedError' });
  });

  it('answers 403 TokenError for an expired, a foreign-signed and a malformed bearer', async () => {
    const app = await setUpApp(current, { accessTokenTTL: 60, accessTokenMaxTTL: 60 });
    const token = await accessToken(current, app.identityId);
    clock.advance(60);
    expect((await read(current, app, token)).body).toMatchObject({ statusCode: 403, error: 'TokenError', message: 'Your token has expired. Please re-authenticate.' });
    expect((await read(current, app, classic.admin.accessToken)).body).toMatchObject({ statusCode: 403, error: 'TokenError', message: 'invalid signature' });
    expect((await read(current, app, 'abc')).body).toMatchObject({ statusCode: 403, error: 'TokenError', message: expect.stringMatching(/malformed/) });
  });

  it('allows exactly numUsesLimit calls, then 401 token usage limit reached', async () => {
    const app = await setUpApp(current, { accessTokenNumUsesLimit: 2 });
    const token = await accessToken(current, app.identityId);
    expect((await read(current, app, token)).status).toBe(200);
    expect((await read(current, app, token)).status).toBe(200);
    expect((await read(current, app, token)).body).toMatchObject({ statusCode: 401, error: 'UnauthorizedError', message: 'Failed to authorize: token usage limit reached' });
  });

  it('spends a use before validating the request, as the server authenticates first', async () => {
    const app = await setUpApp(current, { accessTokenNumUsesLimit: 1 });
    const token = await accessToken(current, app.identityId);
    expect((await infisical(current, 'GET', `/api/v4/secrets?projectId=${app.projectId}&environment=prod&recursive=1`, { token })).status).toBe(422);
    expect((await read(current, app, token)).body).toMatchObject({ statusCode: 401, message: 'Failed to authorize: token usage limit reached' });
  });

  it('enforces trusted IPs with the client IP from x-forwarded-for (IPv4 and IPv6 CIDRs, single IPs)', async () => {
    const app = await setUpApp(current, { accessTokenTrustedIps: [{ ipAddress: '10.0.0.0/8' }, { ipAddress: 'fd00::/8' }, { ipAddress: '203.0.113.7' }] });
    const token = await accessToken(current, app.identityId);
    const from = async (ip?: string) => (await read(current, app, token, ip ? { 'x-forwarded-for': ip } : {})).status;
    expect(await from('10.1.2.3')).toBe(200);
    expect(await from('10.9.9.9, 172.16.0.1')).toBe(200); // left-most entry is the client
    expect(await from('fd12::1')).toBe(200);
    expect(await from('203.0.113.7')).toBe(200);
    expect(await from('203.0.113.8')).toBe(403);
    expect(await from()).toBe(403); // loopback itself is not trusted
    const denied = await read(current, app, token, { 'x-forwarded-for': '192.168.1.1' });
    expect(denied.body).toMatchObject({ statusCode: 403, error: 'ForbiddenError', message: 'You are not allowed to access this resource from the current IP address' });
  });

  it('checks the auth method’s current trusted IPs, so an update applies to tokens already issued', async () => {
    const app = await setUpApp(current);
    const token = await accessToken(current, app.identityId);
    expect((await read(current, app, token)).status).toBe(200);
    await infisical(current, 'PATCH', `/api/v1/auth/kubernetes-auth/identities/${app.identityId}`, { token: current.admin.accessToken, body: { accessTokenTrustedIps: [{ ipAddress: '10.0.0.0/8' }] } });
    expect((await read(current, app, token)).status).toBe(403);
  });
});

describe('Route: GET /api/v1/identities/details', () => {
  it('answers any valid identity token with its organization, and spends a use', async () => {
    const app = await setUpApp(current, { accessTokenNumUsesLimit: 1 });
    const token = await accessToken(current, app.identityId);
    const res = await infisical(current, 'GET', '/api/v1/identities/details', { token });
    expect(res.body).toEqual({ identityDetails: { organization: { id: current.organizationId, name: expect.any(String), slug: expect.any(String) } } });
    expect((await infisical(current, 'GET', '/api/v1/identities/details', { token })).status).toBe(401);
    expect((await infisical(current, 'GET', '/api/v1/identities/details')).status).toBe(401);
  });
});
