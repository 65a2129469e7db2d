import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { rm } from 'node:fs/promises';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { infisical, type InfisicalMiddleware } from '@infisical-k8s/express';

const JWT = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/;

let emu: Emulator | undefined;
let app: Provisioned | undefined;
let server: Server | undefined;
let mw: InfisicalMiddleware<unknown> | undefined;

afterEach(async () => {
  await mw?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  await emu?.close();
  if (app) await rm(app.projected.dir, { recursive: true, force: true });
  emu = app = server = mw = undefined;
});

/**
 * An app served by Express whose middleware takes everything (auth method included) from `env`. Core logs to the
 * console, so the suite's leak scan reads every line it writes.
 */
async function serve(env: Record<string, string>): Promise<{ secrets: InfisicalMiddleware<unknown>; url: string }> {
  const secrets = infisical({ env, push: false, waitForSecretsMs: 2_000, initialRetries: 1 });
  mw = secrets as InfisicalMiddleware<unknown>;
  const web = express();
  web.use(secrets);
  web.get('/ready', secrets.readiness);
  web.get('/', (req, res) => void res.json({ greeting: (secrets.secretsOf(req) as { GREETING: string }).GREETING }));
  server = web.listen(0, '127.0.0.1');
  await new Promise((r) => server!.once('listening', r));
  return { secrets, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('Function: infisical (auth methods through core)', () => {
  it('serves secrets with Universal Auth from the environment, with no Kubernetes login', async () => {
    emu = await startEmulator();
    app = await provision(emu, { secrets: { GREETING: 'via universal auth' }, universalAuth: true });
    app.projected.stop();
    // The Kubernetes variables stay set: the Universal Auth pair comes first.
    const { url } = await serve(app.env);
    expect(await (await fetch(url)).json()).toEqual({ greeting: 'via universal auth' });
    expect((await fetch(`${url}/ready`)).status).toBe(200);
    expect(emu.counters.get('POST /api/v1/auth/universal-auth/login')).toBe(1);
    expect(emu.counters.get('POST /api/v1/auth/kubernetes-auth/login') ?? 0).toBe(0);
  });

  it('a wrong client secret answers 503 UNAUTHORIZED; the secret (a value the leak scan looks for) is never printed', async () => {
    emu = await startEmulator();
    app = await provision(emu, { secrets: { GREETING: 'hello' }, universalAuth: true });
    app.projected.stop();
    const { secrets, url } = await serve({ ...app.env, INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET: 'S3CRET-VALUE-7d1c5e' });
    const res = await fetch(url);
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ code: 'UNAUTHORIZED' });
    const error = await secrets.ready().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UNAUTHORIZED', hint: expect.stringContaining('INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET') });
    // Printed on purpose: the leak scan fails the run if the secret is in it.
    console.warn('refused login:', error);
    expect(`${text} ${JSON.stringify(error)}`).not.toContain('S3CRET-VALUE-7d1c5e');
  });

  it('answers 503 UNAUTHORIZED when the given token (INFISICAL_TOKEN) is refused, its error naming the fix, never the token', async () => {
    emu = await startEmulator();
    app = await provision(emu, { secrets: { GREETING: 'hello' }, universalAuth: true });
    app.projected.stop();
    // A token obtained elsewhere (CI, a developer), then revoked.
    const post = (path: string, body: unknown) => fetch(`${emu!.infisicalUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const { accessToken } = (await (await post('/api/v1/auth/universal-auth/login', app.universalAuth)).json()) as { accessToken: string };
    expect((await post('/api/v1/auth/token/revoke', { accessToken })).status).toBe(200);
    const { INFISICAL_UNIVERSAL_AUTH_CLIENT_ID: _id, INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET: _secret, ...env } = app.env;
    const { secrets, url } = await serve({ ...env, INFISICAL_TOKEN: accessToken });
    const res = await fetch(url);
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ status: 503, code: 'UNAUTHORIZED' });
    expect(text).not.toMatch(JWT);
    // The public answer holds the code only; the error (logs, errors$, ready()) names the fix.
    const error = await secrets.ready().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UNAUTHORIZED', hint: expect.stringContaining('INFISICAL_TOKEN') });
    expect(JSON.stringify(error)).not.toMatch(JWT);
    console.warn('refused token:', error);
    expect(emu.counters.get('POST /api/v1/auth/kubernetes-auth/login') ?? 0).toBe(0);
  });
});
