import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmulatorError, RATE_LIMIT_PRESETS, startEmulator, type Emulator, type StartEmulatorOptions } from '@infisical-k8s/emulator';
import { ManualClock, accessToken, setUpApp, type App } from './helpers.js';

const LOGIN = '/api/v1/auth/kubernetes-auth/login';
const SUBSCRIBE = '/api/v1/events/subscribe/project-events';

interface Limited {
  emu: Emulator;
  app: App;
  token: string;
  clock: ManualClock;
}

async function limited(options: StartEmulatorOptions): Promise<Limited> {
  const clock = new ManualClock();
  const emu = await startEmulator({ clock, ...options });
  // Set-up traffic comes from the socket address (127.0.0.1); every request under test names its own IP.
  const app = await setUpApp(emu, { accessTokenTTL: 86_400, accessTokenMaxTTL: 86_400 });
  const token = await accessToken(emu, app.identityId);
  return { emu, app, token, clock };
}

interface Call {
  status: number;
  headers: Headers;
  body: unknown;
}

/** One request as a pod behind `ip` (X-Forwarded-For), on fetch's keep-alive pool to stay quick. */
async function call(l: Limited, method: string, path: string, ip: string | undefined, body?: unknown): Promise<Call> {
  const headers: Record<string, string> = { authorization: `Bearer ${l.token}` };
  if (ip) headers['x-forwarded-for'] = ip;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${l.emu.infisicalUrl}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const read = (l: Limited, ip?: string) => call(l, 'GET', `/api/v1/auth/kubernetes-auth/identities/${l.app.identityId}`, ip);
const secrets = (l: Limited, ip?: string) => call(l, 'GET', `/api/v3/secrets/raw?workspaceId=${l.app.projectId}&environment=prod`, ip);
// The app's identity may not read its own auth config (403), but the request still counts as a read.
// A refused login is still a request on the login route: it counts against the write bucket.
const write = (l: Limited, ip?: string) => call(l, 'POST', LOGIN, ip, { identityId: l.app.identityId, jwt: 'not-a-jwt' });

/** Sends `n` requests in order and returns the index of the first 429, or -1. */
async function firstRefusal(n: number, send: () => Promise<Call>): Promise<number> {
  for (let i = 0; i < n; i++) {
    const res = await send();
    if (res.status === 429) return i;
  }
  return -1;
}

describe('Option: rateLimit presets', () => {
  for (const preset of ['free', 'pro', 'self-hosted-2024'] as const) {
    it(`'${preset}' admits exactly its read, write and secrets limits per IP per minute`, async () => {
      const l = await limited({ rateLimit: preset });
      try {
        const limits = RATE_LIMIT_PRESETS[preset];
        // One IP per bucket so the global cap of 600 stays out of the way.
        expect(await firstRefusal(limits.readLimit + 1, () => read(l, '10.1.0.1'))).toBe(limits.readLimit);
        expect(await firstRefusal(limits.writeLimit + 1, () => write(l, '10.1.0.2'))).toBe(limits.writeLimit);
        expect(await firstRefusal(limits.secretsLimit + 1, () => secrets(l, '10.1.0.3'))).toBe(limits.secretsLimit);
        expect((await read(l, '10.1.0.1')).headers.get('x-ratelimit-limit')).toBe(String(limits.readLimit));
      } finally {
        await l.emu.close();
      }
    });
  }

  it('publishes the plan numbers: Free 200/90/120, Pro 350/200/300, the 2024 server 60/200/40, global 600', () => {
    expect(RATE_LIMIT_PRESETS).toEqual({
      free: { readLimit: 200, writeLimit: 90, secretsLimit: 120, globalLimit: 600 },
      pro: { readLimit: 350, writeLimit: 200, secretsLimit: 300, globalLimit: 600 },
      'self-hosted-2024': { readLimit: 60, writeLimit: 200, secretsLimit: 40, globalLimit: 600 },
    });
  });

  it('keeps the 2024 generation limited by default with the self-hosted-2024 numbers, and false turns it off', async () => {
    const old = await limited({ generation: '2024' });
    const off = await limited({ generation: '2024', rateLimit: false });
    try {
      expect(await firstRefusal(41, () => secrets(old, '10.2.0.1'))).toBe(40);
      expect(await firstRefusal(41, () => secrets(off, '10.2.0.1'))).toBe(-1);
    } finally {
      await Promise.all([old.emu.close(), off.emu.close()]);
    }
  });

  it('counts the event subscription as a read', async () => {
    const l = await limited({ rateLimit: { readLimit: 2 } });
    try {
      expect((await read(l, '10.3.0.1')).status).not.toBe(429);
      expect((await read(l, '10.3.0.1')).status).not.toBe(429);
      const refused = await call(l, 'POST', SUBSCRIBE, '10.3.0.1', { projectId: l.app.projectId, register: [{ event: 'secret:mutation', conditions: { environmentSlug: 'prod', secretPath: '/' } }] });
      expect(refused.status).toBe(429);
      expect(refused.headers.get('x-ratelimit-limit')).toBe('2');
    } finally {
      await l.emu.close();
    }
  });

  it('refuses bad presets and limits with INVALID_OPTIONS', async () => {
    // @ts-expect-error an unknown preset
    await expect(startEmulator({ rateLimit: 'enterprise' })).rejects.toMatchObject({ name: 'EmulatorError', code: 'INVALID_OPTIONS', message: expect.stringContaining("'free', 'pro', 'self-hosted-2024'") });
    await expect(startEmulator({ rateLimit: { readLimit: 0 } })).rejects.toBeInstanceOf(EmulatorError);
    await expect(startEmulator({ rateLimit: { globalLimit: 1.5 } })).rejects.toMatchObject({ code: 'INVALID_OPTIONS', message: expect.stringContaining('rateLimit.globalLimit') });
  });
});

describe('Option: rateLimit global cap', () => {
  let l: Limited;
  beforeAll(async () => {
    l = await limited({ rateLimit: { readLimit: 1000, writeLimit: 1000, secretsLimit: 1000, globalLimit: 5 } });
  });
  afterAll(async () => {
    await l.emu.close();
  });

  it('counts every limited request of an IP across buckets, not /api/status, and answers with the global headers', async () => {
    for (let i = 0; i < 10; i++) expect((await call(l, 'GET', '/api/status', '10.4.0.1')).status).toBe(200);
    expect((await read(l, '10.4.0.1')).status).not.toBe(429);
    expect((await read(l, '10.4.0.1')).status).not.toBe(429);
    expect((await write(l, '10.4.0.1')).status).not.toBe(429);
    expect((await secrets(l, '10.4.0.1')).status).toBe(200);
    expect((await secrets(l, '10.4.0.1')).status).toBe(200);
    l.clock.advance(15.5);
    const refused = await secrets(l, '10.4.0.1');
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ reqId: expect.stringMatching(/^req-/), statusCode: 429, message: 'Rate limit exceeded. Please try again in 45 seconds', error: 'RateLimitExceeded' });
    expect(Object.fromEntries([...refused.headers].filter(([name]) => name.startsWith('x-ratelimit') || name === 'retry-after'))).toEqual({
      'retry-after': '45',
      'x-ratelimit-limit': '5',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': '45',
    });
    // Another IP has its own global window.
    expect((await secrets(l, '10.4.0.2')).status).toBe(200);
  });

  it("Pro's global 600 refuses before its read and secret buckets do when one IP spends both", async () => {
    const pro = await limited({ rateLimit: 'pro' });
    try {
      expect(await firstRefusal(350, () => read(pro, '10.5.0.1'))).toBe(-1);
      const refused = await firstRefusal(300, () => secrets(pro, '10.5.0.1'));
      expect(refused).toBe(250);
      expect((await secrets(pro, '10.5.0.1')).headers.get('x-ratelimit-limit')).toBe('600');
    } finally {
      await pro.emu.close();
    }
  });
});

describe('Option: rateLimit windows and client IPs', () => {
  it('resets on the emulator clock: still refused 1 ms before the minute, admitted at it', async () => {
    const l = await limited({ rateLimit: 'free' });
    try {
      expect(await firstRefusal(91, () => write(l, '10.6.0.1'))).toBe(90);
      l.clock.t += 59_999;
      const late = await write(l, '10.6.0.1');
      expect(late.status).toBe(429);
      expect(late.headers.get('retry-after')).toBe('1');
      l.clock.t += 1;
      const fresh = await write(l, '10.6.0.1');
      expect(fresh.status).not.toBe(429);
      expect(fresh.headers.get('x-ratelimit-remaining')).toBe('89');
      expect(fresh.headers.get('x-ratelimit-reset')).toBe('60');
    } finally {
      await l.emu.close();
    }
  });

  it('shares a bucket between pods behind one X-Forwarded-For address and splits it across addresses', async () => {
    const l = await limited({ rateLimit: { secretsLimit: 4 } });
    try {
      // Two pods behind one NAT: the proxy appends its own hop, the left-most entry is the client.
      const shared = ['203.0.113.7', '203.0.113.7, 10.0.0.9'];
      for (let i = 0; i < 4; i++) expect((await secrets(l, shared[i % 2])).status).toBe(200);
      expect((await secrets(l, shared[0])).status).toBe(429);
      expect((await secrets(l, shared[1])).status).toBe(429);
      // Spread pods each have their own.
      for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) expect((await secrets(l, ip)).status).toBe(200);
    } finally {
      await l.emu.close();
    }
  });

  it('trustProxy: false ignores X-Forwarded-For, so every pod on one socket address shares one bucket', async () => {
    const l = await limited({ rateLimit: { secretsLimit: 2 }, trustProxy: false });
    try {
      expect((await secrets(l, '198.51.100.1')).status).toBe(200);
      expect((await secrets(l, '198.51.100.2')).status).toBe(200);
      expect((await secrets(l, '198.51.100.3')).status).toBe(429);
    } finally {
      await l.emu.close();
    }
  });
});
