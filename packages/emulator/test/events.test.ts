import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@infisical-k8s/emulator';
import { ManualClock, accessToken, infisical, setUpApp, type App } from './helpers.js';

const SUBSCRIBE = '/api/v1/events/subscribe/project-events';
const clock = new ManualClock();
let emu: Emulator;
let app: App;
let token: string;

interface Frame {
  id?: string;
  event?: string;
  data?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

interface Stream {
  res: IncomingMessage;
  frames: Frame[];
  ended: Promise<void>;
  /** Resolves once `count` frames matching `filter` have arrived. */
  waitFor(count: number, filter?: (f: Frame) => boolean): Promise<Frame[]>;
  close(): void;
}

const open: ClientRequest[] = [];

function subscribe(target: Emulator, body: unknown, bearer: string): Promise<Stream> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${target.infisicalUrl}${SUBSCRIBE}`,
      { method: 'POST', agent: false, headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        const frames: Frame[] = [];
        let buffer = '';
        const waiters: Array<() => void> = [];
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let index: number;
          while ((index = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, index);
            buffer = buffer.slice(index + 2);
            const frame: Frame = {};
            for (const line of block.split('\n')) {
              const [field, ...rest] = line.split(': ');
              const value = rest.join(': ');
              if (field === 'data') frame.data = JSON.parse(value);
              else if (field === 'id' || field === 'event') frame[field] = value;
            }
            frames.push(frame);
          }
          for (const w of waiters.splice(0)) w();
        });
        const ended = new Promise<void>((done) => res.on('close', () => done()));
        resolve({
          res,
          frames,
          ended,
          async waitFor(count, filter = () => true) {
            while (frames.filter(filter).length < count) await new Promise<void>((r) => waiters.push(r));
            return frames.filter(filter);
          },
          close: () => req.destroy(),
        });
      },
    );
    open.push(req);
    req.on('error', reject);
    req.end(payload);
  });
}

const register = (environmentSlug = 'prod', secretPath = '/') =>
  ['secret:create', 'secret:update', 'secret:delete', 'secret:import-mutation'].map((event) => ({ event, conditions: { environmentSlug, secretPath } }));

beforeAll(async () => {
  emu = await startEmulator({ clock, sse: { pingIntervalMs: 40, connectionTimeoutMs: 60_000 } });
  app = await setUpApp(emu);
  token = await accessToken(emu, app.identityId);
});
afterEach(() => {
  for (const req of open.splice(0)) req.destroy();
});
afterAll(async () => {
  await emu.close();
});

describe('Route: POST /api/v1/events/subscribe/project-events', () => {
  it('streams event frames for matching changes, with the SSE headers', async () => {
    const stream = await subscribe(emu, { projectId: app.projectId, register: register('prod', '/api') }, token);
    expect(stream.res.statusCode).toBe(200);
    expect(stream.res.headers).toMatchObject({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
    expect(emu.events.connections()).toBe(1);
    emu.setSecret({ projectId: app.projectId, environment: 'dev', secretPath: '/api', key: 'OTHER_ENV', value: 'x' });
    emu.setSecret({ projectId: app.projectId, environment: 'prod', secretPath: '/', key: 'ABOVE', value: 'x' });
    emu.setSecret({ projectId: app.projectId, environment: 'prod', secretPath: '/api/v2', key: 'DB_URL', value: 'x' });
    emu.setSecret({ projectId: app.projectId, environment: 'prod', secretPath: '/api/v2', key: 'DB_URL', value: 'y' });
    emu.deleteSecret({ projectId: app.projectId, environment: 'prod', secretPath: '/api/v2', key: 'DB_URL' });
    const frames = await stream.waitFor(3, (f) => f.event !== 'ping');
    expect(frames.map((f) => f.event)).toEqual(['secret:create', 'secret:update', 'secret:delete']);
    expect(frames[0]!.id).toMatch(/^\d+$/);
    expect(frames[0]!.data).toEqual({ type: 'secret-manager', data: { eventType: 'secret:create', payload: [{ environment: 'prod', secretPath: '/api/v2', secretKeys: 'DB_URL' }] } });
    expect(JSON.stringify(frames)).not.toContain('"y"'); // no values, ever
  });

  it('sends import mutations with an object payload, and REST writes publish too', async () => {
    const stream = await subscribe(emu, { projectId: app.projectId, register: register() }, token);
    emu.addImport({ projectId: app.projectId, environment: 'prod', importEnvironment: 'dev', importPath: '/shared' });
    await infisical(emu, 'POST', '/api/v4/secrets/FROM_REST', { token: emu.admin.accessToken, body: { projectId: app.projectId, environment: 'prod', secretPath: '/', secretValue: 'v' } });
    const frames = await stream.waitFor(2, (f) => f.event !== 'ping');
    expect(frames[0]!.data.data).toEqual({ eventType: 'secret:import-mutation', payload: { environment: 'prod', secretPath: '/' } });
    expect(frames[1]!.data.data.payload).toEqual([{ environment: 'prod', secretPath: '/', secretKeys: 'FROM_REST' }]);
  });

  it('only sends the events registered for', async () => {
    const stream = await subscribe(emu, { projectId: app.projectId, register: [{ event: 'secret:delete', conditions: { environmentSlug: 'prod' } }] }, token);
    emu.setSecret({ projectId: app.projectId, environment: 'prod', key: 'ONLY_DELETE', value: 'x' });
    emu.deleteSecret({ projectId: app.projectId, environment: 'prod', key: 'ONLY_DELETE' });
    const frames = await stream.waitFor(1, (f) => f.event !== 'ping');
    expect(frames.map((f) => f.event)).toEqual(['secret:delete']);
  });

  it('pings every pingIntervalMs', async () => {
    const stream = await subscribe(emu, { projectId: app.projectId, register: register() }, token);
    const pings = await stream.waitFor(2, (f) => f.event === 'ping');
    expect(pings[0]).toEqual({ event: 'ping' });
  });

  it('closes the stream server-side after connectionTimeoutMs', async () => {
    const short = await startEmulator({ clock, sse: { connectionTimeoutMs: 50 } });
    try {
      const a = await setUpApp(short);
      const stream = await subscribe(short, { projectId: a.projectId, register: register() }, await accessToken(short, a.identityId));
      expect(short.events.connections()).toBe(1);
      await stream.ended;
      expect(short.events.connections()).toBe(0);
    } finally {
      await short.close();
    }
  });

  it('forgets a stream the client closes', async () => {
    const stream = await subscribe(emu, { projectId: app.projectId, register: register() }, token);
    const before = emu.events.connections();
    stream.close();
    for (let i = 0; i < 50 && emu.events.connections() >= before; i++) await sleep(5);
    expect(emu.events.connections()).toBe(before - 1);
  });

  it('counts as one use of the access token', async () => {
    const limited = await setUpApp(emu, { accessTokenNumUsesLimit: 1 });
    const once = await accessToken(emu, limited.identityId);
    const stream = await subscribe(emu, { projectId: limited.projectId, register: register() }, once);
    expect(stream.res.statusCode).toBe(200);
    const after = await infisical(emu, 'GET', `/api/v4/secrets?projectId=${limited.projectId}&environment=prod`, { token: once });
    expect(after.body).toMatchObject({ statusCode: 401, message: 'Failed to authorize: token usage limit reached' });
  });

  it('answers 403 without project access and 422 for a bad register list', async () => {
    const outsider = await setUpApp(emu);
    const other = await accessToken(emu, outsider.identityId);
    const denied = await infisical(emu, 'POST', SUBSCRIBE, { token: other, body: { projectId: app.projectId, register: register() } });
    expect(denied.body).toMatchObject({ statusCode: 403, error: 'PermissionDenied' });
    const empty = await infisical(emu, 'POST', SUBSCRIBE, { token, body: { projectId: app.projectId, register: [] } });
    expect(empty.status).toBe(422);
    const badEvent = await infisical(emu, 'POST', SUBSCRIBE, { token, body: { projectId: app.projectId, register: [{ event: 'secret:read' }] } });
    expect(badEvent.body.message[0].path).toEqual(['register', 0, 'event']);
  });

  it('answers 400 with the plan message when eventSubscriptions is off', async () => {
    const basic = await startEmulator({ clock, eventSubscriptions: false });
    try {
      const a = await setUpApp(basic);
      const res = await infisical(basic, 'POST', SUBSCRIBE, { token: await accessToken(basic, a.identityId), body: { projectId: a.projectId, register: register() } });
      expect(res.body).toMatchObject({ statusCode: 400, error: 'BadRequest', message: 'Event subscriptions are not available on your current plan. Please upgrade to access this feature.' });
    } finally {
      await basic.close();
    }
  });
});
