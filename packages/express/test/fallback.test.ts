import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { infisical, type InfisicalMiddleware } from '@infisical-k8s/express';

const schema = z.object({ GREETING: z.string(), PORT: z.coerce.number() });
// S3CRET-VALUE-7d1c5e is one the suite's leak scan looks for in every test's output.
const GREETING = 'S3CRET-VALUE-7d1c5e-express';
const KEY = randomBytes(32).toString('base64');

let emu: Emulator | undefined;
let app: Provisioned | undefined;
let dir: string | undefined;
const servers: Server[] = [];
const middlewares: Array<InfisicalMiddleware<unknown>> = [];

afterEach(async () => {
  for (const mw of middlewares.splice(0)) await mw.close();
  for (const server of servers.splice(0)) await new Promise((r) => server.close(r));
  await emu?.close();
  if (app) await rm(app.projected.dir, { recursive: true, force: true });
  if (dir) await rm(dir, { recursive: true, force: true });
  emu = app = dir = undefined;
});

/** One pod: the middleware on /, its readiness probe on /ready, listening on loopback. */
async function pod(lines: string[]) {
  // Printed too, so the suite's leak scan reads every line the fallback path logs.
  const log = (message: string) => {
    lines.push(message);
    console.warn(message);
  };
  const secrets = infisical({
    siteUrl: emu!.infisicalUrl,
    kubernetesAuth: { identityId: app!.identityId, tokenPath: app!.projected.path },
    secrets: { projectId: app!.projectId, environment: 'prod' },
    schema,
    push: false,
    client: { retry: false },
    backoff: { initialMs: 50, maxMs: 200 },
    fallback: { path: join(dir!, 'secrets.enc'), key: KEY },
    logger: { warn: log, error: log },
  });
  middlewares.push(secrets as InfisicalMiddleware<unknown>);
  const web = express();
  web.use(secrets);
  web.get('/ready', secrets.readiness);
  web.get('/', (req, res) => void res.json({ greeting: secrets.secretsOf(req).GREETING }));
  const server = web.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((r) => server.once('listening', r));
  return { secrets, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('Function: infisical with the fallback option', () => {
  it('a pod restarted during an Infisical outage serves the last good snapshot, /ready answers 200 degraded, then ready', async () => {
    emu = await startEmulator();
    app = await provision(emu, { secrets: { GREETING, PORT: '8080' } });
    dir = await mkdtemp(join(tmpdir(), 'express-fallback-'));
    const lines: string[] = [];
    const first = await pod(lines);
    await first.secrets.ready();
    await first.secrets.close();

    emu.faults.inject({ route: 'GET /api/v4/secrets', status: 503 });
    const { secrets, url } = await pod(lines);
    expect(await (await fetch(url)).json()).toEqual({ greeting: GREETING });
    const probe = await fetch(`${url}/ready`);
    expect(probe.status).toBe(200);
    expect(await probe.json()).toEqual({ status: 'degraded', stale: false, code: 'SERVER_ERROR' });

    // The outage ends: the retry loads from Infisical and the probe says ready.
    const recovered = new Promise((resolve) => secrets.config.changes$.subscribe(resolve));
    emu.setSecret({ projectId: app.projectId, environment: 'prod', key: 'PORT', value: '9090' });
    emu.faults.clear();
    await recovered;
    const after = await fetch(`${url}/ready`);
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual({ status: 'ready', stale: false });
    expect(secrets.config.snapshot.PORT).toBe(9090);
    for (const line of lines) expect(line).not.toContain(GREETING);
    expect(lines.join('\n')).not.toContain(KEY);
  });
});
