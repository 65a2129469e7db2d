import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { rm } from 'node:fs/promises';
import { inspect } from 'node:util';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { infisical, type InfisicalMiddleware } from '@infisical-k8s/express';

// A seeded value (test/support/leak-scan.ts): printed anywhere, it fails the run.
const SECRET = 'S3CRET-VALUE-7d1c5e';

/** Stands for a library configured through the environment: it reads process.env on every call, knows nothing else. */
const legacyMailer = () => ({ apiKey: process.env.ENVBRIDGE_MAILER_API_KEY, from: process.env.ENVBRIDGE_MAILER_FROM });

let emu: Emulator | undefined;
let app: Provisioned | undefined;
let server: Server | undefined;
let mw: InfisicalMiddleware<unknown> | undefined;
const lines: string[] = [];

afterEach(async () => {
  await mw?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  await emu?.close();
  if (app) await rm(app.projected.dir, { recursive: true, force: true });
  emu = app = server = mw = undefined;
  delete process.env.ENVBRIDGE_MAILER_API_KEY;
  delete process.env.ENVBRIDGE_MAILER_FROM;
  lines.length = 0;
});

async function start() {
  emu = await startEmulator();
  app = await provision(emu, { secrets: { MAILER_API_KEY: SECRET, MAILER_FROM: 'ops@example.com', PORT: '8080' } });
  const secrets = infisical({
    siteUrl: emu.infisicalUrl,
    kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
    secrets: { projectId: app.projectId, environment: 'prod' },
    schema: z.object({ MAILER_API_KEY: z.string(), MAILER_FROM: z.string().optional(), PORT: z.coerce.number() }),
    processEnv: { keys: ['MAILER_API_KEY', 'MAILER_FROM'], prefix: 'ENVBRIDGE_' },
    logger: { warn: (m) => lines.push(m), error: (m) => lines.push(m) },
  });
  mw = secrets as InfisicalMiddleware<unknown>;
  const web = express();
  web.use(secrets);
  // The route never touches req.secrets: what it answers comes from process.env alone.
  web.get('/mailer', (_req, res) => {
    const { apiKey, from } = legacyMailer();
    res.json({ keyMatches: apiKey === SECRET, keySuffix: apiKey?.slice(-2), from: from ?? null });
  });
  server = web.listen(0, '127.0.0.1');
  await new Promise((r) => server!.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mailer`;
  const get = async () => (await fetch(url)).json() as Promise<{ keyMatches: boolean; keySuffix: string | undefined; from: string | null }>;
  return { secrets, get };
}

describe('Option: processEnv through the Express middleware', () => {
  it('a library reading process.env sees the first snapshot, a pushed change and a removal', async () => {
    const { secrets, get } = await start();
    await secrets.ready();
    expect(await get()).toEqual({ keyMatches: true, keySuffix: '5e', from: 'ops@example.com' });

    // Live: the change arrives by push (no refresh() call), and the library sees it on its next read.
    const changed = new Promise<{ reason: string }>((resolve) => {
      const subscription = secrets.config.changes$.subscribe((change) => {
        subscription.unsubscribe();
        resolve(change);
      });
    });
    emu!.setSecret({ projectId: app!.projectId, environment: 'prod', key: 'MAILER_API_KEY', value: `${SECRET}-rotated-k9` });
    expect((await changed).reason).toBe('push');
    expect(await get()).toEqual({ keyMatches: false, keySuffix: 'k9', from: 'ops@example.com' });

    emu!.deleteSecret({ projectId: app!.projectId, environment: 'prod', key: 'MAILER_FROM' });
    await secrets.config.refresh();
    expect(await get()).toEqual({ keyMatches: false, keySuffix: 'k9', from: null });
    expect('ENVBRIDGE_MAILER_FROM' in process.env).toBe(false);
    // PORT is not among the chosen keys, and the lines name no value.
    expect(process.env.ENVBRIDGE_PORT).toBeUndefined();
    expect([...lines, inspect(secrets.config, { depth: 10 }), JSON.stringify(secrets.config)].join('\n')).not.toContain(SECRET);
  }, 30_000);
});
