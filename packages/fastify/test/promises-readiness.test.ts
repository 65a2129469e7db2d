/**
 * Issue #20 survivor: the readiness route answers 503 once the config is stale (refreshes failing past
 * maxStalenessMs), and 200 again after it recovers. Public behaviour only: the plugin, the emulator over loopback
 * and core's ManualClock.
 */
import { rm } from 'node:fs/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { ManualClock } from '@infisical-k8s/core/testing';
import { infisicalPlugin } from '@infisical-k8s/fastify';

let emu: Emulator | undefined;
let app: Provisioned | undefined;
let server: FastifyInstance | undefined;

afterEach(async () => {
  await server?.close();
  app?.projected.stop();
  await emu?.close();
  if (app) await rm(app.projected.dir, { recursive: true, force: true });
  emu = app = server = undefined;
});

describe('Plugin: the readiness route follows readiness', () => {
  it('200 while fresh, 503 with the code once stale, 200 again after recovery, 503 once closed', async () => {
    const clock = new ManualClock();
    emu = await startEmulator({ clock });
    app = await provision(emu, { secrets: { GREETING: 'hello' } });
    const fastify = Fastify({ logger: false });
    server = fastify;
    await fastify.register(infisicalPlugin, {
      siteUrl: emu.infisicalUrl,
      kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
      secrets: { projectId: app.projectId, environment: 'prod' },
      readinessRoute: '/ready',
      push: false,
      clock,
      random: () => 0.5,
      client: { retry: false },
      refreshIntervalMs: 60_000,
      maxStalenessMs: 120_000,
    });
    await fastify.ready();
    const probe = async () => {
      const res = await fastify.inject({ method: 'GET', url: '/ready' });
      return { status: res.statusCode, body: res.json() as Record<string, unknown> };
    };
    expect(await probe()).toEqual({ status: 200, body: { status: 'ready', stale: false } });

    emu.faults.inject({ route: 'GET /api/v4/secrets', status: 503 });
    await clock.advance(200_000);
    expect(fastify.infisical.status.stale).toBe(true);
    expect(await probe()).toMatchObject({ status: 503, body: { status: 'not-ready', stale: true, code: 'SERVER_ERROR' } });

    emu.faults.clear();
    await fastify.infisical.refresh();
    expect(await probe()).toEqual({ status: 200, body: { status: 'ready', stale: false } });

    // Not ready without being stale: a closed config serves nothing.
    await fastify.infisical.close();
    expect(await probe()).toEqual({ status: 503, body: { status: 'not-ready', stale: false } });
  });
});
