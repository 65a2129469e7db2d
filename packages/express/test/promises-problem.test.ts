/**
 * Before the first snapshot: a request waits up to `waitForSecretsMs`, is served if the snapshot comes in time, and
 * otherwise gets exactly the documented `application/problem+json` 503 (RFC 9457), on Express 4 and 5.
 */
import { rm } from 'node:fs/promises';
import express from 'express';
import express4 from 'express4';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { infisical, type InfisicalMiddleware, type InfisicalMiddlewareOptions } from '@infisical-k8s/express';
import { listenOn } from './support/listen.js';

const SEEDED = 'S3CRET-VALUE-7d1c5e-problem';
const LOGIN = 'POST /api/v1/auth/kubernetes-auth/login';

let emu: Emulator | undefined;
let app: Provisioned | undefined;
const closers: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const close of closers.splice(0).toReversed()) await close();
  await emu?.close();
  if (app) await rm(app.projected.dir, { recursive: true, force: true });
  emu = app = undefined;
});

/** The problem document every such 503 carries: only the code varies. */
function problem(code: string) {
  return { type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'Configuration secrets are not loaded yet.', code };
}

describe.each([
  ['Express 5', express],
  ['Express 4', express4],
] as const)('Response: before the first snapshot, on %s', (_major, createApp) => {
  /** Starts the emulator, lets `before` break it, then builds the middleware and serves it. */
  async function start(before: (emu: Emulator) => void, extra: Partial<InfisicalMiddlewareOptions> = {}) {
    emu = await startEmulator();
    app = await provision(emu, { secrets: { GREETING: SEEDED } });
    before(emu);
    const mw: InfisicalMiddleware<Record<string, string>> = infisical({
      siteUrl: emu.infisicalUrl,
      kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
      secrets: { projectId: app.projectId, environment: 'prod' },
      push: false,
      logger: { warn: () => undefined, error: () => undefined },
      ...extra,
    });
    closers.push(() => mw.close());
    const web = createApp();
    web.use(mw);
    web.get('/', (req, res) => void res.json({ greeting: (req.secrets as Record<string, string>).GREETING }));
    const { url, close } = await listenOn(web);
    closers.push(close);
    return { mw, url };
  }

  it('while Infisical has not answered: 503, Retry-After 5 by default, and exactly the problem document with code NOT_READY', async () => {
    const { url } = await start((e) => void e.faults.inject({ route: LOGIN, hang: true }), { waitForSecretsMs: 50 });
    const res = await fetch(url);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json\b/);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual(problem('NOT_READY'));
    expect(text).not.toContain(SEEDED);
  });

  it('after a failed attempt: the failure\'s code, and the Retry-After asked for', async () => {
    const { mw, url } = await start((e) => void e.faults.inject({ route: LOGIN, status: 403 }), { waitForSecretsMs: 50, retryAfterSeconds: 30 });
    // The request comes after the failure, so the failure's code is the one to tell (however loaded the machine).
    await vi.waitFor(() => expect(mw.config.status.lastError).toBeDefined(), { timeout: 15_000 });
    const res = await fetch(url);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('30');
    const code = mw.config.status.lastError?.code;
    expect(code).toMatch(/^[A-Z_]+$/);
    expect(code).not.toBe('NOT_READY');
    expect(await res.json()).toEqual(problem(code!));
  });

  it('a request that arrives while the first load is under way is served once it lands', async () => {
    // The first fetch fails and Infisical asks for 2 s: the request, sent once that fetch was answered, waits for the
    // retry (default waitForSecretsMs, 5 s) instead of failing.
    const { mw, url } = await start((e) => void e.faults.inject({ route: 'GET /api/v4/secrets', status: 503, retryAfter: 2, times: 1 }));
    await vi.waitFor(() => expect(emu!.counters.get('GET /api/v4/secrets')).toBe(1), { timeout: 15_000 });
    const res = await fetch(url);
    expect(mw.config.status.ready).toBe(true);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ greeting: SEEDED });
    expect(emu!.counters.get('GET /api/v4/secrets')).toBe(2);
  });
});

describe('Response: after close()', () => {
  it('a request is refused with the problem document and code CLOSED, as ready() is, instead of a snapshot that no longer refreshes', async () => {
    emu = await startEmulator();
    app = await provision(emu, { secrets: { GREETING: SEEDED } });
    const mw = infisical({
      siteUrl: emu.infisicalUrl,
      kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
      secrets: { projectId: app.projectId, environment: 'prod' },
      push: false,
      logger: { warn: () => undefined, error: () => undefined },
    });
    const web = express();
    web.use(mw);
    web.get('/', (req, res) => void res.json({ greeting: (req.secrets as Record<string, string>).GREETING }));
    const { url, close } = await listenOn(web);
    closers.push(close);
    await mw.ready();
    expect(await (await fetch(url)).json()).toEqual({ greeting: SEEDED });
    await mw.close();
    await expect(mw.ready()).rejects.toMatchObject({ code: 'CLOSED' });
    const res = await fetch(url);
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual(problem('CLOSED'));
    expect(text).not.toContain(SEEDED);
  });
});

describe('Process: a first load that fails', () => {
  it('raises no unhandled rejection when nobody awaits ready()', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const mw = infisical({
        siteUrl: 'http://127.0.0.1:9',
        kubernetesAuth: { identityId: 'id', tokenPath: '/nonexistent/token' },
        secrets: { projectId: 'p', environment: 'prod' },
        push: false,
        initialRetries: 1,
        logger: { warn: () => undefined, error: () => undefined },
      });
      closers.push(() => mw.close());
      // Our own wait ends with the one the middleware started at construction (same attempt, same error).
      await expect(mw.ready()).rejects.toMatchObject({ code: 'TOKEN_FILE_MISSING' });
      // Node reports unhandled rejections after the microtask queue drains: give it a turn of the event loop.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
    }
  });
});
