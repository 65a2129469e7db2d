/**
 * examples/leased-db-app over two simulated days: the app's database credential is a lease (TTL 1 h, max TTL 6 h)
 * renewed and replaced by core, its pool reconnecting on each replacement. The "database" is the emulator's check
 * of the provider's users: a query with a revoked or expired credential fails, as Postgres would refuse the login.
 */
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { ManualClock } from '@infisical-k8s/core/testing';
import { startApp, type Connect, type RunningApp } from '@infisical-k8s/example-leased-db';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const ROWS = [{ id: 1, total: 42 }];

let emu: Emulator | undefined;
let app: Provisioned | undefined;
let running: RunningApp | undefined;

afterEach(async () => {
  await running?.close();
  await emu?.close();
  if (app) await rm(app.projected.dir, { recursive: true, force: true });
  emu = app = running = undefined;
});

describe('examples/leased-db-app', () => {
  it('over two simulated days every request succeeds on a live credential, at most two leases live, none after close', async () => {
    const clock = new ManualClock();
    emu = await startEmulator({ clock });
    // The projected token outlives the run: this test is about leases, not the kubelet's token rotation.
    app = await provision(emu, { secrets: { DB_HOST: 'orders-db.internal' }, token: { expirationSeconds: 40 * 24 * 3600 } });
    const db = emu.createProject({ name: 'orders' });
    // Renewing and revoking a lease are edits of the folder: a member, not a viewer.
    emu.addIdentityToProject(db.id, app.identityId, 'member');
    emu.createDynamicSecret({ projectId: db.id, environment: 'prod', name: 'orders-db', defaultTtl: '1h', maxTtl: '6h' });

    const database = emu;
    let maxLive = 0;
    const sample = () => (maxLive = Math.max(maxLive, database.dynamicSecrets.liveLeases('orders-db')));
    const users = new Set<string>();
    const connectedAt: number[] = [];
    let queries = 0;
    let ended = 0;
    const connect: Connect = ({ user, password }) => {
      // Called inside the replacement's announcement, when the new lease is live and the old one not yet revoked.
      sample();
      users.add(user);
      connectedAt.push(clock.now());
      return {
        async query<Row>() {
          queries++;
          if (!database.dynamicSecrets.accepts(user, password)) throw new Error('password authentication failed');
          return ROWS as Row[];
        },
        async end() {
          ended++;
        },
      };
    };
    running = await startApp({ port: 0, env: { ...app.env, DB_PROJECT_SLUG: db.slug }, logger: false, connect, clock });
    expect(await (await fetch(`${running.url}/ready`)).json()).toMatchObject({ status: 'ready' });

    for (let t = 0; t < 48 * HOUR; t += 10 * MINUTE) {
      await clock.advance(10 * MINUTE);
      const res = await fetch(`${running.url}/orders`);
      expect(res.status, `GET /orders after ${(t + 10 * MINUTE) / HOUR} h`).toBe(200);
      expect(await res.json()).toEqual({ orders: ROWS });
      sample();
      expect(database.dynamicSecrets.liveLeases('orders-db')).toBeGreaterThanOrEqual(1);
    }
    expect(queries).toBe(48 * 6);
    expect(maxLive).toBe(2);
    // Renewed (a 1 h lease lived over 4 h) and replaced before its 6 h max TTL: 8 or more replacements in 48 h,
    // each a new user and a reconnect.
    const lifetimes = connectedAt.slice(1).map((at, i) => at - connectedAt[i]!);
    for (const lifetime of lifetimes) expect(lifetime / HOUR).toSatisfy((hours: number) => hours > 4 && hours < 6);
    expect(running.pool.reconnects).toBeGreaterThanOrEqual(8);
    expect(users.size).toBe(running.pool.reconnects + 1);
    expect(ended).toBe(running.pool.reconnects);

    await running.close();
    running = undefined;
    expect(emu.dynamicSecrets.liveLeases('orders-db')).toBe(0);
    expect(ended).toBe(users.size);
  }, 180_000);
});

const idleDatabase: Connect = () => ({ query: async () => [], end: async () => undefined });

describe('examples/leased-db-app: bad configuration', () => {
  it('names the missing variable, and fails start-up with a typed error when the dynamic secret does not exist', async () => {
    emu = await startEmulator();
    app = await provision(emu, { secrets: { DB_HOST: 'orders-db.internal' } });
    const db = emu.createProject({ name: 'orders' });
    emu.addIdentityToProject(db.id, app.identityId, 'member');
    await expect(startApp({ port: 0, env: app.env, logger: false, connect: idleDatabase })).rejects.toMatchObject({ code: 'OPTIONS_INVALID', message: expect.stringContaining('DB_PROJECT_SLUG') });
    const failed = startApp({ port: 0, env: { ...app.env, DB_PROJECT_SLUG: db.slug, DB_DYNAMIC_SECRET: 'no-such-db' }, logger: false, connect: idleDatabase });
    await expect(failed).rejects.toMatchObject({ name: 'InfisicalK8sError', message: expect.stringContaining('no dynamic secret no-such-db') });
    expect(emu.dynamicSecrets.liveLeases()).toBe(0);
  }, 60_000);
});
