/**
 * One test per change to shipped code that the rest of the suite let through (issue #20): each pins a promise of
 * the README through public behaviour only (the config's API, HTTP to the emulator, the ManualClock).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { InfisicalClient } from 'node-infisical';
import type { InfisicalK8sError } from '@infisical-k8s/core';
import { harness, routes, type Harness } from './helpers.js';

let open: Harness<StandardSchemaV1 | undefined> | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

function track<S extends StandardSchemaV1 | undefined>(h: Harness<S>): Harness<S> {
  open = h as unknown as Harness<StandardSchemaV1 | undefined>;
  return h;
}

/** A hand-written Standard Schema: every key must be `ok`, and each issue carries the value in every field a library might fill. */
function quotingSchema(): StandardSchemaV1<Record<string, string>, Record<string, string>> {
  return {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate(input) {
        const record = input as Record<string, string>;
        const issues = Object.entries(record)
          .filter(([, value]) => value !== 'ok')
          .map(([key, value]) =>
            // A bare Standard Schema issue (message and path only): the text falls back to `invalid`, never the message.
            key.startsWith('PLAIN') ? { message: `expected ok, got ${value}`, path: [key] } : {
            message: `expected ok, got ${value}`,
            path: [key, { key: value }],
            // zod's own type check is the one place `expected` is read: it must still be a type name to be shown.
            code: 'invalid_type',
            type: value,
            format: value,
            origin: value,
            expected: value,
            received: value,
          });
        return issues.length > 0 ? { issues } : { value: record };
      },
    },
  };
}

describe('promises the rest of the suite did not pin (issue #20 survivors)', () => {
  it('a 403 TokenError on a secrets call is one login and one retry, and the refresh succeeds', async () => {
    const h = track(await harness({ config: { push: false } }));
    await h.config.ready();
    const logins = h.emu.counters.get(routes.login);
    const lists = h.emu.counters.get(routes.list);
    h.emu.faults.inject({ route: routes.list, status: 403, body: { reqId: 'r', statusCode: 403, message: 'Your token has expired. Please re-authenticate.', error: 'TokenError' }, times: 1 });
    await expect(h.config.refresh()).resolves.toEqual({ GREETING: 'hello', PORT: '8080' });
    expect(h.emu.counters.get(routes.login) - logins).toBe(1);
    expect(h.emu.counters.get(routes.list) - lists).toBe(2);
    expect(h.config.status.lastError).toBeUndefined();
  });

  it('a secret deleted in Infisical leaves the snapshot, and the change names it', async () => {
    const h = track(await harness({ config: { push: false } }));
    await h.config.ready();
    const changes: string[][] = [];
    h.config.changes$.subscribe((change) => changes.push(change.changedKeys));
    h.emu.deleteSecret({ projectId: h.app.projectId, environment: h.app.environment, secretPath: h.app.secretPath, key: 'PORT' });
    await expect(h.config.refresh()).resolves.toEqual({ GREETING: 'hello' });
    expect(h.config.snapshot).toEqual({ GREETING: 'hello' });
    expect(changes).toEqual([['PORT']]);
  });

  it('a schema whose issues quote the value in every field: no value in the message, hint or issues', async () => {
    const value = 'my 5ecret value!';
    const h = track(await harness({ provision: { secrets: { GOOD: 'ok', BAD: value, PLAIN_BAD: value } }, config: { push: false, schema: quotingSchema() } }));
    const error = (await h.config.ready().catch((e: unknown) => e)) as InfisicalK8sError;
    expect(error.code).toBe('CONFIG_INVALID');
    const surfaces = [error.message, error.hint, JSON.stringify(error.issues), JSON.stringify(h.config.status), h.logger.lines.join('\n')];
    for (const text of surfaces) expect(text).not.toContain('5ecret');
    expect(error.issues).toEqual([
      { path: 'BAD.*', message: 'invalid_type' },
      { path: 'PLAIN_BAD', message: 'invalid' },
    ]);
  });

  it('close() without revokeOnClose leaves the access token alive at Infisical and sends no revoke', async () => {
    const h = track(await harness({ config: { push: false } }));
    await h.config.ready();
    await h.config.close();
    expect(h.emu.counters.get(routes.revoke)).toBe(0);
    expect(h.emu.accessTokens.live(h.app.identityId)).toBe(1);
    // Not even tried: a revocation the closed connection refuses would still warn at every shutdown.
    expect(h.logger.lines.filter((line) => line.includes('revoke'))).toEqual([]);
  });

  it('close() with revokeOnClose revokes it (the control for the test above)', async () => {
    const h = track(await harness({ config: { push: false, revokeOnClose: true } }));
    await h.config.ready();
    await h.config.close();
    expect(h.emu.counters.get(routes.revoke)).toBe(1);
    expect(h.emu.accessTokens.live(h.app.identityId)).toBe(0);
  });

  it('the default backoff cap is 300 s: a long outage retries at most every 5 minutes (x0.55 with random 0.5), never longer', async () => {
    const h = track(await harness({ config: { push: false, initialRetries: 1_000, readyTimeoutMs: 86_400_000 } }));
    h.emu.faults.inject({ route: routes.list, status: 503 });
    const waits: number[] = [];
    const ready = h.config.ready().catch((e: unknown) => e);
    for (let i = 0; i < 14; i++) {
      await h.clock!.advance(0);
      const next = h.config.status.nextAttemptAt!;
      waits.push(next - h.clock!.now());
      await h.clock!.advance(next - h.clock!.now());
    }
    // Full jitter floored at 10 %: round(min(300_000, 1_000 * 2^n) * (0.1 + 0.9 * 0.5)).
    expect(waits.slice(0, 3)).toEqual([550, 1_100, 2_200]);
    expect(waits.slice(-4)).toEqual([165_000, 165_000, 165_000, 165_000]);
    h.emu.faults.clear();
    await h.clock!.advance(165_000);
    expect(await ready).toEqual({ GREETING: 'hello', PORT: '8080' });
  });

  it('a schema-failing refresh stays failing while the bad data is unchanged (it is never taken as "no change")', async () => {
    const h = track(await harness({ provision: { secrets: { GREETING: 'ok', PORT: 'ok' } }, config: { push: false, schema: quotingSchema() } }));
    await h.config.ready();
    h.emu.setSecret({ projectId: h.app.projectId, environment: h.app.environment, secretPath: h.app.secretPath, key: 'PORT', value: 'bad' });
    await expect(h.config.refresh()).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(h.config.refresh()).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    expect(h.config.status.lastError?.code).toBe('CONFIG_INVALID');
    expect(h.config.snapshot).toEqual({ GREETING: 'ok', PORT: 'ok' });
  });

  it('no max TTL: a renewal that did not move the expiry ends renewing; the next action is a login', async () => {
    // TTL 0 and no max TTL: the server's 90-day ceiling is the only end (a TTL above a max of 0 is refused).
    const year = 365 * 86_400;
    const h = track(
      await harness({
        provision: { accessTokenTTL: 0, accessTokenMaxTTL: 0, token: { expirationSeconds: year } },
        config: { push: false, refreshIntervalMs: 0, tokenFileCheckIntervalMs: 100 * 86_400_000 },
      }),
    );
    await h.config.ready();
    // The renewal's answer: a token of the same lineage's shape whose life (exp - iat, 1,000 s) ends before the current one's.
    const other = new InfisicalClient({ baseUrl: h.emu.infisicalUrl, retry: false });
    const login = await other.login({ kubernetesAuth: { identityId: h.app.identityId, jwt: h.app.projected.current() } });
    await other.close();
    const [header, payload, signature] = login.accessToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp: number; iat: number };
    const shorter = `${header}.${Buffer.from(JSON.stringify({ ...claims, iat: claims.exp - 1_000 })).toString('base64url')}.${signature}`;
    h.emu.faults.inject({ route: routes.renew, status: 200, body: { ...login, accessToken: shorter }, times: 1 });
    const logins = h.emu.counters.get(routes.login);
    // The renewal falls at 2/3 of the life less 5 % (random 0.5): day 57.
    await h.clock!.advance(Math.ceil(90 * 86_400_000 * (2 / 3) * 0.95) + 1_000);
    expect(h.emu.counters.get(routes.renew)).toBe(1);
    expect(h.config.status.renewals).toBe(1);
    // The next action, at 2/3 of the 1,000 s left: a login, never another renewal.
    await h.clock!.advance(700_000);
    expect(h.emu.counters.get(routes.renew)).toBe(1);
    expect(h.emu.counters.get(routes.login) - logins).toBe(1);
    expect(h.config.status.lastError).toBeUndefined();
  });

  it('cold start: concurrent refresh() callers share one attempt, so ready() still gets its initialRetries attempts', async () => {
    const h = track(await harness({ config: { push: false, initialRetries: 3, readyTimeoutMs: 86_400_000 } }));
    h.emu.faults.inject({ route: routes.list, status: 503, times: 2 });
    let settled = false;
    const ready = h.config.ready().finally(() => {
      settled = true;
    });
    const callers = await Promise.allSettled([h.config.refresh(), h.config.refresh(), h.config.refresh()]);
    expect(callers.map((c) => c.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(h.emu.counters.get(routes.list)).toBe(1);
    await h.clock!.advance(0);
    expect(settled).toBe(false);
    // Attempts two (503) and three (200) come on the backoff: ready() resolves on the third.
    await h.clock!.advance(h.config.status.nextAttemptAt! - h.clock!.now());
    await h.clock!.advance(h.config.status.nextAttemptAt! - h.clock!.now());
    expect(await ready).toEqual({ GREETING: 'hello', PORT: '8080' });
    expect(h.emu.counters.get(routes.list)).toBe(3);
  });
});
