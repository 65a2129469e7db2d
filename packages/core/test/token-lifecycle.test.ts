import { afterEach, describe, expect, it } from 'vitest';
import { createInfisicalConfig } from '@infisical-k8s/core';
import { adminClient, captureLogger, harness, routes, type Harness } from './helpers.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const START = Date.UTC(2026, 0, 1);

/*
 * Expected counts over 30 simulated days (2 592 000 s), jitter pinned (random = 0.5, so a renewal is scheduled at
 * 2/3 × (1 − 0.1 × 0.5) = 2/3 × 0.95 of the token's remaining life) and polling off, so only the token schedule
 * (and the one list each login triggers) talks to Infisical. The service-account token lives 40 days here so the
 * kubelet's rotation is not part of these counts (rotation has its own test).
 *
 * TTL 1 h, max TTL 24 h.
 *   Each renewal happens at 3600 × 2/3 × 0.95 = 2280 s into a fresh 1 h token, so renewals fall at k × 2280 s after a login.
 *   A renewal is only worth it while a whole TTL fits before the max TTL: 86 400 − t ≥ 3600 ⇔ t ≤ 82 800.
 *   k = 1..36 qualify (36 × 2280 = 82 080); slot 37 (84 360 s) logs in instead. One cycle = 84 360 s, 36 renewals.
 *   Logins at n × 84 360 s for n = 0..30 (30 × 84 360 = 2 530 800 ≤ 2 592 000)          → 31 logins.
 *   Renewals: 30 full cycles × 36 = 1080, plus ⌊(2 592 000 − 2 530 800) / 2280⌋ = ⌊61 200 / 2280⌋ = 26 → 1106 renewals.
 *   Classic servers refuse only when now + TTL > created + max TTL; the last renewal of a cycle asks for
 *   82 080 + 3600 = 85 680 ≤ 86 400, so both modes give the same counts and no renewal is ever refused.
 *
 * TTL = max TTL = 30 days (the server defaults).
 *   A renewal can never give a whole TTL (max TTL − t < TTL for any t > 0), so the first scheduled action, at
 *   2 592 000 × 2/3 × 0.95 = 1 641 600 s (day 19), is a login; the next would be at day 38.   → 2 logins, 0 renewals.
 *   On a classic server every renewal would be refused, on a current one it would shrink: we never ask.
 */
const scenarios = [
  { name: 'TTL 1 h, max TTL 24 h', ttl: 3600, maxTtl: 86_400, logins: 31, renewals: 1106 },
  { name: 'TTL = max TTL = 30 days', ttl: 2_592_000, maxTtl: 2_592_000, logins: 2, renewals: 0 },
] as const;

let h: Harness<undefined> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('Class: TokenManager (through createInfisicalConfig)', () => {
  describe('Method: schedule over 30 simulated days', () => {
    for (const renewalMode of ['current', 'classic'] as const) {
      for (const s of scenarios) {
        it(`${s.name}, ${renewalMode} server: ${s.logins} logins, ${s.renewals} renewals, none refused, secrets served throughout`, async () => {
          h = await harness({
            emulator: { renewalMode },
            provision: { accessTokenTTL: s.ttl, accessTokenMaxTTL: s.maxTtl, token: { expirationSeconds: 40 * 24 * 3600 } },
            config: { push: false, refreshIntervalMs: 0, tokenFileCheckIntervalMs: 10 * DAY },
          });
          const errors: string[] = [];
          h.config.errors$.subscribe((e) => errors.push(e.code));
          await h.config.ready();
          for (let day = 1; day <= 30; day++) {
            await h.clock!.advance(DAY);
            expect(['hello', 'changed on day 15']).toContain(h.config.get('GREETING'));
            if (day === 15) h.emu.setSecret({ projectId: h.app.projectId, environment: 'prod', key: 'GREETING', value: 'changed on day 15' });
          }
          expect(h.clock!.now() - START).toBe(30 * DAY);
          expect(h.emu.counters.get(routes.login)).toBe(s.logins);
          expect(h.emu.counters.get(routes.renew)).toBe(s.renewals);
          expect(h.config.status).toMatchObject({ logins: s.logins, renewals: s.renewals, refusedRenewals: 0 });
          // Every login after day 15 refetched: the change made it in without any polling.
          expect(h.config.get('GREETING')).toBe('changed on day 15');
          expect(h.config.status.accessTokenExpiresAt).toBeGreaterThan(h.clock!.now());
          expect(errors).toEqual([]);
        }, 120_000);
      }
    }
  });

  describe('Method: renew', () => {
    it('logs in again after a refused renewal and never asks that token lineage again', async () => {
      h = await harness({ provision: { accessTokenTTL: 3600, accessTokenMaxTTL: 86_400 }, config: { push: false, refreshIntervalMs: 0 } });
      await h.config.ready();
      h.emu.faults.inject({
        route: routes.renew,
        status: 401,
        body: { reqId: 'req-x', statusCode: 401, message: 'Failed to renew MI access token past its Max TTL expiration', error: 'UnauthorizedError' },
        times: 1,
      });
      await h.clock!.advance(2280_000);
      expect(h.emu.counters.get(routes.renew)).toBe(1);
      expect(h.emu.counters.get(routes.login)).toBe(2);
      expect(h.config.status.refusedRenewals).toBe(1);
      // The new lineage renews normally again.
      await h.clock!.advance(2280_000);
      expect(h.emu.counters.get(routes.renew)).toBe(2);
      expect(h.emu.counters.get(routes.login)).toBe(2);
    });

    it('retries a renewal that failed for a transient reason, with backoff, while the token is still valid', async () => {
      h = await harness({ provision: { accessTokenTTL: 3600, accessTokenMaxTTL: 86_400 }, config: { push: false, refreshIntervalMs: 0, backoff: { initialMs: 1000, maxMs: 60_000 } } });
      await h.config.ready();
      h.emu.faults.inject({ route: routes.renew, status: 503, times: 2 });
      await h.clock!.advance(2280_000 + 5_000);
      // 1st attempt at 2280 s, retries after 550 ms and 1.1 s (0.55 × 1 s × 2^n): three requests, the third renews.
      expect(h.emu.counters.get(routes.renew)).toBe(3);
      expect(h.emu.counters.get(routes.login)).toBe(1);
      expect(h.config.status.renewals).toBe(1);
    });
  });

  describe('Method: login', () => {
    it('re-reads the token file at every login and logs in again when the kubelet rotates it', async () => {
      h = await harness({ config: { push: false, refreshIntervalMs: 0, tokenFileCheckIntervalMs: 1000 } });
      await h.config.ready();
      expect(h.emu.counters.get(routes.login)).toBe(1);
      const reasons: string[] = [];
      h.config.changes$.subscribe((c) => reasons.push(c.reason));
      h.emu.setSecret({ projectId: h.app.projectId, environment: 'prod', key: 'GREETING', value: 'after rotation' });
      await h.app.projected.rotate();
      await h.clock!.advance(1000);
      expect(h.emu.counters.get(routes.login)).toBe(2);
      expect(h.config.get('GREETING')).toBe('after rotation');
      expect(reasons).toEqual(['token-file']);
      // Proof that the file is read fresh: a token the cluster does not trust fails the next login, typed.
      const seen: string[] = [];
      h.config.errors$.subscribe((e) => seen.push(e.code));
      await h.app.projected.rotate({ signedWith: 'foreign' });
      await h.clock!.advance(1000);
      expect(seen).toEqual(['UNAUTHORIZED']);
      // The access token from before is still good: secrets keep being served.
      expect(h.config.get('GREETING')).toBe('after rotation');
      await expect(h.config.refresh()).resolves.toMatchObject({ GREETING: 'after rotation' });
    });

    it('does not storm Infisical when logins keep failing: backoff, capped, reset on success', async () => {
      h = await harness({
        provision: { accessTokenTTL: 600, accessTokenMaxTTL: 1200 },
        config: { push: false, refreshIntervalMs: 60_000, tokenFileCheckIntervalMs: 10 * DAY, backoff: { initialMs: 1000, maxMs: 300_000 } },
      });
      await h.config.ready();
      // The kubelet writes a token the cluster refuses (the Go SDK / operator #113 situation) and the access token runs out.
      await h.app.projected.rotate({ signedWith: 'foreign' });
      const before = h.emu.counters.get(routes.login);
      await h.clock!.advance(2 * HOUR);
      const failedLogins = h.emu.counters.get(routes.login) - before;
      // Whoever asks (token schedule, polling, retries), there is one attempt per backoff window: 0.55 s, 1.1 s, ...
      // doubling up to the cap, 300 s × 0.55 = 165 s. The access token ran out ~17 min in, leaving ~6 200 s:
      // 9 windows (~280 s) to reach the cap, then ~36 at 165 s → about 45. Without backoff it would be thousands.
      expect(failedLogins).toBeGreaterThan(35);
      expect(failedLogins).toBeLessThanOrEqual(50);
      expect(h.config.get('GREETING')).toBe('hello');
      expect(h.config.status.lastError?.code).toBe('UNAUTHORIZED');
      // The kubelet fixes the file: the next attempt logs in and everything is fresh again.
      await h.app.projected.rotate({ signedWith: 'cluster' });
      h.emu.setSecret({ projectId: h.app.projectId, environment: 'prod', key: 'GREETING', value: 'recovered' });
      await h.clock!.advance(6 * 60_000);
      expect(h.config.get('GREETING')).toBe('recovered');
      expect(h.config.status.lastError).toBeUndefined();
      expect(h.config.isReady()).toBe(true);
    });

    it('logs in again before a use-limited token runs out, never spending a failing call', async () => {
      h = await harness({ provision: { accessTokenNumUsesLimit: 2 }, config: { push: false, refreshIntervalMs: 60_000 } });
      await h.config.ready();
      for (let i = 0; i < 5; i++) await h.config.refresh();
      // 6 list calls, 2 uses per token → 3 logins, and not one 401 on the way.
      expect(h.emu.counters.get(routes.list)).toBe(6);
      expect(h.emu.counters.get(routes.login)).toBe(3);
      expect(h.config.status.lastError).toBeUndefined();
    });

    it('logs in once and carries on when the token was revoked (auth method revoked and re-attached)', async () => {
      h = await harness({ config: { push: false, refreshIntervalMs: 0 } });
      await h.config.ready();
      const admin = adminClient(h.emu);
      try {
        const { identityKubernetesAuth: auth } = await admin.identityAuth.kubernetes.get({ identityId: h.app.identityId });
        await admin.identityAuth.kubernetes.revoke({ identityId: h.app.identityId });
        await admin.identityAuth.kubernetes.attach({
          identityId: h.app.identityId,
          kubernetesHost: h.emu.kubernetes.host,
          caCert: h.emu.kubernetes.caCert,
          tokenReviewerJwt: h.emu.kubernetes.tokenReviewerJwt,
          allowedNamespaces: auth.allowedNamespaces,
          allowedNames: auth.allowedNames,
          allowedAudience: auth.allowedAudience,
          accessTokenTTL: auth.accessTokenTTL,
          accessTokenMaxTTL: auth.accessTokenMaxTTL,
        });
      } finally {
        await admin.close();
      }
      const errors: string[] = [];
      h.config.errors$.subscribe((e) => errors.push(e.code));
      await expect(h.config.refresh()).resolves.toEqual({ GREETING: 'hello', PORT: '8080' });
      // The list answered 401 "auth method has been revoked" once; one login, one retry.
      expect(h.emu.counters.get(routes.login)).toBe(2);
      expect(h.emu.counters.get(routes.list)).toBe(3);
      expect(errors).toEqual([]);
    });

    it('surfaces a 401 that a fresh login does not fix, after exactly one re-login', async () => {
      h = await harness({ config: { push: false, refreshIntervalMs: 0 } });
      await h.config.ready();
      h.emu.faults.inject({ route: routes.list, status: 401, body: { reqId: 'r', statusCode: 401, message: 'Failed to authorize: token has been revoked', error: 'UnauthorizedError' } });
      const error = await h.config.refresh().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
      expect(h.emu.counters.get(routes.login)).toBe(2);
      expect(h.emu.counters.get(routes.list)).toBe(3);
      expect(h.config.get('GREETING')).toBe('hello');
    });
  });

  describe('Method: close', () => {
    it('revokes the access token only with revokeOnClose', async () => {
      h = await harness({ manualClock: false, config: { push: false } });
      await h.config.ready();
      await h.config.close();
      expect(h.emu.counters.get(routes.revoke)).toBe(0);
      await h.close();
      h = await harness({ manualClock: false, config: { push: false, revokeOnClose: true } });
      await h.config.ready();
      await h.config.close();
      expect(h.emu.counters.get(routes.revoke)).toBe(1);
      expect(h.logger.lines.filter((line) => line.includes('could not revoke'))).toEqual([]);
    });

    it('never uses or revokes a token it did not obtain (INFISICAL_TOKEN in the environment)', async () => {
      h = await harness({ manualClock: false, provision: { allowedNamespaces: 'elsewhere' }, config: { push: false, revokeOnClose: true, initialRetries: 1 } });
      await h.config.close();
      process.env.INFISICAL_TOKEN = h.emu.admin.accessToken;
      try {
        const config = createInfisicalConfig({ siteUrl: h.emu.infisicalUrl, kubernetesAuth: { identityId: h.app.identityId, tokenPath: h.app.projected.path }, secrets: { projectId: h.app.projectId, environment: 'prod' }, push: false, revokeOnClose: true, initialRetries: 1, logger: captureLogger() });
        await expect(config.ready()).rejects.toMatchObject({ code: 'NAMESPACE_NOT_ALLOWED' });
        await config.close();
      } finally {
        delete process.env.INFISICAL_TOKEN;
      }
      expect(h.emu.counters.get(routes.list)).toBe(0);
      expect(h.emu.counters.get(routes.revoke)).toBe(0);
    });
  });

  describe('Method: outage', () => {
    it('serves the last good snapshot through an Infisical outage longer than the token life, then logs in and recovers', async () => {
      h = await harness({
        provision: { accessTokenTTL: 3600, accessTokenMaxTTL: 86_400, token: { expirationSeconds: 40 * 24 * 3600 } },
        config: { push: false, refreshIntervalMs: 60_000, maxStalenessMs: 10 * 60_000, tokenFileCheckIntervalMs: 10 * DAY },
      });
      await h.config.ready();
      const errors = new Set<string>();
      h.config.errors$.subscribe((e) => errors.add(e.code));
      const outage = h.emu.faults.inject({ route: /^(GET|POST) \/api\//, status: 503 });
      await h.clock!.advance(3 * HOUR);
      expect(h.config.get('GREETING')).toBe('hello');
      expect(errors).toEqual(new Set(['SERVER_ERROR']));
      expect(h.config.status.stale).toBe(true);
      expect(h.config.isReady()).toBe(false);
      // The access token expired during the outage.
      expect(h.config.status.accessTokenExpiresAt).toBeLessThan(h.clock!.now());
      const attempts = Object.values(h.emu.counters.all()).reduce((a, b) => a + b, 0);
      expect(attempts).toBeLessThan(250);
      h.emu.faults.clear(outage);
      h.emu.setSecret({ projectId: h.app.projectId, environment: 'prod', key: 'GREETING', value: 'after the outage' });
      const logins = h.emu.counters.get(routes.login);
      await h.clock!.advance(6 * 60_000);
      expect(h.config.get('GREETING')).toBe('after the outage');
      expect(h.emu.counters.get(routes.login)).toBeGreaterThan(logins);
      expect(h.config.status).toMatchObject({ stale: false, lastError: undefined });
      expect(h.config.isReady()).toBe(true);
    });
  });
});
