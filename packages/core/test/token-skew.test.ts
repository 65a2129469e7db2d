import { afterEach, describe, expect, it } from 'vitest';
import { createInfisicalConfig } from '@infisical-k8s/core';
import { ManualClock } from '@infisical-k8s/core/testing';
import { InfisicalClient } from 'node-infisical';
import { captureLogger, harness, routes, type Harness } from './helpers.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/*
 * The emulator (Infisical and the cluster) runs on the test's ManualClock shifted by `offset`; core runs on the
 * ManualClock itself. A positive offset puts the pod's clock behind Infisical's, a negative one ahead of it; two
 * hours is more than a 1 h token TTL, so with the pod ahead every token's `exp` is already past by the pod's clock
 * when it arrives. The expected counts are token-lifecycle.test.ts's (derived there) for the same settings without
 * skew: token times are measured from the server's lifetime, so skew must not change a single request.
 * Before this: pod ahead spun renewing and logging in at one simulated instant (~100 logins and ~100 renewals per
 * wall-clock second, ~50/s each with real clocks), pod behind did 379 logins and 378 renewals instead of 31 / 1106.
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

/** A harness whose emulator runs `offsetMs` off core's ManualClock (`h.clock` is core's). */
async function skewed(offsetMs: number, setup: Parameters<typeof harness<undefined>>[0] = {}): Promise<Harness<undefined>> {
  const clock = new ManualClock();
  const current = await harness({ ...setup, manualClock: false, emulator: { ...setup.emulator, clock: { now: () => clock.now() + offsetMs } }, config: { clock, ...setup.config } });
  return { ...current, clock };
}

const skewWarnings = (current: Harness<undefined>) => current.logger.lines.filter((line) => line.startsWith('warn clock skew'));

describe('Class: TokenManager under clock skew', () => {
  for (const offset of [-2 * HOUR, 2 * HOUR]) {
    const side = offset < 0 ? 'ahead of' : 'behind';
    for (const s of scenarios) {
      it(`pod clock 2 h ${side} Infisical, ${s.name}: ${s.logins} logins and ${s.renewals} renewals over 30 days, as without skew`, async () => {
        h = await skewed(offset, {
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
        expect(h.emu.counters.get(routes.login)).toBe(s.logins);
        expect(h.emu.counters.get(routes.renew)).toBe(s.renewals);
        expect(h.config.status).toMatchObject({ logins: s.logins, renewals: s.renewals, refusedRenewals: 0 });
        expect(errors).toEqual([]);
        // One lineage at a time, whatever the clocks say.
        expect(h.emu.accessTokens.live(h.app.identityId)).toBe(1);
        // Only a token that looks expired on arrival is worth a warning, and only once.
        expect(skewWarnings(h)).toHaveLength(offset < 0 && s.ttl * 1000 < -offset ? 1 : 0);
      }, 120_000);
    }
  }

  it('pod clock 2 h ahead, TTL = max TTL = 1 h (never renewed), rotation every 10 min: two live tokens at most', async () => {
    h = await skewed(-2 * HOUR, {
      provision: { accessTokenTTL: 3600, accessTokenMaxTTL: 3600, token: { expirationSeconds: 40 * 24 * 3600 } },
      config: { push: false, refreshIntervalMs: 0, tokenFileCheckIntervalMs: 60_000 },
    });
    await h.config.ready();
    let peak = 0;
    for (let step = 1; step <= 18; step++) {
      await h.app.projected.rotate();
      await h.clock!.advance(10 * 60_000);
      peak = Math.max(peak, h.emu.accessTokens.live(h.app.identityId));
    }
    expect(h.emu.counters.get(routes.login)).toBe(19);
    expect(h.emu.counters.get(routes.renew)).toBe(0);
    // Without revocation, six (an hour's worth) would be live; an unproven token keeps only its direct predecessor.
    expect(peak).toBe(2);
    expect(h.emu.counters.get(routes.revoke)).toBe(17);
    expect(h.config.status.lastError).toBeUndefined();
  }, 60_000);

  it('the warning says what is wrong and how to fix it, and carries no token', async () => {
    h = await skewed(-2 * HOUR, { provision: { accessTokenTTL: 3600, accessTokenMaxTTL: 86_400 }, config: { push: false, refreshIntervalMs: 0 } });
    await h.config.ready();
    const [warning] = skewWarnings(h);
    expect(warning).toMatch(/already looks expired by this host's clock \(its exp is 3600 s in the past\)/);
    expect(warning).toMatch(/sync this host's clock \(NTP\)/);
    expect(warning).not.toMatch(/eyJ/);
  });
});

/** What a caching proxy in front of Infisical would hand back: a real login answer, replayed later. */
async function loginAnswer(current: Harness<undefined>): Promise<object> {
  const client = new InfisicalClient({ baseUrl: current.emu.infisicalUrl, retry: false });
  try {
    return { ...(await client.login({ kubernetesAuth: { identityId: current.app.identityId, jwt: current.app.projected.current() } })) };
  } finally {
    await client.close();
  }
}

const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An HS256-shaped JWT whose claims give it no life: `exp` equal to `iat`. Infisical never signed it. */
function lifelessToken(nowMs: number): string {
  const iat = Math.floor(nowMs / 1000);
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ identityAccessTokenId: 'lifeless', authTokenType: 'identityAccessToken', iat, exp: iat })}.c2ln`;
}

describe('Class: TokenManager given tokens that are expired on arrival', () => {
  /*
   * Backoff 1 s doubling to 60 s, random 0.5 → windows of 0.55, 1.1, 2.2, 4.4, 8.8, 17.6 s, then 33 s: in 10 minutes,
   * 6 windows reach the cap (34.65 s) and 17 more fit after it, so one login per window is at most ~24 attempts.
   * Without the bound, each of them is a storm at one simulated instant.
   */
  const setup = {
    provision: { accessTokenTTL: 3600, accessTokenMaxTTL: 86_400, token: { expirationSeconds: 40 * 24 * 3600 } },
    config: { push: false, refreshIntervalMs: 60_000, tokenFileCheckIntervalMs: DAY, backoff: { initialMs: 1000, maxMs: 60_000 } },
  };

  it('a stale login answer replayed by a proxy (Infisical refuses the token): one login per backoff step, TOKEN_EXPIRED, one warning, recovery', async () => {
    h = await harness(setup);
    await h.config.ready();
    const stale = await loginAnswer(h);
    await h.clock!.advance(2 * HOUR);
    const codes = new Set<string>();
    h.config.errors$.subscribe((e) => codes.add(e.code));
    const proxy = h.emu.faults.inject({ route: routes.login, status: 200, body: stale });
    // The kubelet rotates the token: core logs in, and gets the proxy's answer from now on.
    await h.app.projected.rotate();
    await h.config.refresh().catch(() => undefined);
    const loginsBefore = h.emu.counters.get(routes.login);
    await h.clock!.advance(10 * 60_000);
    const logins = h.emu.counters.get(routes.login) - loginsBefore;
    expect(logins).toBeGreaterThanOrEqual(15);
    expect(logins).toBeLessThanOrEqual(26);
    expect(codes).toContain('TOKEN_EXPIRED');
    expect(h.config.status.lastError?.code).toBe('TOKEN_EXPIRED');
    expect(skewWarnings(h)).toHaveLength(1);
    // The last good snapshot is served all along.
    expect(h.config.get('GREETING')).toBe('hello');
    h.emu.faults.clear(proxy);
    h.emu.setSecret({ projectId: h.app.projectId, environment: 'prod', key: 'GREETING', value: 'recovered' });
    await h.clock!.advance(2 * 60_000);
    expect(h.config.get('GREETING')).toBe('recovered');
    expect(h.config.status.lastError).toBeUndefined();
  }, 120_000);

  it('an answer whose token has no lifetime by its own claims (exp = iat): dropped, one login per backoff step, TOKEN_EXPIRED', async () => {
    h = await harness(setup);
    await h.config.ready();
    const proxy = h.emu.faults.inject({
      route: routes.login,
      status: 200,
      body: { accessToken: lifelessToken(h.clock!.now()), expiresIn: 3600, accessTokenMaxTTL: 86_400, tokenType: 'Bearer' },
    });
    // With a token still good, a rotation login that gets such an answer keeps the token it has.
    await h.app.projected.rotate();
    await h.clock!.advance(2 * HOUR);
    expect(h.emu.counters.get(routes.login)).toBe(2);
    expect(h.emu.counters.get(routes.renew)).toBe(3);
    h.emu.setSecret({ projectId: h.app.projectId, environment: 'prod', key: 'GREETING', value: 'still served' });
    await expect(h.config.refresh()).resolves.toMatchObject({ GREETING: 'still served' });
    // Without one (a fresh start), every attempt is a login, and there is one per backoff window.
    const config = createInfisicalConfig({
      siteUrl: h.emu.infisicalUrl,
      kubernetesAuth: { identityId: h.app.identityId, tokenPath: h.app.projected.path },
      secrets: { projectId: h.app.projectId, environment: 'prod' },
      clock: h.clock!,
      random: () => 0.5,
      logger: captureLogger(),
      client: { retry: false },
      initialRetries: 1,
      ...setup.config,
    });
    try {
      await expect(config.ready()).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
      const loginsBefore = h.emu.counters.get(routes.login);
      await h.clock!.advance(10 * 60_000);
      const logins = h.emu.counters.get(routes.login) - loginsBefore;
      expect(logins).toBeGreaterThanOrEqual(15);
      expect(logins).toBeLessThanOrEqual(26);
      expect(h.emu.counters.get(routes.list)).toBeGreaterThan(0);
      h.emu.faults.clear(proxy);
      await h.clock!.advance(2 * 60_000);
      expect(config.status.lastError).toBeUndefined();
      expect(config.get('GREETING')).toBe('still served');
    } finally {
      await config.close();
    }
  }, 120_000);
});
