import { afterEach, describe, expect, it } from 'vitest';
import { harness, routes, type Harness } from './helpers.js';

const DAY = 24 * 3600_000;
const THIRTY_DAYS = 30 * DAY;

/*
 * Expected counts, with jitter pinned (random = 0.5, so each renewal is scheduled at 2/3 × 0.95 of the
 * remaining life) and polling off (only the token schedule talks to Infisical):
 *
 * TTL 1 h, max TTL 24 h: renew every 3600 × 2/3 × 0.95 = 2280 s. A renewal is only worth it when a whole TTL
 * fits before max TTL (86 400 − t ≥ 3600, i.e. t ≤ 82 800), so renewals run at k × 2280 for k = 1..36
 * (t = 82 080) and the 37th slot (t = 84 360) logs in instead: a cycle is 84 360 s with 36 renewals.
 * 30 days = 2 592 000 s: logins at n × 84 360 for n = 0..30 → 31 logins; renewals 30 × 36 = 1080 plus
 * ⌊(2 592 000 − 30 × 84 360) / 2280⌋ = ⌊61 200 / 2280⌋ = 26 in the last partial cycle → 1106.
 * Classic servers refuse a renewal only when now + TTL > created + max TTL; the last renewal of a cycle is at
 * 82 080 + 3600 = 85 680 ≤ 86 400, so the counts are the same and no renewal is refused.
 *
 * TTL = max TTL = 30 days (the defaults): a renewal can never give a whole TTL, so the first action, at
 * 2 592 000 × 2/3 × 0.95 = 1 641 600 s (19 days), is a login; the next would be at 38 days. → 2 logins, 0 renewals.
 */
const scenarios = [
  { name: 'TTL 1 h, max TTL 24 h', ttl: 3600, maxTtl: 86_400, logins: 31, renewals: 1106 },
  { name: 'TTL = max TTL = 30 days', ttl: 2_592_000, maxTtl: 2_592_000, logins: 2, renewals: 0 },
] as const;

describe('Class: TokenManager (through createInfisicalConfig)', () => {
  let h: Harness<undefined> | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  for (const renewalMode of ['current', 'classic'] as const) {
    for (const s of scenarios) {
      it(`30 simulated days, ${s.name}, ${renewalMode} server: ${s.logins} logins, ${s.renewals} renewals, none refused`, async () => {
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
          expect(h.config.get('GREETING')).toBe('hello');
        }
        expect(h.clock!.now() - Date.UTC(2026, 0, 1)).toBe(THIRTY_DAYS);
        expect(h.emu.counters.get(routes.login)).toBe(s.logins);
        expect(h.emu.counters.get(routes.renew)).toBe(s.renewals);
        expect(h.config.status.renewals).toBe(s.renewals);
        expect(errors).toEqual([]);
      }, 120_000);
    }
  }

  it('logs in again, and stops renewing, when the server refuses a renewal', async () => {
    h = await harness({ emulator: { renewalMode: 'classic' }, provision: { accessTokenTTL: 3600, accessTokenMaxTTL: 86_400 }, config: { push: false, refreshIntervalMs: 0 } });
    await h.config.ready();
    // Revoking the token makes every renewal fail with 401: exactly one refused renewal, then a login.
    const before = h.emu.counters.get(routes.login);
    h.emu.faults.inject({ route: routes.renew, status: 401, body: { reqId: 'req-x', statusCode: 401, message: 'Failed to renew MI access token past its Max TTL expiration', error: 'UnauthorizedError' }, times: 1 });
    await h.clock!.advance(2280_000);
    expect(h.emu.counters.get(routes.renew)).toBe(1);
    expect(h.emu.counters.get(routes.login)).toBe(before + 1);
  });

  it('re-reads the token file at every login and logs in again when the kubelet rotates it', async () => {
    h = await harness({ config: { push: false, refreshIntervalMs: 0, tokenFileCheckIntervalMs: 1000 } });
    await h.config.ready();
    expect(h.emu.counters.get(routes.login)).toBe(1);
    await h.app.projected.rotate();
    await h.clock!.advance(1000);
    expect(h.emu.counters.get(routes.login)).toBe(2);
    // The old token is worthless now: rotate to one the cluster does not trust, and the next login fails typed.
    await h.app.projected.rotate({ signedWith: 'foreign' });
    const seen: string[] = [];
    h.config.errors$.subscribe((e) => seen.push(e.code));
    await h.clock!.advance(1000);
    expect(seen).toContain('UNAUTHORIZED');
    expect(h.config.get('GREETING')).toBe('hello');
  });

  it('logs in again before a use-limited token runs out, never spending a failing call', async () => {
    h = await harness({ provision: { accessTokenNumUsesLimit: 2 }, config: { push: false, refreshIntervalMs: 60_000 } });
    await h.config.ready();
    for (let i = 0; i < 5; i++) await h.config.refresh();
    // 6 list calls, 2 per token → 3 logins, and no 401 on the way.
    expect(h.emu.counters.get(routes.list)).toBe(6);
    expect(h.emu.counters.get(routes.login)).toBe(3);
    expect(h.config.status.lastError).toBeUndefined();
  });

  it('logs in once and retries when the token was revoked', async () => {
    h = await harness({ config: { push: false, refreshIntervalMs: 0 } });
    await h.config.ready();
    await fetch(`${h.emu.infisicalUrl}/api/v1/auth/kubernetes-auth/identities/${h.app.identityId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${h.emu.admin.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ allowedNames: 'infisical-auth' }),
    });
    h.emu.faults.inject({ route: routes.list, status: 401, body: { reqId: 'r', statusCode: 401, message: 'Failed to authorize: token has been revoked', error: 'UnauthorizedError' }, times: 1 });
    await expect(h.config.refresh()).resolves.toEqual({ GREETING: 'hello', PORT: '8080' });
    expect(h.emu.counters.get(routes.login)).toBe(2);
  });
});
