/**
 * Logins, the stored token, renew and revoke, and the classifiers core relies on (token, use limit,
 * revocation, trusted IPs), against the emulator.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { provision, startEmulator } from '@infisical-k8s/emulator';
import { rm } from 'node:fs/promises';
import {
  InfisicalApiError,
  InfisicalClient,
  isRenewRefusedError,
  isRevokedError,
  isTokenError,
  isTrustedIpError,
  isUseLimitError,
} from 'node-infisical';
import { appClient, clientFor, rejectionOf, useEmulator } from './helpers.js';

let offsetMs = 0;
const env = useEmulator({ clock: { now: () => Date.now() + offsetMs } }, { secrets: { KEY: 'value' } });
const where = () => ({ projectId: env.app().projectId, environment: 'prod' });
const cleanup: Array<() => Promise<void>> = [];

afterEach(async () => {
  offsetMs = 0;
  delete process.env.INFISICAL_TOKEN;
  for (const task of cleanup.splice(0)) await task();
});

/** A fetch that claims another client address, as a proxy in front of Infisical would (the server trusts the proxy). */
const from = (ip: string): typeof fetch => (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), 'x-forwarded-for': ip } });

/** Another identity with its own Kubernetes Auth settings, removed after the test. */
async function provisionApp(options: Parameters<typeof provision>[1]) {
  const app = await provision(env.emu(), options);
  cleanup.push(() => rm(app.projected.dir, { recursive: true, force: true }));
  return app;
}

describe('Method: login', () => {
  it('stores the token of a Kubernetes Auth login', async () => {
    const client = clientFor(env.emu());
    expect(client.auth.accessToken).toBeUndefined();
    const response = await client.login({ kubernetesAuth: { identityId: env.app().identityId, jwt: env.app().projected.current() } });
    expect(client.auth.accessToken).toBe(response.accessToken);
    const { secrets } = await client.secrets.list(where());
    expect(secrets).toHaveLength(1);
  });

  it('logs in with Universal Auth', async () => {
    const emu = env.emu();
    const client = clientFor(emu);
    const response = await client.login({ universalAuth: { clientId: emu.admin.clientId, clientSecret: emu.admin.clientSecret } });
    expect(response).toMatchObject({ tokenType: 'Bearer' });
    const { identity } = await client.identities.get({ identityId: emu.admin.identityId });
    expect(identity.identity.id).toBe(emu.admin.identityId);
    expect(identity.role).toBe('admin');
  });

  it('refuses a wrong Universal Auth secret with a typed 401', async () => {
    const error = await rejectionOf(clientFor(env.emu()).login({ universalAuth: { clientId: env.emu().admin.clientId, clientSecret: 'wrong-secret' } }));
    expect(error).toBeInstanceOf(InfisicalApiError);
    expect(error).toMatchObject({ status: 401 });
  });

  it('adopts a given access token and reads its lifetime from the claims', async () => {
    const issued = await appClient(env.emu(), env.app());
    const client = clientFor(env.emu());
    const response = await client.login({ accessToken: issued.auth.accessToken! });
    expect(client.auth.accessToken).toBe(issued.auth.accessToken);
    expect(response.expiresIn).toBeGreaterThan(3500);
    expect(response.expiresIn).toBeLessThanOrEqual(3600);
    expect(response).toMatchObject({ accessTokenMaxTTL: 86_400, tokenType: 'Bearer' });
    await client.secrets.list(where());
  });

  it('starts with INFISICAL_TOKEN when the accessToken key is absent; the option wins, and accessToken: undefined opts out', async () => {
    process.env.INFISICAL_TOKEN = 'from-environment';
    expect(new InfisicalClient().auth.accessToken).toBe('from-environment');
    expect(new InfisicalClient({ accessToken: 'explicit' }).auth.accessToken).toBe('explicit');
    expect(new InfisicalClient({ accessToken: undefined }).auth.accessToken).toBeUndefined();
  });
});

describe('Method: auth.renew / auth.revoke', () => {
  it('renew stores the new token the server returns', async () => {
    const client = await appClient(env.emu(), env.app());
    const before = client.auth.accessToken;
    offsetMs = 60_000;
    const renewed = await client.auth.renew();
    expect(renewed.accessToken).not.toBe(before);
    expect(client.auth.accessToken).toBe(renewed.accessToken);
    await client.secrets.list(where());
  });

  it('an expired token cannot be renewed: 403 TokenError, a token error and a refused renewal', async () => {
    const client = await appClient(env.emu(), env.app());
    offsetMs = 3_700_000;
    const error = (await rejectionOf(client.auth.renew())) as InfisicalApiError;
    expect(error).toMatchObject({ status: 403, serverError: 'TokenError' });
    expect(isTokenError(error)).toBe(true);
    expect(isRenewRefusedError(error)).toBe(true);
    expect(error.hint).toContain('log in again');
    const listing = await rejectionOf(client.secrets.list(where()));
    expect(isTokenError(listing)).toBe(true);
  });

  it('current servers renew with a shrinking lifetime, then refuse at the max-TTL budget (log in instead)', async () => {
    const short = await provisionApp({ accessTokenTTL: 600, accessTokenMaxTTL: 900 });
    const client = await appClient(env.emu(), short);
    offsetMs = 500_000;
    const renewed = await client.auth.renew();
    expect(renewed.expiresIn).toBeLessThanOrEqual(400);
    // The renewed token ends with the budget, so past it the server answers 403 TokenError (or, within its
    // last second, 401 max TTL): either way a refusal that a new login fixes.
    offsetMs = 901_000;
    const error = (await rejectionOf(client.auth.renew())) as InfisicalApiError;
    expect([401, 403]).toContain(error.status);
    expect(isRenewRefusedError(error)).toBe(true);
    expect(error.hint).toMatch(/log in again/);
  });

  it('classic servers refuse a renewal that would pass the max TTL (401), a refused renewal', async () => {
    let now = Date.now();
    const emu = await startEmulator({ renewalMode: 'classic', clock: { now: () => now } });
    const app = await provision(emu, { accessTokenTTL: 3600, accessTokenMaxTTL: 3600 });
    try {
      const client = await appClient(emu, app);
      now += 60_000;
      const error = (await rejectionOf(client.auth.renew())) as InfisicalApiError;
      expect(error).toMatchObject({ status: 401 });
      expect(error.serverMessage).toContain('Max TTL');
      expect(isRenewRefusedError(error)).toBe(true);
    } finally {
      await emu.close();
      await rm(app.projected.dir, { recursive: true, force: true });
    }
  });

  it('revoke forgets the stored token; the old token is then refused as revoked', async () => {
    const client = await appClient(env.emu(), env.app());
    const token = client.auth.accessToken!;
    await client.auth.revoke();
    expect(client.auth.accessToken).toBeUndefined();
    const missing = (await rejectionOf(client.secrets.list(where()))) as InfisicalApiError;
    expect(missing).toMatchObject({ status: 401, serverMessage: 'Token missing' });
    expect(missing.hint).toContain('log in first');
    client.auth.setAccessToken(token);
    const error = await rejectionOf(client.secrets.list(where()));
    expect(isRevokedError(error)).toBe(true);
    expect(isTokenError(error)).toBe(true);
    expect(isRenewRefusedError(await rejectionOf(client.auth.renew()))).toBe(true);
  });

  it('revoking another token keeps the stored one', async () => {
    const mine = await appClient(env.emu(), env.app());
    const other = await appClient(env.emu(), env.app());
    const token = mine.auth.accessToken;
    await mine.auth.revoke(other.auth.accessToken);
    expect(mine.auth.accessToken).toBe(token);
  });
});

describe('Function: isUseLimitError / isTrustedIpError', () => {
  it('a spent use limit is a use-limit error (and a token error)', async () => {
    const limited = await provisionApp({ accessTokenNumUsesLimit: 2 });
    const client = await appClient(env.emu(), limited);
    const scope = { projectId: limited.projectId, environment: 'prod' };
    await client.secrets.list(scope);
    await client.secrets.list(scope);
    const error = (await rejectionOf(client.secrets.list(scope))) as InfisicalApiError;
    expect(error).toMatchObject({ status: 401 });
    expect(isUseLimitError(error)).toBe(true);
    expect(isTokenError(error)).toBe(true);
    expect(error.hint).toContain('accessTokenNumUsesLimit');
  });

  it('an address outside accessTokenTrustedIps is a trusted-IP error, not a token error', async () => {
    const fenced = await provisionApp({ accessTokenTrustedIps: [{ ipAddress: '10.0.0.0/8' }] });
    const inside = await appClient(env.emu(), fenced, { fetch: from('10.1.2.3') });
    await inside.secrets.list({ projectId: fenced.projectId, environment: 'prod' });
    const outside = clientFor(env.emu(), { fetch: from('192.168.7.7'), accessToken: inside.auth.accessToken! });
    const error = (await rejectionOf(outside.secrets.list({ projectId: fenced.projectId, environment: 'prod' }))) as InfisicalApiError;
    expect(error).toMatchObject({ status: 403, serverError: 'ForbiddenError' });
    expect(isTrustedIpError(error)).toBe(true);
    expect(isTokenError(error)).toBe(false);
    expect(error.hint).toContain('accessTokenTrustedIps');
  });
});
