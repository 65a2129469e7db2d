import { afterEach, describe, expect, it } from 'vitest';
import { harness, routes, waitFor, type Harness } from './helpers.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

let h: Harness<undefined> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('Class: TokenManager, one token lineage at a time', () => {
  /*
   * TTL = max TTL = 30 days (the server defaults) and the kubelet rotating the projected token every hour: each
   * rotation is a login. Before, each login left the previous token valid for the rest of its 30 days: 719 live
   * tokens at the end of the month (720 at the peak), and revokeOnClose revoked only the last.
   */
  it('30 days of hourly rotation: 721 logins, 720 revocations, never more than one live token between steps', async () => {
    h = await harness({
      provision: { accessTokenTTL: 2_592_000, accessTokenMaxTTL: 2_592_000 },
      config: { push: false, refreshIntervalMs: 0, tokenFileCheckIntervalMs: 10 * 60_000 },
    });
    await h.config.ready();
    const errors: string[] = [];
    h.config.errors$.subscribe((e) => errors.push(e.code));
    let peak = 0;
    for (let hour = 1; hour <= 30 * 24; hour++) {
      await h.app.projected.rotate();
      await h.clock!.advance(HOUR);
      peak = Math.max(peak, h.emu.accessTokens.live(h.app.identityId));
    }
    expect(h.emu.counters.get(routes.login)).toBe(721);
    expect(h.emu.counters.get(routes.revoke)).toBe(720);
    expect(peak).toBe(1);
    expect(h.emu.accessTokens.live(h.app.identityId)).toBe(1);
    expect(errors).toEqual([]);
    expect(h.config.get('GREETING')).toBe('hello');
  }, 300_000);

  // Revocation of the old lineage reaching Infisical before the late renewal (which is then refused), or after it
  // (the renewal succeeds, and its answer, which the client stores on arrival, must be put back).
  for (const revokeDelayMs of [0, 2_000]) {
    it(`a renewal that answers after a rotation login is dropped (revocation delayed ${revokeDelayMs} ms): the client keeps the new lineage, the old one is revoked`, async () => {
      h = await harness({
        provision: { accessTokenTTL: 3600, accessTokenMaxTTL: 86_400 },
        config: { push: false, refreshIntervalMs: 0, tokenFileCheckIntervalMs: DAY },
      });
      await h.config.ready();
      const errors: string[] = [];
      h.config.errors$.subscribe((e) => errors.push(e.code));
      // The renewal at 2280 s reaches Infisical late; meanwhile the kubelet rotates the token and core logs in.
      h.emu.faults.inject({ route: routes.renew, delayMs: 1_000, times: 1 });
      if (revokeDelayMs > 0) h.emu.faults.inject({ route: routes.revoke, delayMs: revokeDelayMs, times: 1 });
      const advanced = h.clock!.advance(2280_000);
      await waitFor(() => h!.emu.counters.get(routes.renew) === 1);
      await h.app.projected.rotate();
      // fs.watch sees the kubelet's symlink swap while the renewal is still out.
      await waitFor(() => h!.emu.counters.get(routes.login) === 2);
      await advanced;
      await h.clock!.settle();
      expect(h.emu.counters.get(routes.revoke)).toBe(1);
      expect(h.emu.accessTokens.live(h.app.identityId)).toBe(1);
      // The client holds the new lineage: a refresh needs no further login (the old lineage would answer 401 now).
      h.emu.setSecret({ projectId: h.app.projectId, environment: 'prod', key: 'GREETING', value: 'after the race' });
      await expect(h.config.refresh()).resolves.toMatchObject({ GREETING: 'after the race' });
      expect(h.emu.counters.get(routes.login)).toBe(2);
      expect(errors).toEqual([]);
      // And the new lineage renews on its own schedule from then on.
      await h.clock!.advance(2280_000);
      expect(h.emu.counters.get(routes.renew)).toBe(2);
      expect(h.emu.counters.get(routes.login)).toBe(2);
      expect(h.emu.accessTokens.live(h.app.identityId)).toBe(1);
    }, 60_000);
  }

  it('revokeOnClose leaves no live token behind, after any number of rotations (before: every token but the last)', async () => {
    h = await harness({
      provision: { accessTokenTTL: 2_592_000, accessTokenMaxTTL: 2_592_000 },
      config: { push: false, refreshIntervalMs: 0, tokenFileCheckIntervalMs: 10 * 60_000, revokeOnClose: true },
    });
    await h.config.ready();
    for (let hour = 1; hour <= 5; hour++) {
      await h.app.projected.rotate();
      await h.clock!.advance(HOUR);
    }
    expect(h.emu.counters.get(routes.login)).toBe(6);
    await h.config.close();
    expect(h.emu.accessTokens.live(h.app.identityId)).toBe(0);
    expect(h.logger.lines.filter((line) => line.includes('could not revoke'))).toEqual([]);
  });

  it('a revocation that fails is logged once, without the token, and changes nothing else', async () => {
    h = await harness({ config: { push: false, refreshIntervalMs: 0, tokenFileCheckIntervalMs: 1000 } });
    await h.config.ready();
    h.emu.faults.inject({ route: routes.revoke, status: 503, times: 1 });
    await h.app.projected.rotate();
    await h.clock!.advance(1000);
    expect(h.emu.counters.get(routes.login)).toBe(2);
    expect(h.emu.counters.get(routes.revoke)).toBe(1);
    const lines = h.logger.lines.filter((line) => line.includes('could not revoke a replaced access token'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^warn could not revoke a replaced access token \(it stays valid until it expires\): \[SERVER_ERROR\]/);
    expect(lines[0]).not.toMatch(/eyJ/);
    expect(h.emu.accessTokens.live(h.app.identityId)).toBe(2);
    expect(h.config.status.lastError).toBeUndefined();
    await expect(h.config.refresh()).resolves.toMatchObject({ GREETING: 'hello' });
  });
});
