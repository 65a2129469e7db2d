// Core end to end against an October 2024 Infisical (the emulator's '2024' generation): no /api/v4/secrets and
// no event route (router 404s), the classic renewal rule, its rate limits. One config lives through the whole
// file on a ManualClock shared with the emulator: first load, polling refresh, days of renewals, rotations.
import { rm } from 'node:fs/promises';
import { createInfisicalConfig, type InfisicalConfig } from '@infisical-k8s/core';
import { ManualClock } from '@infisical-k8s/core/testing';
import { provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGeneration } from './generations.js';

const LOGIN = 'POST /api/v1/auth/kubernetes-auth/login';
const RENEW = 'POST /api/v1/auth/token/renew';
const V3_LIST = 'GET /api/v3/secrets/raw';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const REFRESH_INTERVAL = 10 * MINUTE;

describe('core against the 2024 generation', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
  let emu: Emulator;
  let app: Provisioned;
  let config: InfisicalConfig<Readonly<Record<string, string>>>;
  const logs: string[] = [];
  const errors: string[] = [];
  const changes: string[][] = [];

  beforeAll(async () => {
    emu = await startGeneration('2024', { clock });
    app = await provision(emu, { secrets: { GREETING: 'hello' }, accessTokenTTL: HOUR / 1000, accessTokenMaxTTL: DAY / 1000, token: { expirationSeconds: 40 * 86_400 } });
    emu.counters.reset();
    config = createInfisicalConfig({
      siteUrl: emu.infisicalUrl,
      kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
      secrets: { projectId: app.projectId, environment: 'prod' },
      clock,
      random: () => 0.5,
      refreshIntervalMs: REFRESH_INTERVAL,
      readyTimeoutMs: HOUR,
      logger: { warn: (m) => void logs.push(m), error: (m) => void logs.push(m), info: (m) => void logs.push(m) },
    });
    config.errors$.subscribe((e) => errors.push(e.code));
    config.changes$.subscribe((c) => changes.push([...c.changedKeys]));
  });
  afterAll(async () => {
    await config?.close();
    await app?.projected.stop();
    await emu?.close();
    if (app) await rm(app.projected.dir, { recursive: true, force: true });
  });

  it('first load: the v4 list is a router 404, the client moves to /api/v3/secrets/raw once and says so; the event route 404 means polling', async () => {
    // provision() set the auth method up as a 2024 server can use it: no allowedAudience, a token for the API server.
    expect(JSON.parse(Buffer.from(app.projected.current().split('.')[1]!, 'base64url').toString()).aud).toEqual(emu.kubernetes.apiAudiences);
    expect(await config.ready()).toEqual({ GREETING: 'hello' });
    await clock.advance(MINUTE);
    expect(emu.counters.get(LOGIN)).toBe(1);
    expect(emu.counters.get(V3_LIST)).toBe(1);
    expect(config.status).toMatchObject({ ready: true, mode: 'polling', logins: 1, lastError: undefined });
    expect(logs.filter((line) => line.includes('/api/v3/secrets/raw'))).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it('polling refresh: a change made on the server is served within one refresh interval, through v3 only', async () => {
    const lists = emu.counters.get(V3_LIST);
    emu.setSecret({ projectId: app.projectId, environment: 'prod', key: 'GREETING', value: 'hi' });
    await clock.advance(REFRESH_INTERVAL + 2 * MINUTE);
    expect(config.get('GREETING')).toBe('hi');
    expect(changes.at(-1)).toEqual(['GREETING']);
    expect(emu.counters.get(V3_LIST)).toBeGreaterThan(lists);
    expect(Object.keys(emu.counters.all()).filter((route) => route.includes('/api/v4/'))).toEqual([]);
  });

  it('classic renewal over 3 simulated days (TTL 1 h, max TTL 24 h): renewals accepted, none refused, a new login per lineage', async () => {
    const before = config.status;
    for (let hour = 1; hour <= 72; hour++) {
      await clock.advance(HOUR);
      expect(config.get('GREETING')).toBe('hi');
    }
    const after = config.status;
    // Core renews only while a whole TTL still fits before the max TTL, which is exactly the classic rule.
    expect(after.refusedRenewals).toBe(0);
    expect(after.renewals - before.renewals).toBeGreaterThanOrEqual(3 * 20);
    expect(emu.counters.get(RENEW)).toBe(after.renewals);
    // One lineage lasts at most 24 h, so 3 days need 3 more logins (each a margin before its max TTL).
    expect(after.logins - before.logins).toBe(3);
    expect(emu.counters.get(LOGIN)).toBe(after.logins);
    expect(errors).toEqual([]);
    expect(config.isReady()).toBe(true);
  }, 120_000);

  it('rotation: a rotated projected token is used for the next login, and secrets keep flowing', async () => {
    const logins = config.status.logins;
    await app.projected.rotate({ expirationSeconds: 40 * 86_400 });
    await clock.advance(MINUTE);
    expect(config.status.logins).toBe(logins + 1);
    emu.setSecret({ projectId: app.projectId, environment: 'prod', key: 'GREETING', value: 'after rotation' });
    await clock.advance(REFRESH_INTERVAL + 2 * MINUTE);
    expect(config.get('GREETING')).toBe('after rotation');
    expect(errors).toEqual([]);
  });

  it("audience: the 2024 server sends no spec.audiences, so an `infisical` token or allowedAudience is refused (AUDIENCE_MISMATCH, ready() rejects)", async () => {
    const cases = [
      // The cluster refuses a token for `infisical`: it reviews against the API server's own audiences.
      { provision: { allowedAudience: 'infisical', token: { audience: 'infisical' } }, server: 'token audiences ["infisical"] is invalid for the target audiences' },
      // A token the cluster accepts carries only the API audience, which is not `infisical`.
      { provision: { allowedAudience: 'infisical', token: { audience: emu.kubernetes.apiAudiences } }, server: 'Access denied: K8s audience not allowed.' },
    ];
    for (const { provision: options, server } of cases) {
      const refused = await provision(emu, options);
      const failing = createInfisicalConfig({
        siteUrl: emu.infisicalUrl,
        kubernetesAuth: { identityId: refused.identityId, tokenPath: refused.projected.path },
        secrets: { projectId: refused.projectId, environment: 'prod' },
        clock,
        initialRetries: 1,
        push: false,
        client: { retry: false },
        logger: { warn: () => {}, error: () => {} },
      });
      try {
        expect(await failing.ready().catch((e: unknown) => e)).toMatchObject({ code: 'AUDIENCE_MISMATCH', status: 401 });
        // What the server itself answers that login.
        const answer = await fetch(`${emu.infisicalUrl}/api/v1/auth/kubernetes-auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ identityId: refused.identityId, jwt: refused.projected.current() }),
        });
        expect(answer.status).toBe(401);
        expect(((await answer.json()) as { message: string }).message).toContain(server);
      } finally {
        await failing.close();
        await refused.projected.stop();
        await rm(refused.projected.dir, { recursive: true, force: true });
      }
    }
  });
});
