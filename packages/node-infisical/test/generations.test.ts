/**
 * Server generations. A loopback "2024 front" stands before the emulator the way an October 2024
 * Infisical looks from outside: `/api/v4/*` and the event route answer Fastify's router 404
 * (`Route <METHOD>:<url> not found`, the url with its query), the v3 raw write routes answer in the
 * server's shapes and record what they were sent, and everything else (login, the v3 raw list and
 * single read) goes through to the real emulator.
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InfisicalApiError, InfisicalClient, isRouteNotFoundError, type InfisicalClientOptions } from 'node-infisical';
import { FAST_RETRY, rejectionOf, useEmulator } from './helpers.js';

const env = useEmulator({}, { secrets: { DB_URL: 'postgres://db', GREETING: 'hello' } });
const where = () => ({ projectId: env.app().projectId, environment: 'prod', secretPath: '/' });

interface Seen {
  method: string;
  url: string;
  body: Record<string, unknown> | undefined;
}
const seen: Seen[] = [];
/** `router`: Fastify's JSON 404; `standalone`: the web app's 404 HTML page (STANDALONE_MODE=true, the 2024 Docker image). */
let missingRoute: 'router' | 'standalone' = 'router';
const NEXT_404 = '<!DOCTYPE html><html><head><title>404: This page could not be found</title></head><body><h1>404</h1></body></html>';
let front: Server;
let frontUrl: string;

function forward(method: string, url: string, headers: IncomingHttpHeaders, body: Buffer, res: import('node:http').ServerResponse): void {
  const upstream = new URL(env.emu().infisicalUrl);
  const out = request({ host: upstream.hostname, port: upstream.port, method, path: url, headers: { ...headers, host: upstream.host } }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  out.end(body);
}

beforeAll(async () => {
  front = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const method = req.method ?? 'GET';
      const url = req.url ?? '/';
      const body = raw.length > 0 ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : undefined;
      seen.push({ method, url, body });
      if ((url.startsWith('/api/v4/') || url.startsWith('/api/v1/events/')) && missingRoute === 'standalone') {
        res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
        return void res.end(NEXT_404);
      }
      if (url.startsWith('/api/v4/') || url.startsWith('/api/v1/events/')) {
        res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
        return void res.end(JSON.stringify({ message: `Route ${method}:${url} not found`, error: 'Not Found', statusCode: 404 }));
      }
      const write = /^\/api\/v3\/secrets\/raw\/([^/?]+)$/.exec(url);
      if (write && method !== 'GET') {
        const secretKey = decodeURIComponent(write[1]!);
        const secret = { id: 's-1', _id: 's-1', workspace: body?.workspaceId, environment: body?.environment, version: 1, type: 'shared', secretKey, secretValue: body?.secretValue ?? 'old', secretComment: '' };
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ secret }));
      }
      forward(method, url, req.headers, raw, res);
    });
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
});
afterAll(async () => {
  front.closeAllConnections();
  await new Promise<void>((resolve) => front.close(() => resolve()));
});
afterEach(() => {
  seen.length = 0;
  missingRoute = 'router';
});

function recordingLogger() {
  const info: string[] = [];
  const warn: string[] = [];
  return { logger: { info: (m: string) => void info.push(m), warn: (m: string) => void warn.push(m) }, info, warn };
}

async function loggedIn(baseUrl: string, options: InfisicalClientOptions = {}): Promise<InfisicalClient> {
  const client = new InfisicalClient({ baseUrl, retry: FAST_RETRY, ...options });
  await client.login({ kubernetesAuth: { identityId: env.app().identityId, jwt: env.app().projected.current() } });
  return client;
}

const paths = () => seen.map((s) => `${s.method} ${s.url.split('?')[0]}`);

describe('Generations: auto on a 2024 server', () => {
  it('switches list to /api/v3/secrets/raw on the router 404, returns the same shape, remembers it and logs once', async () => {
    const { logger, info, warn } = recordingLogger();
    const client = await loggedIn(frontUrl, { logger });
    expect(client.secrets.apiVersion).toBeUndefined();
    seen.length = 0;
    const first = await client.secrets.list(where());
    expect(first.secrets.map((s) => s.secretKey).toSorted()).toEqual(['DB_URL', 'GREETING']);
    expect(first).toMatchObject({ imports: [], notModified: false });
    expect(client.secrets.apiVersion).toBe('v3');
    await client.secrets.list(where());
    await client.secrets.get({ ...where(), secretName: 'GREETING' });
    expect(paths()).toEqual(['GET /api/v4/secrets', 'GET /api/v3/secrets/raw', 'GET /api/v3/secrets/raw', 'GET /api/v3/secrets/raw/GREETING']);
    expect(info).toHaveLength(1);
    expect(info[0]).toContain('/api/v3/secrets/raw');
    expect(info[0]).toContain("apiVersion: 'v3'");
    expect(warn).toHaveLength(0);
  });

  it('sends the v3 query: workspaceId, environment, secretPath, expandSecretReferences, include_imports, recursive, tagSlugs', async () => {
    const client = await loggedIn(frontUrl, { apiVersion: 'v3' });
    seen.length = 0;
    await client.secrets.list({ ...where(), secretPath: '/', expandSecretReferences: true, includeImports: true, recursive: false, tagSlugs: ['a', 'b'] });
    const query = new URL(seen[0]!.url, frontUrl).searchParams;
    expect(Object.fromEntries(query)).toEqual({
      workspaceId: env.app().projectId,
      environment: 'prod',
      secretPath: '/',
      expandSecretReferences: 'true',
      include_imports: 'true',
      recursive: 'false',
      tagSlugs: 'a,b',
    });
  });

  it('single reads go to /api/v3/secrets/raw/:name with workspaceId', async () => {
    const client = await loggedIn(frontUrl, { apiVersion: 'v3' });
    seen.length = 0;
    const { secret } = await client.secrets.get({ ...where(), secretName: 'DB_URL' });
    expect(secret).toMatchObject({ secretKey: 'DB_URL', secretValue: 'postgres://db' });
    expect(new URL(seen[0]!.url, frontUrl).searchParams.get('workspaceId')).toBe(env.app().projectId);
  });

  it('writes fall back too, with workspaceId in the body, and answer { secret }', async () => {
    const { logger, warn } = recordingLogger();
    const client = await loggedIn(frontUrl, { logger: { warn: logger.warn } });
    seen.length = 0;
    const created = await client.secrets.create({ ...where(), secretName: 'NEW_KEY', secretValue: 'v1', secretComment: 'c' });
    await client.secrets.update({ ...where(), secretName: 'NEW_KEY', secretValue: 'v2' });
    await client.secrets.delete({ ...where(), secretName: 'NEW_KEY' });
    expect(created.secret).toMatchObject({ secretKey: 'NEW_KEY', secretValue: 'v1' });
    expect(paths()).toEqual(['POST /api/v4/secrets/NEW_KEY', 'POST /api/v3/secrets/raw/NEW_KEY', 'PATCH /api/v3/secrets/raw/NEW_KEY', 'DELETE /api/v3/secrets/raw/NEW_KEY']);
    const scope = { workspaceId: env.app().projectId, environment: 'prod', secretPath: '/', type: 'shared' };
    expect(seen[1]!.body).toEqual({ ...scope, secretValue: 'v1', secretComment: 'c' });
    expect(seen[2]!.body).toEqual({ ...scope, secretValue: 'v2' });
    expect(seen[3]!.body).toEqual(scope);
    // No `info`: the one notice goes to `warn`.
    expect(warn).toHaveLength(1);
  });

  it('pinned v4: the router 404 surfaces, recognised by isRouteNotFoundError, and nothing goes to v3', async () => {
    const client = await loggedIn(frontUrl, { apiVersion: 'v4' });
    seen.length = 0;
    const error = (await rejectionOf(client.secrets.list(where()))) as InfisicalApiError;
    expect(error).toBeInstanceOf(InfisicalApiError);
    expect(error.status).toBe(404);
    expect(error.serverMessage).toMatch(/^Route GET:\/api\/v4\/secrets\?projectId=.* not found$/);
    expect(isRouteNotFoundError(error)).toBe(true);
    expect(paths()).toEqual(['GET /api/v4/secrets']);
    expect(client.secrets.apiVersion).toBe('v4');
  });

  it('the event subscription answers the router 404 as is: isRouteNotFoundError (poll instead)', async () => {
    const client = await loggedIn(frontUrl);
    const error = await rejectionOf(client.events.subscribe({ projectId: env.app().projectId, register: [{ event: 'secret:update' }] }));
    expect(error).toBeInstanceOf(InfisicalApiError);
    expect(isRouteNotFoundError(error)).toBe(true);
  });
});

describe('Generations: a 2024 server in standalone mode (the web app answers unknown paths)', () => {
  it('a 404 HTML page on v4 is probed on v3: an API answer there switches for good, logged once', async () => {
    missingRoute = 'standalone';
    const { logger, info } = recordingLogger();
    const client = await loggedIn(frontUrl, { logger });
    seen.length = 0;
    const { secrets } = await client.secrets.list(where());
    expect(secrets.map((s) => s.secretKey).toSorted()).toEqual(['DB_URL', 'GREETING']);
    await client.secrets.list(where());
    expect(paths()).toEqual(['GET /api/v4/secrets', 'GET /api/v3/secrets/raw', 'GET /api/v3/secrets/raw']);
    expect(client.secrets.apiVersion).toBe('v3');
    expect(info).toHaveLength(1);
  });

  it('a JSON error from v3 (the API answered) also switches, and surfaces that error', async () => {
    missingRoute = 'standalone';
    const client = await loggedIn(frontUrl);
    const error = await rejectionOf(client.secrets.get({ ...where(), secretName: 'MISSING' }));
    expect(error).toMatchObject({ status: 404, serverMessage: "Secret with name 'MISSING' not found" });
    expect(client.secrets.apiVersion).toBe('v3');
  });

  it('the event subscription’s 404 HTML page counts as a missing route (poll instead)', async () => {
    missingRoute = 'standalone';
    const client = await loggedIn(frontUrl);
    const error = await rejectionOf(client.events.subscribe({ projectId: env.app().projectId, register: [{ event: 'secret:update' }] }));
    expect(error).toMatchObject({ code: 'BAD_RESPONSE', status: 404, htmlPage: true });
    expect(isRouteNotFoundError(error)).toBe(true);
  });

  it('a site that answers 404 HTML everywhere (a wrong baseUrl) keeps v4 and surfaces v4’s error', async () => {
    const wrong = createServer((req, res) => {
      req.resume();
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end(NEXT_404);
    });
    await new Promise<void>((resolve) => wrong.listen(0, '127.0.0.1', resolve));
    try {
      const client = new InfisicalClient({ baseUrl: `http://127.0.0.1:${(wrong.address() as AddressInfo).port}`, accessToken: 'test-token', retry: false });
      const error = await rejectionOf(client.secrets.list(where()));
      expect(error).toMatchObject({ code: 'BAD_RESPONSE', status: 404, path: '/api/v4/secrets' });
      expect(client.secrets.apiVersion).toBeUndefined();
    } finally {
      wrong.closeAllConnections();
      await new Promise<void>((resolve) => wrong.close(() => resolve()));
    }
  });
});

describe('Generations: a current server', () => {
  it('auto stays on v4 after the first answer, without a notice', async () => {
    const { logger, info, warn } = recordingLogger();
    const client = await loggedIn(env.emu().infisicalUrl, { logger });
    await client.secrets.list(where());
    expect(client.secrets.apiVersion).toBe('v4');
    expect(info).toHaveLength(0);
    expect(warn).toHaveLength(0);
  });

  it('a 404 that is not the router’s (a missing secret) does not switch routes', async () => {
    const client = await loggedIn(env.emu().infisicalUrl);
    const error = await rejectionOf(client.secrets.get({ ...where(), secretName: 'MISSING' }));
    expect(error).toMatchObject({ status: 404 });
    expect(isRouteNotFoundError(error)).toBe(false);
    expect(client.secrets.apiVersion).toBe('v4');
  });

  it('pinned v3 reads the emulator’s v3 raw routes directly', async () => {
    const client = await loggedIn(env.emu().infisicalUrl, { apiVersion: 'v3' });
    env.emu().counters.reset();
    const { secrets } = await client.secrets.list(where());
    expect(secrets.map((s) => s.secretKey).toSorted()).toEqual(['DB_URL', 'GREETING']);
    expect(env.emu().counters.get('GET /api/v3/secrets/raw')).toBe(1);
    expect(env.emu().counters.get('GET /api/v4/secrets')).toBe(0);
  });

  it('refuses an unknown apiVersion and a logger without warn', () => {
    expect(() => new InfisicalClient({ apiVersion: 'v5' as never })).toThrow(/apiVersion/);
    expect(() => new InfisicalClient({ logger: {} as never })).toThrow(/logger/);
  });
});
