/**
 * The transport against real loopback HTTP(S): the retry rule (with Retry-After), timeouts, broken
 * connections, bodies that are not Infisical's JSON, and TLS with a custom CA.
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rootCertificates } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { provision, startEmulator, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { InfisicalApiError, InfisicalClient, InfisicalNetworkError, InfisicalResponseError, InfisicalResponseTooLargeError } from 'node-infisical';
import { appClient, clientFor, rejectionOf, useEmulator } from './helpers.js';

const LIST = 'GET /api/v4/secrets';
const LOGIN = 'POST /api/v1/auth/kubernetes-auth/login';
const env = useEmulator({}, { secrets: { SEEDED: 'seeded-value-4f1e' } });
const where = () => ({ projectId: env.app().projectId, environment: 'prod', secretPath: '/' });
const login = (client: InfisicalClient) => client.login({ kubernetesAuth: { identityId: env.app().identityId, jwt: env.app().projected.current() } });

/** Counts fetch calls (and lets a test rewrite answers) while still talking real HTTP. */
function countingFetch(rewrite?: (response: Response, call: number) => Response): { fetch: typeof fetch; calls: () => number; headers: () => Headers[] } {
  let calls = 0;
  const seen: Headers[] = [];
  const wrapped: typeof fetch = async (input, init) => {
    calls += 1;
    seen.push(new Headers(init?.headers));
    const response = await fetch(input, init);
    return rewrite ? rewrite(response, calls) : response;
  };
  return { fetch: wrapped, calls: () => calls, headers: () => seen };
}

/** A loopback port nothing listens on (port 1 would be refused by fetch itself as a "bad port"). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

afterEach(() => {
  env.emu().faults.clear();
  env.emu().counters.reset();
});

describe('Class: InfisicalClient — retry rule', () => {
  it('retries an idempotent GET on 503 with Retry-After, then succeeds', async () => {
    const client = await appClient(env.emu(), env.app());
    env.emu().faults.inject({ route: LIST, status: 503, retryAfter: 0, times: 2 });
    const { secrets } = await client.secrets.list(where());
    expect(secrets.map((s) => s.secretKey)).toEqual(['SEEDED']);
    expect(env.emu().counters.get(LIST)).toBe(3);
  });

  it.each([502, 504, 429])('retries a GET on %i with jittered backoff', async (status) => {
    const client = await appClient(env.emu(), env.app());
    env.emu().faults.inject({ route: LIST, status, times: 1 });
    await client.secrets.list(where());
    expect(env.emu().counters.get(LIST)).toBe(2);
  });

  it('gives up after `retries` and surfaces the last answer', async () => {
    const client = await appClient(env.emu(), env.app(), { retry: { retries: 2, baseDelayMs: 1 } });
    env.emu().faults.inject({ route: LIST, status: 503, retryAfter: 0 });
    const error = await rejectionOf(client.secrets.list(where()));
    expect(error).toBeInstanceOf(InfisicalApiError);
    expect(error).toMatchObject({ status: 503, retryAfter: 0 });
    expect(env.emu().counters.get(LIST)).toBe(3);
  });

  it('does not retry a GET on 500 or 4xx', async () => {
    const client = await appClient(env.emu(), env.app());
    env.emu().faults.inject({ route: LIST, status: 500, times: 3 });
    await rejectionOf(client.secrets.list(where()));
    expect(env.emu().counters.get(LIST)).toBe(1);
  });

  it('never retries a POST on 502: the login may have happened', async () => {
    env.emu().faults.inject({ route: LOGIN, status: 502, times: 1 });
    const error = await rejectionOf(login(clientFor(env.emu())));
    expect(error).toMatchObject({ status: 502 });
    expect(env.emu().counters.get(LOGIN)).toBe(1);
  });

  it('retries a POST on 429 (refused before any handler ran)', async () => {
    env.emu().faults.inject({ route: LOGIN, status: 429, retryAfter: 0, times: 1 });
    await login(clientFor(env.emu()));
    expect(env.emu().counters.get(LOGIN)).toBe(2);
  });

  it('retries a POST on 503 only when it carries Retry-After', async () => {
    env.emu().faults.inject({ route: LOGIN, status: 503, times: 1 });
    await rejectionOf(login(clientFor(env.emu())));
    expect(env.emu().counters.get(LOGIN)).toBe(1);
    env.emu().counters.reset();
    env.emu().faults.inject({ route: LOGIN, status: 503, retryAfter: 0, times: 1 });
    await login(clientFor(env.emu()));
    expect(env.emu().counters.get(LOGIN)).toBe(2);
  });

  it('waits for Retry-After seconds, capped by maxDelayMs', async () => {
    const client = await appClient(env.emu(), env.app(), { retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 300 } });
    env.emu().faults.inject({ route: LIST, status: 503, retryAfter: 30, times: 1 });
    const started = performance.now();
    await client.secrets.list(where());
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(280);
    // Far below the 30 s asked for; wide enough for a loaded machine.
    expect(elapsed).toBeLessThan(15_000);
  });

  it('understands Retry-After as an HTTP date', async () => {
    const date = new Date(Date.now() + 60_000).toUTCString();
    const counted = countingFetch((response) => {
      if (response.status !== 503) return response;
      const headers = new Headers(response.headers);
      headers.set('retry-after', date);
      return new Response(response.body, { status: response.status, headers });
    });
    env.emu().faults.inject({ route: LIST, status: 503, times: 1 });
    const client = await appClient(env.emu(), env.app(), { retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 250 }, fetch: counted.fetch });
    const started = performance.now();
    await client.secrets.list(where());
    expect(performance.now() - started).toBeGreaterThanOrEqual(230);
    expect(counted.calls()).toBe(3); // login + two list attempts
  });

  it('retry.rateLimited: false hands a 429 straight back (its Retry-After on the error) and still retries a 503', async () => {
    const client = await appClient(env.emu(), env.app(), { retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 10, rateLimited: false } });
    env.emu().faults.inject({ route: LIST, status: 429, retryAfter: 40, times: 1 });
    const error = (await rejectionOf(client.secrets.list(where()))) as InfisicalApiError;
    expect(error).toMatchObject({ status: 429, retryAfter: 40 });
    expect(env.emu().counters.get(LIST)).toBe(1);
    env.emu().faults.inject({ route: LIST, status: 503, retryAfter: 0, times: 1 });
    await client.secrets.list(where());
    expect(env.emu().counters.get(LIST)).toBe(3);
  });

  it('measures an HTTP-date Retry-After against the `now` option (a caller\'s own clock)', async () => {
    const now = Date.UTC(2026, 0, 1);
    const client = await appClient(env.emu(), env.app(), { retry: false, now: () => now });
    env.emu().faults.inject({ route: LIST, status: 429, retryAfter: new Date(now + 40_000).toUTCString(), times: 1 });
    const error = (await rejectionOf(client.secrets.list(where()))) as InfisicalApiError;
    expect(error.retryAfter).toBe(40);
  });

  it('rejects a retry.rateLimited or now of the wrong type', () => {
    expect(() => new InfisicalClient({ retry: { rateLimited: 'no' as unknown as boolean } })).toThrow(/retry.rateLimited/);
    expect(() => new InfisicalClient({ now: 5 as unknown as () => number })).toThrow(/now/);
  });

  it('reports Retry-After on the error when retries are off', async () => {
    const client = await appClient(env.emu(), env.app(), { retry: false });
    env.emu().faults.inject({ route: LIST, status: 429, retryAfter: 7, times: 1 });
    const error = (await rejectionOf(client.secrets.list(where()))) as InfisicalApiError;
    expect(error).toMatchObject({ status: 429, code: 'HTTP_429', retryAfter: 7 });
    expect(error.hint).toContain('rate limited');
  });
});

describe('Class: InfisicalClient — connections', () => {
  it('times out a hanging request per attempt and retries a GET', async () => {
    // Log in with the default timeout: only the listing should meet the short one, even on a busy machine.
    const { accessToken } = (await appClient(env.emu(), env.app())).auth;
    const counted = countingFetch();
    const client = clientFor(env.emu(), { accessToken: accessToken!, fetch: counted.fetch, timeoutMs: 100, retry: { retries: 1, baseDelayMs: 1 } });
    env.emu().faults.inject({ route: LIST, hang: true, times: 2 });
    const error = await rejectionOf(client.secrets.list(where()));
    expect(error).toBeInstanceOf(InfisicalNetworkError);
    expect(error).toMatchObject({ code: 'TIMEOUT', method: 'GET', path: '/api/v4/secrets' });
    expect((error as Error).message).toContain('timeoutMs');
    expect(counted.calls()).toBe(2);
  });

  it('does not retry a POST that timed out', async () => {
    env.emu().faults.inject({ route: LOGIN, hang: true });
    const counted = countingFetch();
    const error = await rejectionOf(login(clientFor(env.emu(), { timeoutMs: 100, fetch: counted.fetch })));
    expect(error).toMatchObject({ code: 'TIMEOUT' });
    expect(counted.calls()).toBe(1);
  });

  it('retries a GET after a connection reset', async () => {
    const client = await appClient(env.emu(), env.app());
    env.emu().faults.inject({ route: LIST, reset: true, times: 1 });
    await client.secrets.list(where());
    expect(env.emu().counters.get(LIST)).toBe(2);
  });

  it('surfaces a reset POST as CONNECTION_RESET without retrying', async () => {
    env.emu().faults.inject({ route: LOGIN, reset: true, times: 1 });
    const error = await rejectionOf(login(clientFor(env.emu())));
    expect(error).toBeInstanceOf(InfisicalNetworkError);
    expect(error).toMatchObject({ code: 'CONNECTION_RESET', name: 'InfisicalNetworkError' });
    expect((error as Error).cause).toBeDefined();
    expect(env.emu().counters.get(LOGIN)).toBe(1);
  });

  it('retries even a POST when the connection is refused (nothing was sent)', async () => {
    const counted = countingFetch();
    const client = new InfisicalClient({ baseUrl: `http://127.0.0.1:${await closedPort()}`, fetch: counted.fetch, retry: { retries: 2, baseDelayMs: 1 } });
    const error = await rejectionOf(client.login({ universalAuth: { clientId: 'id', clientSecret: 'secret' } }));
    expect(error).toMatchObject({ code: 'CONNECTION_REFUSED' });
    expect((error as Error).message).toContain('check baseUrl');
    expect(counted.calls()).toBe(3);
  });

  it('sends its user-agent, with the caller suffix', async () => {
    const counted = countingFetch();
    await appClient(env.emu(), env.app(), { fetch: counted.fetch, userAgent: 'payments/2.1.0' });
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(counted.headers()[0]?.get('user-agent')).toBe(`node-infisical/${version} node/${process.versions.node} payments/2.1.0`);
  });
});

describe('Class: InfisicalClient — answers that are not Infisical JSON', () => {
  it.each([
    ['malformed JSON', { malformed: true }, 'malformed JSON'],
    ['an HTML error page', { html: true }, 'HTML page'],
  ] as const)('turns %s into InfisicalResponseError', async (_name, fault, text) => {
    const client = await appClient(env.emu(), env.app(), { retry: false });
    env.emu().faults.inject({ route: LIST, ...fault, times: 1 });
    const error = await rejectionOf(client.secrets.list(where()));
    expect(error).toBeInstanceOf(InfisicalResponseError);
    expect(error).toMatchObject({ code: 'BAD_RESPONSE', name: 'InfisicalResponseError', path: '/api/v4/secrets' });
    expect((error as Error).message).toContain(text);
    expect(error).not.toBeInstanceOf(SyntaxError);
  });

  it('turns an oversized body into InfisicalResponseTooLargeError, sent once', async () => {
    const client = await appClient(env.emu(), env.app());
    env.emu().faults.inject({ route: LIST, oversized: 11 * 1024 * 1024 });
    const error = await rejectionOf(client.secrets.list(where()));
    expect(error).toBeInstanceOf(InfisicalResponseTooLargeError);
    expect(error).toMatchObject({ code: 'RESPONSE_TOO_LARGE', name: 'InfisicalResponseTooLargeError', limitBytes: 10 * 1024 * 1024, path: '/api/v4/secrets' });
    expect((error as Error).message).toContain('maxResponseBytes');
    expect(env.emu().counters.get(LIST)).toBe(1);
  });

  it('never retries an oversized answer, even a 503 that would otherwise be retried', async () => {
    let hits = 0;
    const big = createServer((req, res) => {
      hits += 1;
      req.resume();
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' });
      res.end(JSON.stringify({ message: 'x'.repeat(5000) }));
    });
    await new Promise<void>((resolve) => big.listen(0, '127.0.0.1', resolve));
    try {
      const client = new InfisicalClient({ baseUrl: `http://127.0.0.1:${(big.address() as AddressInfo).port}`, accessToken: 'test-token', maxResponseBytes: 1024, retry: { retries: 3, baseDelayMs: 1 } });
      const error = await rejectionOf(client.secrets.list(where()));
      expect(error).toMatchObject({ code: 'RESPONSE_TOO_LARGE', status: 503, limitBytes: 1024 });
      expect(hits).toBe(1);
    } finally {
      big.closeAllConnections();
      await new Promise<void>((resolve) => big.close(() => resolve()));
    }
  });

  it('takes maxResponseBytes from the client options', async () => {
    const client = await appClient(env.emu(), env.app(), { maxResponseBytes: 4000 });
    env.emu().faults.inject({ route: LIST, oversized: 4001, times: 1 });
    expect(await rejectionOf(client.secrets.list(where()))).toMatchObject({ code: 'RESPONSE_TOO_LARGE', limitBytes: 4000 });
    expect((await client.secrets.list(where())).secrets.map((s) => s.secretKey)).toEqual(['SEEDED']);
    expect(() => new InfisicalClient({ maxResponseBytes: 0 })).toThrow(/maxResponseBytes/);
  });

  it('retries an HTML 502 from a proxy on a GET', async () => {
    const client = await appClient(env.emu(), env.app());
    env.emu().faults.inject({ route: LIST, html: true, times: 1 });
    await client.secrets.list(where());
    expect(env.emu().counters.get(LIST)).toBe(2);
  });

  it('keeps status, server error, message and request id of an error envelope', async () => {
    const client = await appClient(env.emu(), env.app(), { retry: false });
    env.emu().faults.inject({ route: LIST, status: 500, times: 1 });
    const error = (await rejectionOf(client.secrets.list(where()))) as InfisicalApiError;
    expect(error).toBeInstanceOf(InfisicalApiError);
    expect(error).toMatchObject({ status: 500, code: 'HTTP_500', method: 'GET', path: '/api/v4/secrets', serverError: 'InternalServerError' });
    expect(error.reqId).toMatch(/^req-/);
    expect(error.message).toContain(error.reqId!);
    expect(error.message).not.toContain(env.app().projectId);
  });

  it('summarises a 422 issue list by path and message, without received values', async () => {
    env.emu().faults.inject({
      route: LOGIN,
      status: 422,
      times: 1,
      body: {
        reqId: 'req-x',
        statusCode: 422,
        error: 'ValidationFailure',
        message: [{ code: 'invalid_type', path: ['jwt'], message: 'Required', received: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl' }],
      },
    });
    const error = (await rejectionOf(login(clientFor(env.emu())))) as InfisicalApiError;
    expect(error).toMatchObject({ status: 422, serverError: 'ValidationFailure', serverMessage: 'jwt: Required' });
  });

  it('scrubs JWT-shaped text that a server echoes in a message', async () => {
    const echoed = env.app().projected.current();
    env.emu().faults.inject({ route: LOGIN, status: 401, times: 1, body: { statusCode: 401, error: 'UnauthorizedError', message: `bad token ${echoed}` } });
    const error = (await rejectionOf(login(clientFor(env.emu())))) as InfisicalApiError;
    expect(error.serverMessage).toBe('bad token [redacted-jwt]');
    expect(error.message).not.toContain(echoed);
  });
});

describe('Class: InfisicalClient — TLS (self-hosted with a private CA)', () => {
  let tlsEmu: Emulator;
  let tlsApp: Provisioned;
  beforeAll(async () => {
    tlsEmu = await startEmulator({ infisicalTls: true });
    tlsApp = await provision(tlsEmu, { secrets: { A: '1' } });
  });
  afterAll(async () => {
    await tlsEmu.close();
    await rm(tlsApp.projected.dir, { recursive: true, force: true });
  });
  const tlsLogin = (client: InfisicalClient) => client.login({ kubernetesAuth: { identityId: tlsApp.identityId, jwt: tlsApp.projected.current() } });

  it('trusts a custom CA given as tls.ca', async () => {
    const client = new InfisicalClient({ baseUrl: tlsEmu.infisicalUrl, tls: { ca: tlsEmu.caCert } });
    try {
      await tlsLogin(client);
      const { secrets } = await client.secrets.list({ projectId: tlsApp.projectId, environment: 'prod' });
      expect(secrets.map((s) => s.secretKey)).toEqual(['A']);
    } finally {
      await client.close();
    }
  });

  it.each([
    ["Node's default store", undefined],
    ['a CA that did not sign the server certificate', { ca: rootCertificates[0]! }],
  ])('fails with %s as a TLS network error, without retrying', async (_name, tls) => {
    const counted = countingFetch();
    const client = new InfisicalClient({ baseUrl: tlsEmu.infisicalUrl, fetch: counted.fetch, retry: { retries: 3, baseDelayMs: 1 }, ...(tls ? { tls } : {}) });
    try {
      const error = await rejectionOf(client.secrets.list({ projectId: tlsApp.projectId, environment: 'prod' }));
      expect(error).toBeInstanceOf(InfisicalNetworkError);
      expect(error).toMatchObject({ code: 'TLS' });
      expect((error as Error).message).toContain('tls.ca');
      expect(counted.calls()).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('can skip verification with rejectUnauthorized: false', async () => {
    const client = new InfisicalClient({ baseUrl: tlsEmu.infisicalUrl, tls: { rejectUnauthorized: false } });
    try {
      await tlsLogin(client);
      expect(client.auth.accessToken).toBeDefined();
    } finally {
      await client.close();
    }
  });
});
