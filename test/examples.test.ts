/**
 * Each example app, started in-process against the emulator and exercised over real HTTP: config from
 * Infisical typed by the schema, a pushed secret change, a token-file rotation, readiness and liveness.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { startApp as startNest } from '@infisical-k8s/example-nest';
import { startApp as startExpress } from '@infisical-k8s/example-express';
import { startApp as startFastify } from '@infisical-k8s/example-fastify';

const examples = [
  ['nestjs', startNest],
  ['express', startExpress],
  ['fastify', startFastify],
] as const;

describe.each(examples)('examples/%s-app', (framework, startApp) => {
  let emu: Emulator;
  let app: Provisioned;
  let running: Awaited<ReturnType<typeof startApp>>;

  beforeAll(async () => {
    emu = await startEmulator();
    app = await provision(emu, { secrets: { GREETING: 'hello', DATABASE_URL: 'postgres://u:p@db.internal:5432/app', API_KEY: 'key-12345678' } });
    running = await startApp({ port: 0, env: app.env, logger: false });
  });
  afterAll(async () => {
    await running?.close();
    await emu?.close();
    await rm(app.projected.dir, { recursive: true, force: true });
  });

  const get = async (path = '/') => (await fetch(`${running.url}${path}`)).json() as Promise<Record<string, unknown>>;

  it('serves config from Infisical, typed by the schema, and answers its probes', async () => {
    expect(await get()).toEqual({ framework, greeting: 'hello', port: 3000, database: 'db.internal:5432' });
    expect(await get('/ready')).toMatchObject({ status: 'ready' });
    expect(await get('/healthz')).toEqual({ status: 'ok' });
  });

  it('serves a changed secret (pushed) and keeps working across token-file rotation', async () => {
    // Waits for the change itself, not a fixed 5 s of real time: only the test timeout may bound it on a busy machine.
    const arrived = new Promise<void>((resolve) => {
      const subscription = running.config.changes$.subscribe(({ changedKeys }) => {
        if (!changedKeys.includes('GREETING')) return;
        subscription.unsubscribe();
        resolve();
      });
    });
    await app.projected.rotate();
    emu.setSecret({ projectId: app.projectId, environment: 'prod', key: 'GREETING', value: 'changed' });
    await arrived;
    expect((await get()).greeting).toBe('changed');
    expect(running.config.get('GREETING')).toBe('changed');
  });
});
