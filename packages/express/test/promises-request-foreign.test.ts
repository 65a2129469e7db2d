/**
 * Another library may already own `req.infisical` (or `req.secrets`) on Express's shared request prototype. The
 * middleware must leave it that property and still give every request it handles the snapshot and the config.
 * Its own file: the prototype is shared by the whole process, and must be touched before the middleware meets it.
 */
import { rm } from 'node:fs/promises';
import { inspect } from 'node:util';
import express4 from 'express4';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { infisical } from '@infisical-k8s/express';
import { listenOn } from './support/listen.js';

const SEEDED = 'S3CRET-VALUE-7d1c5e-foreign';
const schema = z.object({ GREETING: z.string() });

let emu: Emulator | undefined;
let app: Provisioned | undefined;
const closers: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const close of closers.splice(0).toReversed()) await close();
  await emu?.close();
  if (app) await rm(app.projected.dir, { recursive: true, force: true });
  emu = app = undefined;
});

async function get(url: string): Promise<unknown> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return res.json();
}

describe('Property: req.secrets where another library owns one of the names', () => {
  it.each([
    ['a plain value', { value: 'another library', writable: true, configurable: true }],
    ['a getter with no setter', { get: () => 'another library', configurable: true }],
  ] as const)('leaves the other library its %s, and still gives each request the snapshot and the config', async (_kind, descriptor) => {
    emu = await startEmulator();
    app = await provision(emu, { secrets: { GREETING: SEEDED } });
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
    // Express's shared request prototype (the parent of every app's `request`); only Express 4's is touched.
    const base = express4.request as object;
    Object.defineProperty(base, 'infisical', descriptor);
    closers.push(async () => void Reflect.deleteProperty(base, 'infisical'));

    const web = express4();
    web.get('/before', (req, res) => void res.json({ infisical: req.infisical as unknown }));
    web.use(mw);
    web.get('/assign', (req, res) => {
      // Own properties here: still assignable, reassignable and deletable like any property of the request.
      const loose = req as unknown as { secrets?: unknown; infisical?: unknown };
      loose.secrets = 'first';
      loose.secrets = 'second';
      loose.infisical = 'mine';
      loose.infisical = 'mine again';
      const assigned = [loose.secrets, loose.infisical];
      delete loose.secrets;
      delete loose.infisical;
      // Deleted, the request reads its prototype's again: nothing for secrets, the other library's infisical.
      res.json({ assigned, after: [loose.secrets ?? null, loose.infisical] });
    });
    web.get('/', (req, res) => void res.json({ greeting: req.secrets.GREETING, config: req.infisical === mw.config, printed: inspect(req).includes(SEEDED) || Object.keys(req).some((key) => key === 'secrets' || key === 'infisical') }));
    const { url, close } = await listenOn(web);
    closers.push(close);

    // Set on the request itself, out of util.inspect(req) like the accessors.
    expect(await get(url)).toEqual({ greeting: SEEDED, config: true, printed: false });
    expect(await get(url)).toEqual({ greeting: SEEDED, config: true, printed: false });
    // Nothing of ours on the shared prototype: a request the middleware never handled sees the other library's value.
    expect(Object.getOwnPropertyDescriptor(base, 'infisical')).toEqual({ ...descriptor, enumerable: false });
    expect(Object.hasOwn(base, 'secrets')).toBe(false);
    expect(await get(`${url}/assign`)).toEqual({ assigned: ['second', 'mine again'], after: [null, 'another library'] });
    expect(await get(`${url}/before`)).toEqual({ infisical: 'another library' });
  });
});
