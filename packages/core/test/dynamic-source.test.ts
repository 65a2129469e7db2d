/**
 * The `dynamic` source: a dynamic secret's lease as typed config, over simulated days on one ManualClock shared with
 * the emulator. The emulator's `dynamicSecrets.accepts` plays the database: it accepts a pair only while its lease lives.
 */
import { rm } from 'node:fs/promises';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { createInfisicalConfig, isInfisicalK8sError, type InfisicalConfig, type DynamicSourceOptions } from '@infisical-k8s/core';
import { ManualClock } from '@infisical-k8s/core/testing';
import { captureLogger } from './helpers.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const LEASES = {
  create: 'POST /api/v1/dynamic-secrets/leases',
  renew: 'POST /api/v1/dynamic-secrets/leases/:leaseId/renew',
  revoke: 'DELETE /api/v1/dynamic-secrets/leases/:leaseId',
} as const;

const schema = z.object({ GREETING: z.string(), DB_USER: z.string().min(8), DB_PASS: z.string().min(16) });
type Config = z.infer<typeof schema>;

interface Setup {
  emu: Emulator;
  app: Provisioned;
  clock: ManualClock;
  config: InfisicalConfig<Config>;
  logger: ReturnType<typeof captureLogger>;
}
let s: Setup | undefined;

afterEach(async () => {
  if (!s) return;
  await s.config.close();
  s.app.projected.stop();
  await s.emu.close();
  await rm(s.app.projected.dir, { recursive: true, force: true });
  s = undefined;
});

/** An app whose config merges a folder and a leased database user (`orders-db`: TTL 1 h, max TTL 6 h by default). */
async function setUp(secret: { defaultTtl?: string; maxTtl?: string } = {}, source: Partial<DynamicSourceOptions> = {}, role = 'member', maxStalenessMs?: number): Promise<Setup> {
  const clock = new ManualClock();
  const emu = await startEmulator({ clock });
  const app = await provision(emu, { secrets: { GREETING: 'hello' }, token: { expirationSeconds: 40 * 24 * 3600 } });
  const db = emu.createProject({ name: 'orders' });
  // Renewing and revoking are edits of the folder's secrets: a viewer may create leases only.
  emu.addIdentityToProject(db.id, app.identityId, role);
  emu.createDynamicSecret({ projectId: db.id, environment: 'prod', secretPath: '/db', name: 'orders-db', defaultTtl: secret.defaultTtl ?? '1h', ...('maxTtl' in secret ? (secret.maxTtl ? { maxTtl: secret.maxTtl } : {}) : { maxTtl: '6h' }) });
  const logger = captureLogger();
  const config = createInfisicalConfig({
    siteUrl: emu.infisicalUrl,
    kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
    secrets: [
      { projectId: app.projectId, environment: 'prod' },
      { dynamic: 'orders-db', projectSlug: db.slug, environment: 'prod', secretPath: '/db', fields: { DB_USERNAME: 'DB_USER', DB_PASSWORD: 'DB_PASS' }, ...source },
    ],
    schema,
    logger,
    clock,
    random: () => 0.5,
    client: { retry: false },
    push: false,
    refreshIntervalMs: 0,
    ...(maxStalenessMs !== undefined ? { maxStalenessMs } : {}),
    tokenFileCheckIntervalMs: 10 * DAY,
  });
  s = { emu, app, clock, config, logger };
  return s;
}

/** What a connection pool would log in with now is a credential the database accepts. */
function servedIsLive({ emu, config }: Setup): boolean {
  return emu.dynamicSecrets.accepts(config.get('DB_USER'), config.get('DB_PASS'));
}

describe('Source: dynamic (leased credentials)', () => {
  it('creates one lease at first load however many callers ask, typed by the schema', async () => {
    const h = await setUp();
    const [a, b] = await Promise.all([h.config.ready(), h.config.ready(), h.config.refresh()]);
    expect(a).toBe(b);
    expect(h.emu.counters.get(LEASES.create)).toBe(1);
    expect(h.emu.dynamicSecrets.liveLeases('orders-db')).toBe(1);
    expect(Object.keys(h.config.snapshot).toSorted()).toEqual(['DB_PASS', 'DB_USER', 'GREETING']);
    expect(servedIsLive(h)).toBe(true);
  });

  it('over three simulated days: renewed and replaced on time, at most two live leases, never a dead credential, none left after close', async () => {
    const h = await setUp();
    await h.config.ready();
    const changes: string[] = [];
    let most = 0;
    h.config.changes$.subscribe((c) => {
      changes.push(`${c.reason}:${c.changedKeys.join(',')}`);
      // Announced before the superseded lease is revoked: the pool reconnects while both still work.
      most = Math.max(most, h.emu.dynamicSecrets.liveLeases('orders-db'));
      expect(h.emu.dynamicSecrets.accepts(c.snapshot.DB_USER, c.snapshot.DB_PASS)).toBe(true);
    });
    for (let t = 0; t < 3 * DAY; t += 5 * MINUTE) {
      await h.clock.advance(5 * MINUTE);
      most = Math.max(most, h.emu.dynamicSecrets.liveLeases('orders-db'));
      expect(servedIsLive(h)).toBe(true);
    }
    expect(most).toBe(2);
    // A lease lives at most 6 h and is replaced between 4.5 h and 5.5 h of life: 13 to 17 leases in 72 h.
    const created = h.emu.counters.get(LEASES.create);
    expect(created).toBeGreaterThanOrEqual(13);
    expect(created).toBeLessThanOrEqual(17);
    // Each replacement was announced once, with the two credential keys only, and revoked the lease it replaced.
    expect(changes).toEqual(Array.from({ length: created - 1 }, () => 'lease:DB_PASS,DB_USER'));
    expect(h.emu.counters.get(LEASES.revoke)).toBe(created - 1);
    // Renewed at two thirds of each life: about once an hour.
    expect(h.emu.counters.get(LEASES.renew)).toBeGreaterThanOrEqual(3 * 24 * 0.6);
    expect(h.emu.dynamicSecrets.liveLeases('orders-db')).toBe(1);
    // Never a refused renewal or a failed step: replacement came before the max TTL could refuse one.
    expect(h.logger.lines.filter((line) => line.startsWith('warn') || line.startsWith('error'))).toEqual([]);
    await h.config.close();
    expect(h.emu.dynamicSecrets.liveLeases('orders-db')).toBe(0);
  }, 120_000);

  it('renews at two thirds of the remaining life, from the lease end the server extended', async () => {
    const h = await setUp({ defaultTtl: '1h', maxTtl: '12h' });
    await h.config.ready();
    await h.clock.advance(39 * MINUTE);
    expect(h.emu.counters.get(LEASES.renew)).toBe(0);
    await h.clock.advance(MINUTE);
    expect(h.emu.counters.get(LEASES.renew)).toBe(1);
    // Renewed at 40 min to end at 2 h: the next renewal is at 40 + 80 × 2/3 ≈ 93 min.
    await h.clock.advance(53 * MINUTE);
    expect(h.emu.counters.get(LEASES.renew)).toBe(1);
    await h.clock.advance(MINUTE);
    expect(h.emu.counters.get(LEASES.renew)).toBe(2);
  }, 60_000);

  it('a viewer may not renew (403): each lease is replaced instead, and the served credential always works', async () => {
    const h = await setUp({ defaultTtl: '1h', maxTtl: '12h' }, {}, 'viewer');
    await h.config.ready();
    // Replaced before the old lease ended: the credential it replaced still worked when the new one was announced.
    const oldStillLive: boolean[] = [];
    h.config.changes$.subscribe(({ previous }) => oldStillLive.push(h.emu.dynamicSecrets.accepts(previous!.DB_USER, previous!.DB_PASS)));
    for (let t = 0; t < 12 * HOUR; t += 5 * MINUTE) {
      await h.clock.advance(5 * MINUTE);
      expect(servedIsLive(h)).toBe(true);
    }
    expect(h.emu.counters.get(LEASES.create)).toBeGreaterThanOrEqual(12);
    expect(oldStillLive.length).toBeGreaterThanOrEqual(11);
    expect(oldStillLive.every(Boolean)).toBe(true);
    expect(h.logger.lines.some((line) => line.includes('the lease renewal failed (PERMISSION_DENIED)'))).toBe(true);
  }, 60_000);

  it('a dynamic secret without a max TTL is renewed for ever, never replaced', async () => {
    const h = await setUp({ defaultTtl: '1h', maxTtl: undefined });
    await h.config.ready();
    await h.clock.advance(DAY);
    expect(h.emu.counters.get(LEASES.create)).toBe(1);
    expect(h.emu.counters.get(LEASES.renew)).toBeGreaterThanOrEqual(20);
    expect(servedIsLive(h)).toBe(true);
  }, 60_000);

  it('a failed renewal keeps the credential until the lease ends, then a new lease is served', async () => {
    const h = await setUp({ defaultTtl: '1h', maxTtl: '12h' });
    await h.config.ready();
    const first = h.config.get('DB_USER');
    h.emu.faults.inject({ route: LEASES.renew, status: 503 });
    await h.clock.advance(55 * MINUTE);
    expect(h.emu.counters.get(LEASES.renew)).toBeGreaterThanOrEqual(2);
    expect(h.config.get('DB_USER')).toBe(first);
    expect(servedIsLive(h)).toBe(true);
    expect(h.logger.lines.some((line) => line.includes('the lease renewal failed'))).toBe(true);
    const firstPass = h.config.get('DB_PASS');
    await h.clock.advance(5 * MINUTE);
    expect(h.config.get('DB_USER')).not.toBe(first);
    // Neither credential appears in a log line, the status, inspect or JSON of the config.
    const printed = [...h.logger.lines, JSON.stringify(h.config), inspect(h.config), JSON.stringify(h.config.status)].join('\n');
    for (const value of [first, firstPass, h.config.get('DB_USER'), h.config.get('DB_PASS')]) expect(printed).not.toContain(value);
    expect(servedIsLive(h)).toBe(true);
    expect(h.emu.dynamicSecrets.liveLeases('orders-db')).toBe(1);
  }, 60_000);

  it('when no lease can be had after the end, the refetch fails with a typed error, the config is stale at once, and recovers once the server does', async () => {
    // A day of maxStalenessMs: only the ended lease can make the config stale within the hour.
    const h = await setUp({ defaultTtl: '1h', maxTtl: '12h' }, {}, 'member', DAY);
    await h.config.ready();
    const errors: string[] = [];
    const messages: string[] = [];
    h.config.errors$.subscribe((e) => {
      errors.push(e.code);
      messages.push(`${e.message} ${e.hint ?? ''} ${inspect(e)}`);
    });
    h.emu.faults.inject({ route: LEASES.renew, status: 503 });
    const createFault = h.emu.faults.inject({ route: LEASES.create, status: 503 });
    await h.clock.advance(HOUR - MINUTE);
    // Renewals failing, the lease not ended yet: its credentials still work, the config is not stale.
    expect(h.config.status.stale).toBe(false);
    await h.clock.advance(2 * MINUTE);
    expect(errors.length).toBeGreaterThan(0);
    expect(h.config.status.lastError?.code).toBe(errors[0]);
    // The served credentials ended with their lease: stale (not ready) long before maxStalenessMs.
    expect(h.config.status.stale).toBe(true);
    expect(h.config.readiness().status).toBe('not-ready');
    expect(messages.join('\n')).not.toContain(h.config.get('DB_PASS'));
    h.emu.faults.clear(createFault);
    await h.clock.advance(10 * MINUTE);
    expect(servedIsLive(h)).toBe(true);
    expect(h.config.status.stale).toBe(false);
  }, 60_000);

  it('an unknown dynamic secret rejects ready() with a typed error', async () => {
    const h = await setUp({}, { dynamic: 'no-such-db' });
    const error = await h.config.ready().catch((e: unknown) => e);
    expect(isInfisicalK8sError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'PROJECT_NOT_FOUND', status: 404 });
    expect((error as Error).message).toContain('no dynamic secret no-such-db');
    expect((error as { hint: string }).hint).toContain('secrets.projectSlug');
  }, 60_000);

  it('bad options are OPTIONS_INVALID naming the option, never its value', () => {
    const base = { siteUrl: 'http://127.0.0.1:1', kubernetesAuth: { identityId: 'id', tokenPath: '/nonexistent' } };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ dynamic: '', projectSlug: 'p', environment: 'prod' }, 'secrets.dynamic'],
      [{ dynamic: 'db', environment: 'prod' }, 'secrets.projectSlug'],
      [{ dynamic: 'db', projectSlug: 'p' }, 'secrets.environment'],
      [{ dynamic: 'db', projectSlug: 'p', environment: 'prod', ttl: 'hunter2-secret' }, 'secrets.ttl'],
      [{ dynamic: 'db', projectSlug: 'p', environment: 'prod', fields: { DB_PASSWORD: 42 } }, 'secrets.fields.DB_PASSWORD'],
      [{ dynamic: 'db', projectSlug: 'p', environment: 'prod', projectId: 'x' }, 'cannot also have projectId'],
    ];
    for (const [secrets, named] of cases) {
      let error: unknown;
      try {
        createInfisicalConfig({ ...base, secrets: secrets as never });
      } catch (e) {
        error = e;
      }
      expect(isInfisicalK8sError(error) && error.code).toBe('OPTIONS_INVALID');
      expect((error as Error).message).toContain(named);
      expect((error as Error).message).not.toContain('hunter2');
    }
  });
});
