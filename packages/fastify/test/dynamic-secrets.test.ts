/**
 * A leased database credential through the Fastify plugin, over two simulated days: the app's "pool" reconnects on
 * each `changes$` with reason `lease`; every request's query runs against the emulator's database check.
 */
import { rm } from 'node:fs/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { ManualClock } from '@infisical-k8s/core/testing';
import { infisicalPlugin, type InfisicalConfig } from '@infisical-k8s/fastify';

const HOUR = 3_600_000;
const schema = z.object({ GREETING: z.string(), DB_USER: z.string(), DB_PASS: z.string() });

let emu: Emulator | undefined;
let app: Provisioned | undefined;
let server: FastifyInstance | undefined;

afterEach(async () => {
  await server?.close();
  await emu?.close();
  if (app) await rm(app.projected.dir, { recursive: true, force: true });
  emu = app = server = undefined;
});

describe('Fastify: a leased database credential', () => {
  it('the pool reconnects on each replacement; no request ever uses a dead credential; app.close() revokes the lease', async () => {
    const clock = new ManualClock();
    const database = (emu = await startEmulator({ clock }));
    app = await provision(emu, { secrets: { GREETING: 'hello' }, token: { expirationSeconds: 40 * 24 * 3600 } });
    const db = emu.createProject({ name: 'orders' });
    emu.addIdentityToProject(db.id, app.identityId, 'member');
    emu.createDynamicSecret({ projectId: db.id, environment: 'prod', name: 'orders-db', defaultTtl: '1h', maxTtl: '4h' });
    const fastify = (server = Fastify({ logger: false }));
    await fastify.register(infisicalPlugin, {
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
    });
    let pool = { user: '', pass: '' };
    fastify.get('/orders', async (_request, reply) => {
      if (!database.dynamicSecrets.accepts(pool.user, pool.pass)) return reply.code(500).send({ error: 'password authentication failed' });
      return { ok: true };
    });
    await fastify.ready();
    const config = fastify.infisical as unknown as InfisicalConfig<z.infer<typeof schema>>;
    // The connection-pool pattern: connect with the first snapshot, reconnect when the lease is replaced.
    pool = { user: config.snapshot.DB_USER, pass: config.snapshot.DB_PASS };
    let reconnects = 0;
    config.changes$.subscribe(({ snapshot, reason }) => {
      if (reason !== 'lease') return;
      pool = { user: snapshot.DB_USER, pass: snapshot.DB_PASS };
      reconnects++;
    });
    for (let t = 0; t < 48 * HOUR; t += 10 * 60_000) {
      await clock.advance(10 * 60_000);
      expect((await fastify.inject({ method: 'GET', url: '/orders' })).statusCode).toBe(200);
      expect(database.dynamicSecrets.liveLeases('orders-db')).toBeLessThanOrEqual(2);
    }
    expect(reconnects).toBeGreaterThanOrEqual(13);
    await fastify.close();
    server = undefined;
    expect(database.dynamicSecrets.liveLeases('orders-db')).toBe(0);
  }, 120_000);
});
