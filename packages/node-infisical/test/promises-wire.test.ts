/**
 * What goes on the wire and how a request ends: the headers each kind of call sends (as a bare loopback
 * server records them), the bodies of the token calls, and a caller's signal ending a request in flight
 * and the wait between attempts. The promises: JSON calls ask for JSON and
 * label a body as JSON; only authenticated calls carry the bearer; a subscription asks for an event
 * stream; `signal` ends the subscription at any stage.
 */
import { readFileSync } from 'node:fs';
import { getEventListeners } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InfisicalApiError, InfisicalClient, InfisicalNetworkError, type ProjectEvent } from 'node-infisical';
import { appClient, rejectionOf, useEmulator } from './helpers.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
const SUBSCRIBE = 'POST /api/v1/events/subscribe/project-events';
const register = [{ event: 'secret:update' as const }];

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let baseUrl: string;
const seen: Seen[] = [];
const token = { accessToken: JWT, expiresIn: 60, accessTokenMaxTTL: 60, tokenType: 'Bearer' };

/** Answers each route as Infisical would, and records every request as it arrived. */
function answer(req: { method?: string; url?: string }, res: ServerResponse): void {
  const path = (req.url ?? '').split('?')[0];
  if (path === '/api/v1/events/subscribe/project-events') {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    return void res.end('event: secret:update\ndata: {}\n\n');
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  if (path?.startsWith('/api/v1/auth/')) return void res.end(path.endsWith('/revoke') ? '{}' : JSON.stringify(token));
  res.end(JSON.stringify({ secrets: [], imports: [], secret: { secretKey: 'A', secretValue: 'a' } }));
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      answer(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
afterEach(() => {
  seen.length = 0;
});

const where = { projectId: 'p', environment: 'prod', secretPath: '/' };
const jwtWith = (claims: Record<string, unknown>) => `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;
const client = (options: { accessToken?: string } = { accessToken: 'stored-access-token' }) => new InfisicalClient({ baseUrl, retry: false, apiVersion: 'v4', ...options });
const only = (): Seen => {
  expect(seen).toHaveLength(1);
  return seen[0]!;
};

describe('Wire: request headers', () => {
  it('a read asks for JSON, carries the stored bearer, and sends no body and no content-type', async () => {
    await client().secrets.list(where);
    const { method, headers, body } = only();
    expect(method).toBe('GET');
    expect(headers.accept).toBe('application/json');
    expect(headers.authorization).toBe('Bearer stored-access-token');
    expect(headers['content-type']).toBeUndefined();
    expect(body).toBe('');
  });

  it('a write labels its JSON body as JSON', async () => {
    await client().secrets.create({ ...where, secretName: 'A', secretValue: 'a' });
    const { method, headers, body } = only();
    expect(method).toBe('POST');
    expect(headers['content-type']).toBe('application/json');
    expect(headers.accept).toBe('application/json');
    expect(JSON.parse(body)).toMatchObject({ projectId: 'p', environment: 'prod', secretPath: '/', secretValue: 'a', type: 'shared' });
  });

  it.each([
    ['a Kubernetes login', (c: InfisicalClient) => c.login({ kubernetesAuth: { identityId: 'id', jwt: JWT } })],
    ['a Universal Auth login', (c: InfisicalClient) => c.login({ universalAuth: { clientId: 'cid', clientSecret: 'csecret' } })],
    ['a renewal', (c: InfisicalClient) => c.auth.renew()],
    ['a revocation', (c: InfisicalClient) => c.auth.revoke()],
  ] as const)('%s never carries the stored bearer (its credential is in the body)', async (_name, call) => {
    await call(client());
    const { headers } = only();
    expect(headers.authorization).toBeUndefined();
    expect(headers['content-type']).toBe('application/json');
  });

  it('the user-agent names the client and Node, and nothing more unless asked', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    await client().secrets.list(where);
    expect(only().headers['user-agent']).toBe(`node-infisical/${version} node/${process.versions.node}`);
  });

  it('a Kubernetes login sends the identity and the JWT trimmed, and organizationSlug only when given', async () => {
    await client().login({ kubernetesAuth: { identityId: ' id-1 ', jwt: `${JWT}\n` } });
    await client().login({ kubernetesAuth: { identityId: 'id-1', jwt: JWT, organizationSlug: ' sub-org ' } });
    expect(seen.map((s) => [s.method, s.url, JSON.parse(s.body)])).toEqual([
      ['POST', '/api/v1/auth/kubernetes-auth/login', { identityId: 'id-1', jwt: JWT }],
      ['POST', '/api/v1/auth/kubernetes-auth/login', { identityId: 'id-1', jwt: JWT, organizationSlug: 'sub-org' }],
    ]);
  });

  it('renew and revoke send the token they act on; login stores the answer\'s token', async () => {
    const c = client();
    await c.auth.renew();
    expect(c.auth.accessToken).toBe(JWT);
    await c.auth.revoke('another-token');
    expect(c.auth.accessToken).toBe(JWT);
    expect(seen.map((s) => [s.url, JSON.parse(s.body)])).toEqual([
      ['/api/v1/auth/token/renew', { accessToken: 'stored-access-token' }],
      ['/api/v1/auth/token/revoke', { accessToken: 'another-token' }],
    ]);
  });

  it('adopting a token reads its lifetime from its claims: 0 once expired or when it says nothing', async () => {
    const now = Math.floor(Date.now() / 1000);
    const live = await client().login({ accessToken: jwtWith({ exp: now + 600, accessTokenMaxTTL: 7200 }) });
    expect(live.expiresIn).toBeGreaterThan(500);
    expect(live.expiresIn).toBeLessThanOrEqual(600);
    expect(live.accessTokenMaxTTL).toBe(7200);
    expect(await client().login({ accessToken: jwtWith({ exp: now - 600 }) })).toMatchObject({ expiresIn: 0, accessTokenMaxTTL: 0, tokenType: 'Bearer' });
    expect(await client().login({ accessToken: 'not-a-jwt' })).toMatchObject({ accessToken: 'not-a-jwt', expiresIn: 0, accessTokenMaxTTL: 0 });
    expect(seen).toHaveLength(0);
  });

  it('setAccessToken trims the token it is given, and undefined forgets it', async () => {
    const c = client();
    c.auth.setAccessToken('  pasted-token\n');
    await c.secrets.list(where);
    expect(only().headers.authorization).toBe('Bearer pasted-token');
    c.auth.setAccessToken(undefined);
    expect(c.auth.accessToken).toBeUndefined();
  });

  it('a client without a token sends no authorization header at all (not "Bearer undefined")', async () => {
    await client({ accessToken: undefined } as { accessToken?: string }).secrets.list(where);
    expect(only().headers.authorization).toBeUndefined();
  });

  it('a subscription sends each registration as given: every event name, conditions with and without a path', async () => {
    const registrations = [
      { event: 'secret:create' as const, conditions: { environmentSlug: 'prod', secretPath: '/backend' } },
      { event: 'secret:update' as const, conditions: { environmentSlug: 'dev' } },
      { event: 'secret:delete' as const },
      { event: 'secret:import-mutation' as const, conditions: { environmentSlug: ' staging ' } },
    ];
    for await (const _ of await client().events.subscribe({ projectId: ' p ', register: registrations })) void _;
    expect(JSON.parse(only().body)).toEqual({
      projectId: 'p',
      register: [
        { event: 'secret:create', conditions: { environmentSlug: 'prod', secretPath: '/backend' } },
        { event: 'secret:update', conditions: { environmentSlug: 'dev' } },
        { event: 'secret:delete' },
        { event: 'secret:import-mutation', conditions: { environmentSlug: 'staging' } },
      ],
    });
  });

  it('a subscription asks for an event stream, with the bearer and a JSON body', async () => {
    const events = await client().events.subscribe({ projectId: 'p', register });
    const received: ProjectEvent[] = [];
    for await (const event of events) received.push(event);
    expect(received).toEqual([{ event: 'secret:update', data: {} }]);
    const { headers, body } = only();
    expect(headers.accept).toBe('text/event-stream');
    expect(headers.authorization).toBe('Bearer stored-access-token');
    expect(headers['content-type']).toBe('application/json');
    expect(JSON.parse(body)).toEqual({ projectId: 'p', register });
  });
});

const env = useEmulator({ sse: { pingIntervalMs: 50 } });

describe('Wire: a caller\'s signal ends a subscription at any stage', () => {
  it('while the server has not answered yet: rejects with the signal\'s reason at once, not at timeoutMs', async () => {
    const emu = env.emu();
    const app = await appClient(emu, env.app(), { timeoutMs: 3_600_000 });
    emu.counters.reset();
    emu.faults.inject({ route: SUBSCRIBE, hang: true, times: 1 });
    const abort = new AbortController();
    const pending = rejectionOf(app.events.subscribe({ projectId: env.app().projectId, register, signal: abort.signal }));
    await expect.poll(() => emu.counters.get(SUBSCRIBE)).toBe(1);
    abort.abort(new Error('shutting down'));
    expect(await pending).toMatchObject({ message: 'shutting down' });
  });

  it('while it waits before a retry: rejects with the signal\'s reason at once, not after Retry-After', async () => {
    const emu = env.emu();
    const app = await appClient(emu, env.app(), { retry: { retries: 3, baseDelayMs: 1, maxDelayMs: 3_600_000 } });
    emu.counters.reset();
    // A 503 with Retry-After is retried even on a POST; the server asks for an hour.
    emu.faults.inject({ route: SUBSCRIBE, status: 503, retryAfter: 3600, times: 1 });
    const abort = new AbortController();
    const pending = rejectionOf(app.events.subscribe({ projectId: env.app().projectId, register, signal: abort.signal }));
    await expect.poll(() => emu.counters.get(SUBSCRIBE)).toBe(1);
    abort.abort(new Error('shutting down'));
    expect(await pending).toMatchObject({ message: 'shutting down' });
    expect(emu.counters.get(SUBSCRIBE)).toBe(1);
  });

  it('a stream the server breaks off ends the iteration with a network error, not quietly', async () => {
    const broken = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: secret:update\ndata: {}\n\n');
      setImmediate(() => res.socket?.destroy());
    });
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
    try {
      const c = new InfisicalClient({ baseUrl: `http://127.0.0.1:${(broken.address() as AddressInfo).port}`, accessToken: 't', retry: false });
      const events = await c.events.subscribe({ projectId: 'p', register });
      const received: string[] = [];
      const error = await rejectionOf(
        (async () => {
          for await (const event of events) received.push(event.event);
        })(),
      );
      expect(received).toEqual(['secret:update']);
      expect(error).toBeInstanceOf(InfisicalNetworkError);
      expect(error).toMatchObject({ method: 'POST', path: '/api/v1/events/subscribe/project-events' });
    } finally {
      broken.closeAllConnections();
      await new Promise<void>((resolve) => broken.close(() => resolve()));
    }
  });
});

describe('Wire: answers to a subscription that are not a stream', () => {
  it('a refusal labelled text/event-stream is still the refusal (InfisicalApiError), not an empty stream', async () => {
    const refusing = createServer((req, res) => {
      req.resume();
      res.writeHead(401, { 'content-type': 'text/event-stream' });
      res.end(JSON.stringify({ statusCode: 401, error: 'UnauthorizedError', message: 'Token missing' }));
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    try {
      const c = new InfisicalClient({ baseUrl: `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`, accessToken: 't', retry: false });
      const error = await rejectionOf(c.events.subscribe({ projectId: 'p', register }));
      expect(error).toBeInstanceOf(InfisicalApiError);
      expect(error).toMatchObject({ status: 401, reason: 'token-missing' });
    } finally {
      refusing.closeAllConnections();
      await new Promise<void>((resolve) => refusing.close(() => resolve()));
    }
  });

  it('a refused subscription leaves no listener on the caller\'s signal', async () => {
    const emu = env.emu();
    const app = await appClient(emu, env.app(), { retry: false });
    emu.faults.inject({ route: SUBSCRIBE, status: 403, times: 3 });
    const abort = new AbortController();
    for (let i = 0; i < 3; i++) {
      expect(await rejectionOf(app.events.subscribe({ projectId: env.app().projectId, register, signal: abort.signal }))).toMatchObject({ status: 403 });
    }
    expect(getEventListeners(abort.signal, 'abort')).toHaveLength(0);
  });

  it('a subscription that waited before a retry leaves no listener on the caller\'s signal once its stream ends', async () => {
    const emu = env.emu();
    const app = await appClient(emu, env.app(), { retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 50 } });
    emu.faults.inject({ route: SUBSCRIBE, status: 503, retryAfter: 0, times: 2 });
    const abort = new AbortController();
    const events = await app.events.subscribe({ projectId: env.app().projectId, register, signal: abort.signal, includePings: true });
    expect(getEventListeners(abort.signal, 'abort')).toHaveLength(1);
    for await (const event of events) {
      expect(event.event).toBe('ping');
      break;
    }
    expect(getEventListeners(abort.signal, 'abort')).toHaveLength(0);
  });

  it('a signal aborted just as a retryable answer completes ends the subscription before the wait', async () => {
    const emu = env.emu();
    const abort = new AbortController();
    // The answer's last read aborts the caller's signal: the failure is in, the wait has not begun.
    const abortingAtTheEnd: typeof fetch = async (input, init) => {
      const real = await fetch(input, init);
      const bytes = new Uint8Array(await real.arrayBuffer());
      let sent = false;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (!sent) {
            sent = true;
            return controller.enqueue(bytes);
          }
          if (real.status === 503) abort.abort(new Error('shutting down'));
          controller.close();
        },
      });
      return new Response(body, { status: real.status, statusText: real.statusText, headers: real.headers });
    };
    const app = await appClient(emu, env.app(), { fetch: abortingAtTheEnd, retry: { retries: 3, baseDelayMs: 1, maxDelayMs: 3_600_000 } });
    emu.counters.reset();
    emu.faults.inject({ route: SUBSCRIBE, status: 503, retryAfter: 3600, times: 1 });
    expect(await rejectionOf(app.events.subscribe({ projectId: env.app().projectId, register, signal: abort.signal }))).toMatchObject({ message: 'shutting down' });
    expect(emu.counters.get(SUBSCRIBE)).toBe(1);
  });
});

describe('Wire: close()', () => {
  it('releases the pooled connections of a client with its own TLS settings', async () => {
    let release!: () => void;
    const closed = new Promise<void>((resolve) => (release = resolve));
    const pooled = createServer((req, res) => {
      req.resume();
      req.socket.once('close', () => release());
      // Asks the client to keep the connection for ten minutes: only close() should end it sooner.
      res.writeHead(200, { 'content-type': 'application/json', 'keep-alive': 'timeout=600' });
      res.end(JSON.stringify({ secrets: [], imports: [] }));
    });
    pooled.keepAliveTimeout = 600_000;
    await new Promise<void>((resolve) => pooled.listen(0, '127.0.0.1', resolve));
    try {
      const c = new InfisicalClient({ baseUrl: `http://127.0.0.1:${(pooled.address() as AddressInfo).port}`, accessToken: 't', retry: false, tls: { rejectUnauthorized: false } });
      expect((await c.secrets.list(where)).secrets).toEqual([]);
      await c.close();
      // Resolves when the server sees the pooled connection end.
      await expect(closed).resolves.toBeUndefined();
    } finally {
      pooled.closeAllConnections();
      await new Promise<void>((resolve) => pooled.close(() => resolve()));
    }
  });
});

describe('Wire: an answer without a body', () => {
  it('a revocation answered 204 No Content succeeds and forgets the token', async () => {
    const empty = createServer((req, res) => {
      req.resume();
      res.writeHead(204);
      res.end();
    });
    await new Promise<void>((resolve) => empty.listen(0, '127.0.0.1', resolve));
    try {
      const c = new InfisicalClient({ baseUrl: `http://127.0.0.1:${(empty.address() as AddressInfo).port}`, accessToken: 'to-revoke', retry: false });
      await expect(c.auth.revoke()).resolves.toBeUndefined();
      expect(c.auth.accessToken).toBeUndefined();
    } finally {
      empty.closeAllConnections();
      await new Promise<void>((resolve) => empty.close(() => resolve()));
    }
  });
});

