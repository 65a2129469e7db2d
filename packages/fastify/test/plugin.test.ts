import { rm } from 'node:fs/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { infisicalPlugin, InfisicalK8sError, type InfisicalPluginOptions } from '@infisical-k8s/fastify';

const schema = z.object({ GREETING: z.string(), PORT: z.coerce.number() });

declare module '@infisical-k8s/fastify' {
  interface Register {
    secrets: z.infer<typeof schema>;
  }
}

let emu: Emulator | undefined;
let app: Provisioned | undefined;
let server: FastifyInstance | undefined;

afterEach(async () => {
  await server?.close();
  await emu?.close();
  if (app) await rm(app.projected.dir, { recursive: true, force: true });
  emu = app = server = undefined;
});

async function build(extra: Partial<InfisicalPluginOptions<typeof schema>> = {}): Promise<FastifyInstance> {
  emu = await startEmulator();
  app = await provision(emu, { secrets: { GREETING: 'hello', PORT: '8080' } });
  const instance = Fastify({ logger: false });
  server = instance;
  await instance.register(infisicalPlugin, {
    siteUrl: emu.infisicalUrl,
    kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
    secrets: { projectId: app.projectId, environment: 'prod' },
    schema,
    readinessRoute: '/ready',
    ...extra,
  });
  instance.get('/', async (request) => ({ greeting: request.secrets.GREETING, port: instance.secrets.PORT }));
  return instance;
}

describe('Plugin: infisicalPlugin', () => {
  it('decorates the app and requests with the typed, live snapshot', async () => {
    const fastify = await build();
    await fastify.ready();
    expectTypeOf(fastify.secrets.PORT).toEqualTypeOf<number>();
    const res = await fastify.inject({ method: 'GET', url: '/' });
    expect(res.json()).toEqual({ greeting: 'hello', port: 8080 });
    expect((await fastify.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
  });

  it('serves a change and survives token-file rotation, over real HTTP', async () => {
    const fastify = await build({ push: false });
    const address = await fastify.listen({ port: 0, host: '127.0.0.1' });
    emu!.setSecret({ projectId: app!.projectId, environment: 'prod', key: 'GREETING', value: 'changed' });
    await app!.projected.rotate();
    await fastify.infisical.refresh();
    const body = (await (await fetch(address)).json()) as { greeting: string };
    expect(body.greeting).toBe('changed');
  });

  it('fails app.ready() with the typed error, within the default pluginTimeout', async () => {
    await build();
    await server!.close();
    const failing = Fastify({ logger: false });
    server = failing;
    failing.register(infisicalPlugin, {
      siteUrl: emu!.infisicalUrl,
      kubernetesAuth: { identityId: app!.identityId, tokenPath: '/nonexistent/token' },
      secrets: { projectId: app!.projectId, environment: 'prod' },
      backoff: { initialMs: 10, maxMs: 20 },
    });
    const error = await failing.ready().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(InfisicalK8sError);
    expect((error as InfisicalK8sError).code).toBe('TOKEN_FILE_MISSING');
  });

  it('keeps its boot deadline under a lowered pluginTimeout, and honours a raised one', async () => {
    emu = await startEmulator();
    app = await provision(emu, { secrets: { GREETING: 'x', PORT: '1' } });
    const slow = Fastify({ logger: false, pluginTimeout: 2_500 });
    server = slow;
    emu.faults.inject({ route: 'GET /api/v4/secrets', status: 503 });
    slow.register(infisicalPlugin, {
      siteUrl: emu.infisicalUrl,
      kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
      secrets: { projectId: app.projectId, environment: 'prod' },
      initialRetries: 1000,
      backoff: { initialMs: 50, maxMs: 100 },
      push: false,
    });
    const error = (await slow.ready().then(() => undefined, (e: unknown) => e)) as InfisicalK8sError;
    expect(error.code).toBe('SERVER_ERROR');
    await slow.close();

    emu.faults.clear();
    emu.faults.inject({ route: 'GET /api/v4/secrets', status: 503, times: 3 });
    const patient = Fastify({ logger: false, pluginTimeout: 20_000 });
    server = patient;
    patient.register(infisicalPlugin, {
      siteUrl: emu.infisicalUrl,
      kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
      secrets: { projectId: app.projectId, environment: 'prod' },
      backoff: { initialMs: 50, maxMs: 100 },
      push: false,
    });
    await patient.ready();
    expect(patient.secrets.GREETING).toBe('x');
  }, 20_000);

  it('rejects registration with core\'s typed error (code and hint) when the first load is refused, not a timeout', async () => {
    emu = await startEmulator();
    app = await provision(emu, { secrets: { GREETING: 'x', PORT: '1' } });
    const refused = Fastify({ logger: false });
    server = refused;
    refused.register(infisicalPlugin, {
      siteUrl: emu.infisicalUrl,
      // An identity Infisical has no Kubernetes Auth for: a refusal retrying cannot fix.
      kubernetesAuth: { identityId: 'a0000000-0000-4000-8000-000000000000', tokenPath: app.projected.path },
      secrets: { projectId: app.projectId, environment: 'prod' },
      initialRetries: 1,
      push: false,
      logger: { warn: () => undefined, error: () => undefined },
    });
    const error = (await refused.ready().then(() => undefined, (e: unknown) => e)) as InfisicalK8sError;
    expect(error).toBeInstanceOf(InfisicalK8sError);
    expect(error.code).toBe('IDENTITY_NOT_FOUND');
    expect(error.hint).toMatch(/identityId/);
    expect((error as { code: string }).code).not.toBe('FST_ERR_PLUGIN_TIMEOUT');
  });

  it('lowers a readyTimeoutMs longer than pluginTimeout, so the app sees the cause rather than FST_ERR_PLUGIN_TIMEOUT', async () => {
    emu = await startEmulator();
    app = await provision(emu, { secrets: { GREETING: 'x', PORT: '1' } });
    emu.faults.inject({ route: 'GET /api/v4/secrets', status: 503 });
    const warnings: string[] = [];
    const patient = Fastify({ logger: false, pluginTimeout: 2_000 });
    server = patient;
    patient.register(infisicalPlugin, {
      siteUrl: emu.infisicalUrl,
      kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
      secrets: { projectId: app.projectId, environment: 'prod' },
      readyTimeoutMs: 60_000,
      initialRetries: 1000,
      backoff: { initialMs: 50, maxMs: 100 },
      push: false,
      logger: { warn: (message) => void warnings.push(message), error: () => undefined },
    });
    const error = (await patient.ready().then(() => undefined, (e: unknown) => e)) as InfisicalK8sError;
    expect((error as { code: string }).code).not.toBe('FST_ERR_PLUGIN_TIMEOUT');
    expect(error).toBeInstanceOf(InfisicalK8sError);
    expect(error.code).toBe('SERVER_ERROR');
    expect(error.hint).toBeTruthy();
    expect(warnings.filter((line) => line.includes('pluginTimeout'))).toHaveLength(1);
  });

  it('rejects a bad readinessRoute up front', async () => {
    const fastify = Fastify({ logger: false });
    server = fastify;
    fastify.register(infisicalPlugin, { readinessRoute: 'ready', kubernetesAuth: { identityId: 'i' }, secrets: { projectId: 'p', environment: 'e' } });
    await expect(fastify.ready()).rejects.toMatchObject({ code: 'OPTIONS_INVALID' });
  });

  it('closes core on app.close()', async () => {
    const fastify = await build();
    await fastify.ready();
    await fastify.close();
    expect(fastify.infisical.status.closed).toBe(true);
    server = undefined;
  });
});
