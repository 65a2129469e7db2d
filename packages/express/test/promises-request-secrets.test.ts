/**
 * What an Express app may rely on about `req.secrets` and `req.infisical`, on Express 4 and 5: the snapshot as it was
 * when the request arrived, on every request (sub-apps included), out of every printout and enumeration of the request,
 * assignable like any property, and set on the request itself where Express did not shape it.
 */
import { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { rm } from 'node:fs/promises';
import { inspect } from 'node:util';
import express from 'express';
import express4 from 'express4';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { infisical, type InfisicalMiddleware } from '@infisical-k8s/express';
import { listenOn } from './support/listen.js';

// A value the suite's leak scan looks for in every test's output.
const SEEDED = 'S3CRET-VALUE-7d1c5e-request';
const schema = z.object({ GREETING: z.string(), PORT: z.coerce.number() });
type Secrets = z.infer<typeof schema>;

let emu: Emulator | undefined;
let app: Provisioned | undefined;
const closers: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const close of closers.splice(0).toReversed()) await close();
  await emu?.close();
  if (app) await rm(app.projected.dir, { recursive: true, force: true });
  emu = app = undefined;
});

async function secretsMiddleware(): Promise<InfisicalMiddleware<Secrets>> {
  emu = await startEmulator();
  app = await provision(emu, { secrets: { GREETING: SEEDED, PORT: '8080' } });
  const mw = infisical({
    siteUrl: emu.infisicalUrl,
    kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
    secrets: { projectId: app.projectId, environment: 'prod' },
    schema,
    push: false,
    logger: { warn: () => undefined, error: () => undefined },
  });
  closers.push(() => mw.close());
  await mw.ready();
  return mw;
}

async function serve(web: express.Express): Promise<string> {
  const { url, close } = await listenOn(web);
  closers.push(close);
  return url;
}

async function json(url: string): Promise<unknown> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return res.json();
}

function setSecret(key: string, value: string): void {
  emu!.setSecret({ projectId: app!.projectId, environment: 'prod', key, value });
}

describe.each([
  ['Express 5', express],
  ['Express 4', express4],
] as const)('Property: req.secrets on %s', (_major, createApp) => {
  it('holds the snapshot and the config, on every request, and is never an own or enumerable property of the request', async () => {
    const mw = await secretsMiddleware();
    const web = createApp();
    web.use(mw);
    web.get('/', (req, res) => {
      const enumerated: string[] = [];
      // for...in walks inherited enumerable properties too: what a logger or a deep copy of the request would see.
      for (const key in req) enumerated.push(key);
      res.json({
        greeting: (req.secrets as unknown as Secrets).GREETING,
        config: (req.infisical as unknown) === mw.config,
        own: ['secrets', 'infisical'].filter((name) => Object.hasOwn(req, name)),
        enumerated: enumerated.filter((name) => name === 'secrets' || name === 'infisical'),
        printed: inspect(req).includes(SEEDED),
      });
    });
    const url = await serve(web);
    // The second and third requests take the path where the accessors already exist.
    for (let i = 0; i < 3; i += 1) {
      expect(await json(url)).toEqual({ greeting: SEEDED, config: true, own: [], enumerated: [], printed: false });
    }
  });

  it('is the snapshot as it was when the request arrived, also through secretsOf(req), while later requests see the change', async () => {
    const mw = await secretsMiddleware();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const hasArrived = new Promise<void>((resolve) => (arrived = resolve));
    const web = createApp();
    web.use(mw);
    web.get('/slow', (req, res) => {
      arrived();
      void released.then(() => res.json({ secrets: (req.secrets as unknown as Secrets).GREETING, secretsOf: mw.secretsOf(req).GREETING }));
    });
    web.get('/', (req, res) => void res.json({ secrets: (req.secrets as unknown as Secrets).GREETING, secretsOf: mw.secretsOf(req).GREETING }));
    const url = await serve(web);
    const slow = json(`${url}/slow`);
    await hasArrived;
    setSecret('GREETING', 'changed');
    await mw.config.refresh();
    expect(mw.config.snapshot.GREETING).toBe('changed');
    release();
    expect(await slow).toEqual({ secrets: SEEDED, secretsOf: SEEDED });
    expect(await json(url)).toEqual({ secrets: 'changed', secretsOf: 'changed' });
  });

  it('secretsOf(req) on a route before the middleware reads the latest snapshot', async () => {
    const mw = await secretsMiddleware();
    const web = createApp();
    web.get('/early', (req, res) => void res.json(mw.secretsOf(req)));
    web.use(mw);
    const url = await serve(web);
    expect(await json(`${url}/early`)).toEqual({ GREETING: SEEDED, PORT: 8080 });
    setSecret('PORT', '9090');
    await mw.config.refresh();
    expect(await json(`${url}/early`)).toEqual({ GREETING: SEEDED, PORT: 9090 });
  });

  it('reaches a sub-app mounted under an app whose request prototype the app extended, and a sub-app with its own middleware', async () => {
    const mw = await secretsMiddleware();
    const outer = createApp();
    // Express's documented way to add to every request of one app.
    Object.defineProperty(outer.request, 'tenant', { get: () => 'acme', configurable: true });
    const admin = createApp();
    admin.get('/', (req, res) => void res.json({ greeting: (req.secrets as unknown as Secrets).GREETING, tenant: (req as unknown as { tenant: string }).tenant, own: Object.hasOwn(req, 'secrets') }));
    // A sub-app that installs the middleware itself: its request prototype sits under the outer app's.
    const reports = createApp();
    reports.use(mw);
    reports.get('/', (req, res) => void res.json({ greeting: (req.secrets as unknown as Secrets).GREETING, config: (req.infisical as unknown) === mw.config, own: Object.hasOwn(req, 'secrets') }));
    outer.use('/reports', reports);
    outer.use(mw);
    outer.use('/admin', admin);
    const url = await serve(outer);
    expect(await json(`${url}/admin`)).toEqual({ greeting: SEEDED, tenant: 'acme', own: false });
    expect(await json(`${url}/reports`)).toEqual({ greeting: SEEDED, config: true, own: false });
  });

  it('can be assigned, reassigned and deleted like any property: the assignment stays on that request, deleting it restores the snapshot', async () => {
    const mw = await secretsMiddleware();
    const web = createApp();
    web.use(mw);
    web.get('/assign', (req, res) => {
      const loose = req as unknown as { secrets: unknown; infisical: unknown };
      loose.secrets = { GREETING: 'first' };
      loose.secrets = { GREETING: 'second' };
      loose.infisical = 'replaced';
      const assigned = { secrets: loose.secrets, infisical: loose.infisical, keys: Object.keys(req).filter((key) => key === 'secrets' || key === 'infisical') };
      delete (loose as { secrets?: unknown }).secrets;
      delete (loose as { infisical?: unknown }).infisical;
      res.json({ assigned, restored: (req.secrets as unknown as Secrets).GREETING, config: (req.infisical as unknown) === mw.config });
    });
    web.get('/', (req, res) => void res.json({ greeting: (req.secrets as unknown as Secrets).GREETING, own: Object.hasOwn(req, 'secrets') }));
    const url = await serve(web);
    expect(await json(`${url}/assign`)).toEqual({
      assigned: { secrets: { GREETING: 'second' }, infisical: 'replaced', keys: ['secrets', 'infisical'] },
      restored: SEEDED,
      config: true,
    });
    expect(await json(url)).toEqual({ greeting: SEEDED, own: false });
  });
});

describe('Property: req.secrets outside Express', () => {
  it('on a plain node:http server, sets both on the request itself, out of util.inspect(req), and adds nothing to Node prototypes', async () => {
    const mw = await secretsMiddleware();
    const { url, close } = await listenOn((req, res) => {
      mw(req as express.Request, res as express.Response, () => {
        const r = req as express.Request;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ greeting: (r.secrets as unknown as Secrets).GREETING, config: (r.infisical as unknown) === mw.config, own: Object.hasOwn(r, 'secrets') && Object.hasOwn(r, 'infisical'), printed: inspect(r).includes(SEEDED) }));
      });
    });
    closers.push(close);
    expect(await json(url)).toEqual({ greeting: SEEDED, config: true, own: true, printed: false });
    for (const proto of [IncomingMessage.prototype, Readable.prototype, Object.getPrototypeOf(Readable.prototype) as object]) {
      expect(Object.hasOwn(proto, 'secrets') || Object.hasOwn(proto, 'infisical')).toBe(false);
    }
    expect('secrets' in Readable.from([])).toBe(false);
  });

  it('on a request a test double built (its app.request has no prototype), sets both on the request itself', async () => {
    const mw = await secretsMiddleware();
    const appRequest = Object.create(null) as object;
    const req = Object.create(appRequest) as express.Request & { app: { request: object } };
    req.app = { request: appRequest } as never;
    await new Promise<void>((resolve) => mw(req, {} as express.Response, () => resolve()));
    expect([req.secrets, req.infisical]).toEqual([{ GREETING: SEEDED, PORT: 8080 }, mw.config]);
  });
});
