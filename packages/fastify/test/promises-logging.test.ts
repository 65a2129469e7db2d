/**
 * Without a `logger` option, core's lines go to Fastify's own logger at their level, with their fields; a bad
 * readinessRoute is a typed error that names it. Public behaviour only: the plugin, the emulator over loopback.
 */
import { rm } from 'node:fs/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { infisicalPlugin, InfisicalK8sError } from '@infisical-k8s/fastify';

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

interface Line {
  level: number;
  msg: string;
  code?: string;
}

describe("Plugin: core's lines on Fastify's logger", () => {
  it('a warning at level warn and an error at level error with its code; no pluginTimeout warning when readyTimeoutMs fits', async () => {
    emu = await startEmulator();
    app = await provision(emu, { secrets: {} });
    const lines: Line[] = [];
    const fastify = Fastify({ logger: { level: 'debug', stream: { write: (line: string) => void lines.push(JSON.parse(line) as Line) } } });
    server = fastify;
    await fastify.register(infisicalPlugin, {
      siteUrl: emu.infisicalUrl,
      kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
      secrets: { projectId: app.projectId, environment: 'prod' },
      push: false,
      client: { retry: false },
    });
    await fastify.ready();
    // An empty first load is worth a warning (a typo in the environment or path looks like this).
    expect(lines.filter((l) => l.msg.includes('no secrets in'))).toMatchObject([{ level: 40 }]);
    emu.faults.inject({ route: 'GET /api/v4/secrets', status: 500, times: 1 });
    await expect(fastify.infisical.refresh()).rejects.toMatchObject({ code: 'SERVER_ERROR' });
    expect(lines.filter((l) => l.msg.startsWith('[SERVER_ERROR]'))).toMatchObject([{ level: 50, code: 'SERVER_ERROR' }]);
    expect(lines.filter((l) => l.msg.includes('pluginTimeout'))).toEqual([]);
  });

  it('a readinessRoute that is not a path string is OPTIONS_INVALID naming the option', async () => {
    for (const [readinessRoute, kind] of [[5, 'a whole number'], ['ready', 'a string']] as const) {
      const error = await Fastify({ logger: false })
        .register(infisicalPlugin, { readinessRoute: readinessRoute as string, kubernetesAuth: { identityId: 'i' }, secrets: { projectId: 'p', environment: 'e' } })
        .ready()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(InfisicalK8sError);
      // The kind of the bad value, never the value itself.
      expect(error).toMatchObject({ code: 'OPTIONS_INVALID' });
      expect((error as Error).message).toBe(`readinessRoute must be a path starting with "/", got ${kind}`);
    }
  });
});
