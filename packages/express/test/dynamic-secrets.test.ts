/**
 * A leased database credential through the Express middleware, over two simulated days: the app's "pool" reconnects
 * on each `changes$` with reason `lease`, and every request's query runs against the emulator's database check.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { rm } from 'node:fs/promises';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { ManualClock } from '@infisical-k8s/core/testing';
import { infisical, type InfisicalMiddleware } from '@infisical-k8s/express';

const HOUR = 3_600_000;
const schema = z.object({ GREETING: z.string(), DB_USER: z.string(), DB_PASS: z.string() });

let emu: Emulator | undefined;
let app: Provisioned | undefined;
let server: Server | undefined;
let mw: InfisicalMiddleware<z.infer<typeof schema>> | undefined;

afterEach(async () => {
  await mw?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  await emu?.close();
  if (app) await rm(app.projected.dir, { recursive: true, force: true });
  emu = app = server = mw = undefined;
});

describe('Express: a leased database credential', () => {
  it('the pool reconnects on each replacement; no request ever uses a dead credential; close revokes the lease', async () => {
    const clock = new ManualClock();
    emu = await startEmulator({ clock });
    app = await provision(emu, { secrets: { GREETING: 'hello' }, token: { expirationSeconds: 40 * 24 * 3600 } });
    const db = emu.createProject({ name: 'orders' });
    emu.addIdentityToProject(db.id, app.identityId, 'member');
    emu.createDynamicSecret({ projectId: db.id, environment: 'prod', name: 'orders-db', defaultTtl: '1h', maxTtl: '4h' });
    const database = emu;
    mw = infisical({
      siteUrl: emu.infisicalUrl,
      kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
      secrets: [
        { projectId: app.projectId, environment: 'prod' },
        { dynamic: 'orders-db', projectSlug: db.slug, environment: 'prod', fields: { DB_USERNAME: 'DB_USER', DB_PASSWORD: 'DB_PASS' } },
      ],
      schema,
      clock,
      push: false,
      refreshIntervalMs: 0,
      tokenFileCheckIntervalMs: 10 * 24 * HOUR,
      logger: { warn: () => undefined, error: () => undefined },
    });
    // The connection-pool pattern: connect with the first snapshot, reconnect when the lease is replaced.
    const first = await mw.ready();
    let pool = { user: first.DB_USER, pass: first.DB_PASS };
    let reconnects = 0;
    mw.config.changes$.subscribe(({ snapshot, reason }) => {
      if (reason !== 'lease') return;
      pool = { user: snapshot.DB_USER, pass: snapshot.DB_PASS };
      reconnects++;
    });
    const web = express();
    web.use(mw);
    web.get('/orders', (_req, res) => {
      if (!database.dynamicSecrets.accepts(pool.user, pool.pass)) return void res.status(500).json({ error: 'password authentication failed' });
      res.json({ ok: true });
    });
    server = web.listen(0, '127.0.0.1');
    await new Promise((r) => server!.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`;
    for (let t = 0; t < 48 * HOUR; t += 10 * 60_000) {
      await clock.advance(10 * 60_000);
      expect((await fetch(url)).status).toBe(200);
      expect(emu.dynamicSecrets.liveLeases('orders-db')).toBeLessThanOrEqual(2);
    }
    // Max TTL 4 h, replaced at about 3 h to 3.5 h of life: at least 13 replacements in 48 h.
    expect(reconnects).toBeGreaterThanOrEqual(13);
    await mw.close();
    expect(emu.dynamicSecrets.liveLeases('orders-db')).toBe(0);
  }, 120_000);
});
