import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { provision, startEmulator, type Emulator, type Provisioned, type ProvisionOptions, type StartEmulatorOptions } from '@infisical-k8s/emulator';
import { createInfisicalConfig, type InfisicalConfigOptions } from '@infisical-k8s/core';
import { ManualClock } from '@infisical-k8s/core/testing';
import { InfisicalClient } from 'node-infisical';
import { captureLogger, JWT_PATTERN, routes, waitFor } from './helpers.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const UA_LOGIN = 'POST /api/v1/auth/universal-auth/login';

interface Setup {
  emu: Emulator;
  app: Provisioned;
  clock: ManualClock;
  logger: ReturnType<typeof captureLogger>;
  config: ReturnType<typeof createInfisicalConfig<undefined>>;
}

let s: Setup | undefined;
afterEach(async () => {
  await s?.config.close();
  s?.app.projected.stop();
  await s?.emu.close();
  if (s) await rm(s.app.projected.dir, { recursive: true, force: true });
  s = undefined;
});

/** An emulator on a manual clock and an app with Universal Auth; `options(app)` are the config's own (no kubernetesAuth unless given). */
async function setup(provisioned: ProvisionOptions, options: (app: Provisioned, emu: Emulator) => Partial<InfisicalConfigOptions>, emulator: StartEmulatorOptions = {}): Promise<Setup> {
  const clock = new ManualClock();
  const emu = await startEmulator({ clock, ...emulator });
  const app = await provision(emu, { secrets: { GREETING: 'hello' }, universalAuth: true, ...provisioned });
  const logger = captureLogger();
  const config = createInfisicalConfig({
    siteUrl: emu.infisicalUrl,
    secrets: { projectId: app.projectId, environment: app.environment },
    logger,
    clock,
    random: () => 0.5,
    client: { retry: false },
    push: false,
    refreshIntervalMs: 0,
    env: {},
    ...options(app, emu),
  });
  s = { emu, app, clock, logger, config };
  return s;
}

/** Nothing a user can print holds the client secret or a JWT. */
function expectNoLeak(t: Setup, ...extra: unknown[]): void {
  const secret = t.app.universalAuth!.clientSecret;
  const texts = [inspect(t.config, { depth: 10 }), JSON.stringify(t.config), JSON.stringify(t.config.status), ...t.logger.lines];
  for (const value of extra) texts.push(inspect(value, { depth: 10 }), JSON.stringify(value), String(value));
  for (const text of texts) {
    expect(text).not.toContain(secret);
    expect(text).not.toMatch(JWT_PATTERN);
  }
}

describe('Option: universalAuth', () => {
  /*
   * The same schedule as Kubernetes Auth (token-lifecycle.test.ts): TTL 1 h, max TTL 24 h, jitter pinned to 0.5, so
   * renewals at k × 2280 s, a login every 84 360 s: over 30 days 31 logins and 1106 renewals.
   */
  it.each(['current', 'classic'] as const)('renews and logs in again like Kubernetes Auth over 30 simulated days, without Kubernetes or the token file (%s server)', async (renewalMode) => {
    const t = await setup({ accessTokenTTL: 3600, accessTokenMaxTTL: 86_400 }, (app) => ({ universalAuth: app.universalAuth! }), { renewalMode });
    const errors: string[] = [];
    t.config.errors$.subscribe((e) => errors.push(e.code));
    expect(await t.config.ready()).toEqual({ GREETING: 'hello' });
    for (let day = 1; day <= 30; day++) {
      await t.clock.advance(DAY);
      if (day === 15) t.emu.setSecret({ projectId: t.app.projectId, environment: 'prod', key: 'GREETING', value: 'changed on day 15' });
    }
    expect(t.emu.counters.get(UA_LOGIN)).toBe(31);
    expect(t.emu.counters.get(routes.renew)).toBe(1106);
    expect(t.emu.counters.get(routes.login) ?? 0).toBe(0);
    // The one TokenReview is provision's attach probe: no login reviewed a service-account token.
    expect(t.emu.counters.get(routes.review)).toBe(1);
    expect(t.config.status).toMatchObject({ logins: 31, renewals: 1106, refusedRenewals: 0 });
    expect(t.config.get('GREETING')).toBe('changed on day 15');
    expect(t.config.status.accessTokenExpiresAt).toBeGreaterThan(t.clock.now());
    expect(errors).toEqual([]);
    expectNoLeak(t);
  }, 120_000);

  it('logs in again after a refused renewal, and before a use-limited token runs out', async () => {
    const t = await setup({ accessTokenTTL: 3600, accessTokenMaxTTL: 86_400, accessTokenNumUsesLimit: 2 }, (app) => ({ universalAuth: app.universalAuth! }));
    await t.config.ready();
    for (let i = 0; i < 3; i++) await t.config.refresh();
    // 4 list calls, 2 uses per token: 2 logins and not one 401.
    expect(t.emu.counters.get(UA_LOGIN)).toBe(2);
    t.emu.faults.inject({ route: routes.renew, status: 401, body: { reqId: 'r', statusCode: 401, message: 'Cannot renew: identity access token has reached its max TTL', error: 'UnauthorizedError' }, times: 1 });
    await t.clock.advance(HOUR);
    expect(t.emu.counters.get(routes.renew)).toBe(1);
    expect(t.emu.counters.get(UA_LOGIN)).toBe(3);
    expect(t.config.status).toMatchObject({ refusedRenewals: 1, lastError: undefined });
  });

  it('subscribes to push with the Universal Auth token and serves a change at once', async () => {
    const t = await setup({}, (app) => ({ universalAuth: app.universalAuth!, push: true, refreshIntervalMs: 600_000 }));
    await t.config.ready();
    await waitFor(() => t.emu.events.connections() === 1 && t.config.status.mode === 'push', 60_000);
    const changed = new Promise<string>((resolve) => t.config.changes$.subscribe((change) => resolve(change.reason)));
    t.emu.setSecret({ projectId: t.app.projectId, environment: 'prod', key: 'GREETING', value: 'pushed' });
    expect(await changed).toBe('push');
    expect(t.config.get('GREETING')).toBe('pushed');
    expect(t.emu.counters.get(UA_LOGIN)).toBe(1);
  }, 120_000);

  it('ignores the token file: a rotation is no reason to log in again', async () => {
    const t = await setup({}, (app) => ({ universalAuth: app.universalAuth!, kubernetesAuth: undefined, tokenFileCheckIntervalMs: 1_000, env: { INFISICAL_KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH: app.projected.path } }));
    await t.config.ready();
    await t.app.projected.rotate();
    await t.clock.advance(10_000);
    expect(t.emu.counters.get(UA_LOGIN)).toBe(1);
  });

  it('a wrong client secret is UNAUTHORIZED naming the variables, never the secret', async () => {
    const t = await setup({}, (app) => ({ universalAuth: { clientId: app.universalAuth!.clientId, clientSecret: 'f'.repeat(64) }, initialRetries: 1 }));
    const error = await t.config.ready().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    expect((error as Error).message).toContain('Universal Auth');
    expect((error as { hint: string }).hint).toContain('INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET');
    expect(inspect(error)).not.toContain('f'.repeat(64));
    expectNoLeak(t, error);
  });

  it('shares answers only with configs of the same client ID (shareAnswers)', async () => {
    const t = await setup({}, (app) => ({ universalAuth: app.universalAuth!, shareAnswers: true }));
    await t.config.ready();
    // Another identity, without access to this project: it must not be handed the first one's answer.
    const other = await provision(t.emu, { universalAuth: true });
    other.projected.stop();
    await rm(other.projected.dir, { recursive: true, force: true });
    const intruder = createInfisicalConfig({ siteUrl: t.emu.infisicalUrl, secrets: { projectId: t.app.projectId, environment: 'prod' }, universalAuth: other.universalAuth!, shareAnswers: true, logger: t.logger, clock: t.clock, push: false, initialRetries: 1, client: { retry: false }, env: {} });
    try {
      await expect(intruder.ready()).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    } finally {
      await intruder.close();
    }
  });

  it('takes a missing field from the environment, and refuses one missing everywhere', async () => {
    const t = await setup({}, (app) => ({ universalAuth: { clientId: app.universalAuth!.clientId }, env: { INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET: app.universalAuth!.clientSecret } }));
    expect(await t.config.ready()).toEqual({ GREETING: 'hello' });
    const missing = (() => {
      try {
        createInfisicalConfig({ universalAuth: { clientId: 'x' }, secrets: { projectId: 'p', environment: 'e' }, env: {} });
      } catch (error) {
        return error;
      }
    })();
    expect(missing).toMatchObject({ code: 'OPTIONS_INVALID', message: expect.stringContaining('INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET') });
    expectNoLeak(t, missing);
  });
});

/** An access token of the app's identity, obtained elsewhere (as CI or a developer would). */
async function issuedToken(emu: Emulator, app: Provisioned): Promise<string> {
  const client = new InfisicalClient({ baseUrl: emu.infisicalUrl, accessToken: undefined, retry: false });
  const { accessToken } = await client.login({ universalAuth: app.universalAuth! });
  await client.close();
  return accessToken;
}

/** The OPTIONS_INVALID error createInfisicalConfig throws for these options. */
function attempt(options: Partial<InfisicalConfigOptions>): { code: string; message: string } {
  try {
    createInfisicalConfig({ secrets: { projectId: 'p', environment: 'e' }, env: {}, ...options });
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('accepted');
}

describe('Option: accessToken', () => {

  it('uses the token as given: no login, no renewal, never revoked; a refusal is UNAUTHORIZED naming the option', async () => {
    let token = '';
    const t = await setup({ accessTokenTTL: 3600, accessTokenMaxTTL: 86_400 }, (app) => ({ universalAuth: app.universalAuth! }));
    await t.config.ready();
    await t.config.close();
    token = await issuedToken(t.emu, t.app);
    const logins = t.emu.counters.get(UA_LOGIN);
    const lists = t.emu.counters.get(routes.list)!;
    t.config = createInfisicalConfig({ siteUrl: t.emu.infisicalUrl, secrets: { projectId: t.app.projectId, environment: 'prod' }, accessToken: token, logger: t.logger, clock: t.clock, push: false, refreshIntervalMs: 0, revokeOnClose: true, client: { retry: false }, env: {} });
    expect(await t.config.ready()).toEqual({ GREETING: 'hello' });
    await t.clock.advance(30 * 60_000);
    await t.config.refresh();
    expect(t.emu.counters.get(UA_LOGIN)).toBe(logins);
    expect(t.emu.counters.get(routes.renew) ?? 0).toBe(0);
    expect(t.config.status).toMatchObject({ logins: 0, renewals: 0 });
    // Past the token's hour: Infisical refuses it (403 TokenError), and core says whose fix it is.
    await t.clock.advance(HOUR);
    const error = await t.config.refresh().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UNAUTHORIZED' });
    expect((error as { hint: string }).hint).toContain('accessToken');
    expect(t.config.get('GREETING')).toBe('hello');
    expect(t.emu.counters.get(routes.list)).toBe(lists + 3);
    await t.config.close();
    expect(t.emu.counters.get(routes.revoke) ?? 0).toBe(0);
    expectNoLeak(t, error);
  });

  it('a revoked token is refused at once with the fix, and never retried as a login', async () => {
    const t = await setup({}, (app) => ({ universalAuth: app.universalAuth! }));
    await t.config.ready();
    await t.config.close();
    const lists = t.emu.counters.get(routes.list)!;
    const token = await issuedToken(t.emu, t.app);
    const admin = new InfisicalClient({ baseUrl: t.emu.infisicalUrl, accessToken: undefined, retry: false });
    await admin.auth.revoke(token);
    await admin.close();
    t.config = createInfisicalConfig({ siteUrl: t.emu.infisicalUrl, secrets: { projectId: t.app.projectId, environment: 'prod' }, env: { INFISICAL_TOKEN: token }, logger: t.logger, clock: t.clock, push: false, initialRetries: 1, client: { retry: false } });
    const error = await t.config.ready().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UNAUTHORIZED', hint: expect.stringContaining('INFISICAL_TOKEN') });
    expect(t.emu.counters.get(routes.list)).toBe(lists + 1);
    expectNoLeak(t, error);
  });
});

describe('Function: resolveOptions (auth method from the environment)', () => {
  it('picks Universal Auth, then INFISICAL_TOKEN, then Kubernetes Auth', async () => {
    const t = await setup({}, (app) => ({ env: { ...app.env } }));
    expect(await t.config.ready()).toEqual({ GREETING: 'hello' });
    expect(t.emu.counters.get(UA_LOGIN)).toBe(1);
    expect(t.emu.counters.get(routes.login) ?? 0).toBe(0);
    await t.config.close();

    const token = await issuedToken(t.emu, t.app);
    const { INFISICAL_UNIVERSAL_AUTH_CLIENT_ID: _id, INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET: _secret, ...kubernetesEnv } = t.app.env;
    const base = { logger: t.logger, clock: t.clock, push: false, refreshIntervalMs: 0, client: { retry: false }, revokeOnClose: true } as const;
    t.config = createInfisicalConfig({ ...base, env: { ...kubernetesEnv, INFISICAL_TOKEN: token } });
    expect(await t.config.ready()).toEqual({ GREETING: 'hello' });
    expect(t.emu.counters.get(UA_LOGIN)).toBe(2);
    expect(t.emu.counters.get(routes.login) ?? 0).toBe(0);
    await t.config.close();
    // A given token is not core's to revoke, even with revokeOnClose.
    expect(t.emu.counters.get(routes.revoke) ?? 0).toBe(0);

    t.config = createInfisicalConfig({ ...base, env: kubernetesEnv });
    expect(await t.config.ready()).toEqual({ GREETING: 'hello' });
    expect(t.emu.counters.get(routes.login)).toBe(1);
  });

  it('checks no auth method when every source is a directory: nothing logs in', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'auth-methods-'));
    try {
      const config = createInfisicalConfig({ secrets: { files: dir }, env: { INFISICAL_UNIVERSAL_AUTH_CLIENT_ID: 'lone' }, logger: captureLogger() });
      await expect(config.ready()).resolves.toEqual({});
      await config.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses two auth options, a lone Universal Auth variable and a blank token, naming them and no value', () => {
    expect(attempt({ kubernetesAuth: { identityId: 'i' }, accessToken: 'not-shown-token' })).toMatchObject({ code: 'OPTIONS_INVALID', message: expect.stringContaining('kubernetesAuth and accessToken') });
    const lone = attempt({ env: { INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET: 'not-shown-secret', INFISICAL_KUBERNETES_IDENTITY_ID: 'i' } });
    expect(lone).toMatchObject({ code: 'OPTIONS_INVALID', message: expect.stringContaining('INFISICAL_UNIVERSAL_AUTH_CLIENT_ID is not') });
    expect(attempt({ accessToken: '  ' })).toMatchObject({ code: 'OPTIONS_INVALID', message: expect.stringContaining('accessToken must be a non-empty string') });
    expect(attempt({ universalAuth: { clientId: 'id', clientSecret: 42 as unknown as string } })).toMatchObject({ message: expect.stringContaining('universalAuth.clientSecret must be a string, got a whole number') });
    for (const error of [lone]) expect(inspect(error) + JSON.stringify(error)).not.toContain('not-shown');
  });
});
