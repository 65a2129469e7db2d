import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import type { Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import express4 from 'express4';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { infisical, type InfisicalMiddleware } from '@infisical-k8s/express';

const schema = z.object({ GREETING: z.string(), PORT: z.coerce.number() });

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

async function listen(handler: express.Express): Promise<string> {
  server = handler.listen(0, '127.0.0.1');
  await new Promise((r) => server!.once('listening', r));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

async function setupOn(extra: Parameters<typeof infisical<typeof schema>>[0] = {}, createApp: typeof express = express) {
  emu = await startEmulator();
  app = await provision(emu, { secrets: { GREETING: 'hello', PORT: '8080' } });
  const secrets = infisical({
    siteUrl: emu.infisicalUrl,
    kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
    secrets: { projectId: app.projectId, environment: 'prod' },
    schema,
    logger: { warn: () => undefined, error: () => undefined },
    ...extra,
  });
  mw = secrets as InfisicalMiddleware<unknown>;
  const web = createApp();
  web.use(secrets);
  web.get('/ready', secrets.readiness);
  web.get('/', (req, res) => {
    const s = secrets.secretsOf(req);
    res.json({ greeting: s.GREETING, port: s.PORT });
  });
  return { secrets, url: await listen(web) };
}

// Express 4 is still most of the installed base, and the peer range admits it: the whole suite runs on both.
describe.each([
  ['Express 5', express],
  ['Express 4', express4],
] as const)('Function: infisical on %s', (_major, createApp) => {
  const setup = (extra: Parameters<typeof setupOn>[0] = {}) => setupOn(extra, createApp);

  it('puts the typed snapshot on req.secrets', async () => {
    const { secrets, url } = await setup();
    await secrets.ready();
    const body = await (await fetch(url)).json();
    expect(body).toEqual({ greeting: 'hello', port: 8080 });
    expectTypeOf(secrets.secretsOf).returns.toEqualTypeOf<{ GREETING: string; PORT: number }>();
  });

  it('serves changes and keeps working across token-file rotation', async () => {
    const { secrets, url } = await setup({ push: false });
    await secrets.ready();
    emu!.setSecret({ projectId: app!.projectId, environment: 'prod', key: 'GREETING', value: 'changed' });
    await app!.projected.rotate();
    await secrets.config.refresh();
    expect(((await (await fetch(url)).json()) as { greeting: string }).greeting).toBe('changed');
  });

  it('answers 503 problem+json with Retry-After while secrets cannot load, leaking nothing', async () => {
    const { url } = await setup({ kubernetesAuth: { identityId: 'missing-identity', tokenPath: '/nonexistent/token' }, waitForSecretsMs: 100, push: false });
    const res = await fetch(url);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await res.json()).toMatchObject({ status: 503, code: 'TOKEN_FILE_MISSING' });
    expect((await fetch(`${url}/ready`)).status).toBe(503);
  });

  it('after the first snapshot, an outage never reaches requests', async () => {
    const { secrets, url } = await setup({ push: false });
    await secrets.ready();
    emu!.faults.inject({ route: 'GET /api/v4/secrets', status: 503 });
    await secrets.config.refresh().catch(() => undefined);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { greeting: string }).greeting).toBe('hello');
  });

  it('req.secrets reaches mounted sub-apps and routers, can be assigned, and stays out of util.inspect(req)', async () => {
    const { secrets } = await setup();
    await secrets.ready();
    const seen: Record<string, unknown> = {};
    const admin = createApp();
    admin.get('/', (req, res) => {
      seen.inspected = inspect(req, { depth: 0 });
      res.json({ greeting: (req.secrets as { GREETING: string }).GREETING, same: (req.infisical as unknown) === secrets.config });
    });
    const outer = createApp();
    outer.use(secrets);
    outer.use('/admin', admin);
    outer.get('/assign', (req, res) => {
      (req as unknown as { secrets: unknown }).secrets = { GREETING: 'assigned' };
      res.json(req.secrets);
    });
    const other = outer.listen(0, '127.0.0.1');
    await new Promise((r) => other.once('listening', r));
    try {
      const base = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
      expect(await (await fetch(`${base}/admin`)).json()).toEqual({ greeting: 'hello', same: true });
      expect(seen.inspected).not.toContain('hello');
      expect(await (await fetch(`${base}/assign`)).json()).toEqual({ GREETING: 'assigned' });
      // The next request reads its own snapshot again: the assignment stayed on the request that made it.
      expect(await (await fetch(`${base}/admin`)).json()).toEqual({ greeting: 'hello', same: true });
    } finally {
      other.close();
      other.closeAllConnections();
    }
  });

  it('outside Express (a bare Node handler), sets req.secrets on the request itself', async () => {
    const { secrets } = await setup();
    await secrets.ready();
    const req = {} as express.Request;
    const res = { locals: {} } as express.Response;
    await new Promise<void>((resolve) => secrets(req, res, () => resolve()));
    expect(req.secrets).toEqual({ GREETING: 'hello', PORT: 8080 });
    expect(req.infisical).toBe(secrets.config);
    expect(Reflect.ownKeys(res.locals)).toEqual([]);
  });

  it('keeps the snapshot out of res.locals and out of every view', async () => {
    const { secrets } = await setup();
    await secrets.ready();
    const views = await mkdtemp(join(tmpdir(), 'infisical-views-'));
    await writeFile(join(views, 'page.dump'), 'the engine ignores it');
    const web = createApp();
    // A view engine whose templates print their whole context, hidden and symbol-keyed properties and getters included.
    web.engine('dump', (_path: string, context: object, done: (error: unknown, html?: string) => void) =>
      done(null, inspect(context, { depth: 10, showHidden: true, getters: true })),
    );
    web.set('views', views);
    web.set('view engine', 'dump');
    web.use(secrets);
    const seen: { greeting?: string; localKeys?: Array<string | symbol>; locals?: string } = {};
    web.get('/page', (req, res) => {
      seen.greeting = (req.secrets as { GREETING: string }).GREETING;
      seen.localKeys = Reflect.ownKeys(res.locals);
      seen.locals = inspect(res.locals, { depth: 10, showHidden: true, getters: true });
      res.render('page', { title: 'a page' });
    });
    const other = web.listen(0, '127.0.0.1');
    await new Promise((r) => other.once('listening', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(other.address() as AddressInfo).port}/page`);
      const html = await res.text();
      expect(res.status).toBe(200);
      expect(html).toContain('a page');
      expect(seen.greeting).toBe('hello');
      expect(html).not.toContain('hello');
      expect(seen.localKeys).toEqual([]);
      expect(seen.locals).not.toContain('hello');
    } finally {
      other.close();
      other.closeAllConnections();
      await rm(views, { recursive: true, force: true });
    }
  });

  it('validates options synchronously', () => {
    expect(() => infisical({ waitForSecretsMs: -1, kubernetesAuth: { identityId: 'x' }, secrets: { projectId: 'p', environment: 'e' } })).toThrow(/waitForSecretsMs/);
    const env = { ...process.env };
    delete process.env.INFISICAL_KUBERNETES_IDENTITY_ID;
    delete process.env.INFISICAL_MACHINE_IDENTITY_ID;
    delete process.env.INFISICAL_IDENTITY_ID;
    try {
      expect(() => infisical()).toThrow(/INFISICAL_KUBERNETES_IDENTITY_ID/);
    } finally {
      process.env = env;
    }
  });

  it('works from environment variables alone', async () => {
    emu = await startEmulator();
    app = await provision(emu, { secrets: { GREETING: 'from env' } });
    const saved = { ...process.env };
    Object.assign(process.env, app.env);
    try {
      const secrets = infisical({ push: false });
      mw = secrets as InfisicalMiddleware<unknown>;
      expect(await secrets.ready()).toEqual({ GREETING: 'from env' });
    } finally {
      process.env = saved;
    }
  });
});

describe('Option: shareAnswers (through core)', () => {
  it('an app and its mounted sub-app, each with its own middleware on one source, log in and fetch once', async () => {
    emu = await startEmulator();
    app = await provision(emu, { secrets: { GREETING: 'hello', PORT: '8080' } });
    const options = {
      siteUrl: emu.infisicalUrl,
      kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
      secrets: { projectId: app.projectId, environment: 'prod' },
      schema,
      logger: { warn: () => undefined, error: () => undefined },
      push: false,
      shareAnswers: true,
    };
    const outer = infisical(options);
    const inner = infisical(options);
    mw = outer as InfisicalMiddleware<unknown>;
    try {
      const sub = express();
      sub.use(inner);
      sub.get('/', (req, res) => void res.json(inner.secretsOf(req)));
      const web = express();
      web.use(outer);
      web.use('/admin', sub);
      const url = await listen(web);
      expect(await (await fetch(`${url}/admin`)).json()).toEqual({ GREETING: 'hello', PORT: 8080 });
      expect(emu.counters.get('GET /api/v4/secrets')).toBe(1);
      expect(emu.counters.get('POST /api/v1/auth/kubernetes-auth/login')).toBe(1);
    } finally {
      await inner.close();
    }
  });
});
