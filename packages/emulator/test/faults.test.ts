import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@infisical-k8s/emulator';
import { ManualClock, accessToken, infisical, kube, request, setUpApp, type App } from './helpers.js';

const LIST = 'GET /api/v4/secrets';
const clock = new ManualClock();
let emu: Emulator;
let app: App;
let token: string;

beforeAll(async () => {
  emu = await startEmulator({ clock });
  app = await setUpApp(emu, { accessTokenTTL: 86_400, accessTokenMaxTTL: 86_400 });
  token = await accessToken(emu, app.identityId);
  emu.setSecrets(app.projectId, 'prod', { A: 'a' });
});
afterEach(() => {
  emu.faults.clear();
});
afterAll(async () => {
  await emu.close();
});

const list = () => infisical(emu, 'GET', `/api/v4/secrets?projectId=${app.projectId}&environment=prod`, { token });

describe('Method: faults.inject', () => {
  it('answers a status with an Infisical error envelope and Retry-After', async () => {
    emu.faults.inject({ route: LIST, status: 503, retryAfter: 3 });
    const res = await list();
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('3');
    expect(res.body).toMatchObject({ statusCode: 503, error: 'InternalServerError', message: 'Something went wrong', reqId: expect.stringMatching(/^req-/) });
  });

  it('sends a custom JSON body', async () => {
    emu.faults.inject({ route: LIST, status: 418, body: { custom: true } });
    const res = await list();
    expect(res.status).toBe(418);
    expect(res.body).toEqual({ custom: true });
  });

  it('applies `times` requests, then the route works again', async () => {
    emu.faults.inject({ route: LIST, status: 500, times: 2 });
    expect((await list()).status).toBe(500);
    expect((await list()).status).toBe(500);
    expect((await list()).status).toBe(200);
  });

  it('matches a RegExp against the route key, and clear(id) removes one fault', async () => {
    const id = emu.faults.inject({ route: /^GET \/api\/v4\//, status: 502 });
    emu.faults.inject({ route: 'GET /api/status', status: 500 });
    expect((await list()).status).toBe(502);
    emu.faults.clear(id);
    expect((await list()).status).toBe(200);
    expect((await infisical(emu, 'GET', '/api/status')).status).toBe(500);
  });

  it('delays before answering normally', async () => {
    emu.faults.inject({ route: LIST, delayMs: 120, times: 1 });
    const started = performance.now();
    const res = await list();
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('destroys the socket (ECONNRESET)', async () => {
    emu.faults.inject({ route: LIST, reset: true });
    await expect(list()).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('answers 200 with a truncated JSON body', async () => {
    emu.faults.inject({ route: LIST, malformed: true });
    const res = await list();
    expect(res.status).toBe(200);
    expect(() => JSON.parse(res.text)).toThrow(SyntaxError);
  });

  it('answers an HTML error page (default 502)', async () => {
    emu.faults.inject({ route: LIST, html: true, times: 1 });
    const res = await list();
    expect(res.status).toBe(502);
    expect(res.headers['content-type']).toBe('text/html');
    expect(res.text).toMatch(/^<html>/);
    emu.faults.inject({ route: LIST, html: true, status: 504, times: 1 });
    expect((await list()).status).toBe(504);
  });

  it('answers 200 with valid JSON of exactly `oversized` bytes', async () => {
    emu.faults.inject({ route: LIST, oversized: 100_000 });
    const res = await list();
    expect(res.headers['content-length']).toBe('100000');
    expect(Buffer.byteLength(res.text)).toBe(100_000);
    expect(JSON.parse(res.text).secrets).toEqual([]);
  });

  it('hangs until the client gives up, and close() ends hanging requests', async () => {
    const hanging = await startEmulator({ clock });
    try {
      hanging.faults.inject({ route: 'GET /api/status', hang: true });
      const pending = infisical(hanging, 'GET', '/api/status').catch((error: unknown) => error);
      const settled = await Promise.race([pending.then(() => 'settled'), new Promise((r) => setTimeout(() => r('pending'), 100))]);
      expect(settled).toBe('pending');
      await hanging.close();
      expect(await pending).toMatchObject({ code: expect.stringMatching(/ECONNRESET|socket hang up/i) });
    } finally {
      await hanging.close();
    }
  });

  it('lets go of a hung request once its client gives up: twenty abandoned hangs leave no listener behind', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => void warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      emu.faults.inject({ route: 'GET /api/status', hang: true });
      for (let i = 0; i < 20; i++) {
        const outcome = await fetch(`${emu.infisicalUrl}/api/status`, { signal: AbortSignal.timeout(20) }).catch((error: Error) => error.name);
        expect(outcome).toBe('TimeoutError');
      }
      await new Promise((r) => setImmediate(r));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('applies on the Kubernetes side too, with a Kubernetes Status body', async () => {
    emu.faults.inject({ route: 'GET /version', status: 500, times: 1 });
    const res = await kube(emu, 'GET', '/version');
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ kind: 'Status', code: 500 });
  });
});

describe('Method: counters', () => {
  it('counts matched requests per route key, errors and faults included, unmatched routes not', async () => {
    emu.counters.reset();
    expect(emu.counters.all()).toEqual({});
    await list();
    await infisical(emu, 'GET', `/api/v4/secrets?projectId=${app.projectId}`, { token }); // 400
    await infisical(emu, 'GET', '/api/v4/secrets'); // 401
    emu.faults.inject({ route: LIST, status: 500, times: 1 });
    await list();
    await infisical(emu, 'GET', '/api/nothing-here');
    await infisical(emu, 'POST', `/api/v1/auth/kubernetes-auth/identities/${app.identityId}/`, { token: emu.admin.accessToken, body: {} });
    await kube(emu, 'GET', '/version');
    expect(emu.counters.get(LIST)).toBe(4);
    expect(emu.counters.all()).toEqual({
      [LIST]: 4,
      'POST /api/v1/auth/kubernetes-auth/identities/:identityId': 1,
      'GET /version': 1,
    });
    emu.counters.reset();
    expect(emu.counters.get(LIST)).toBe(0);
  });
});

describe('Option: rateLimit', () => {
  it('answers 429 RateLimitExceeded with Retry-After and x-ratelimit-* per IP and bucket, until the minute passes', async () => {
    const limited = await startEmulator({ clock, rateLimit: { secretsLimit: 2, writeLimit: 100 } });
    try {
      const a = await setUpApp(limited);
      const bearer = await accessToken(limited, a.identityId);
      const get = (ip: string) => infisical(limited, 'GET', `/api/v4/secrets?projectId=${a.projectId}&environment=prod`, { token: bearer, headers: { 'x-forwarded-for': ip } });
      const first = await get('10.0.0.1');
      expect(first.status).toBe(200);
      expect(first.headers).toMatchObject({ 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '1', 'x-ratelimit-reset': '60' });
      expect((await get('10.0.0.1')).status).toBe(200);
      clock.advance(20);
      const refused = await get('10.0.0.1');
      expect(refused.status).toBe(429);
      expect(refused.headers).toMatchObject({ 'retry-after': '40', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '40' });
      expect(refused.body).toMatchObject({ statusCode: 429, error: 'RateLimitExceeded', message: 'Rate limit exceeded. Please try again in 40 seconds' });
      expect((await get('10.0.0.2')).status).toBe(200); // another IP, another bucket
      expect((await infisical(limited, 'GET', '/api/status')).headers).not.toHaveProperty('x-ratelimit-limit'); // exempt
      clock.advance(40);
      expect((await get('10.0.0.1')).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('is off by default', async () => {
    for (let i = 0; i < 70; i++) await request('GET', `${emu.infisicalUrl}/api/v4/secrets`);
    const res = await list();
    expect(res.status).toBe(200);
    expect(res.headers).not.toHaveProperty('x-ratelimit-limit');
  });
});
