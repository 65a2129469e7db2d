/**
 * The secrets routes as the server sees them (a bare loopback server records each request), and the
 * v4 → v3 switch at its edges: what each option becomes in the query or body, a route generation that is
 * only settled by an answer from the API, a probe of v3 that finds nothing (a router 404 or no answer)
 * keeping v4, and one notice however many requests meet the switch at once.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InfisicalClient, type InfisicalClientOptions } from 'node-infisical';
import { rejectionOf } from './helpers.js';

interface Seen {
  method: string;
  path: string;
  query: Record<string, string>;
  body: Record<string, unknown> | undefined;
}

/** How the server answers a v4 route and a v3 route. */
type Mode = 'current' | 'router-404' | 'html-404-then-router-404' | 'html-404-then-reset';
let mode: Mode = 'current';
let server: Server;
let baseUrl: string;
const seen: Seen[] = [];
const secret = { id: 's1', secretKey: 'A', secretValue: 'a', version: 3, type: 'shared', environment: 'prod', secretPath: '/' };
const NEXT_404 = '<!DOCTYPE html><html><body><h1>404</h1></body></html>';

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const raw = Buffer.concat(chunks).toString('utf8');
      const method = req.method ?? 'GET';
      seen.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams), body: raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined });
      const v4 = url.pathname.startsWith('/api/v4/');
      if (v4 && mode !== 'current') {
        if (mode === 'router-404') {
          res.writeHead(404, { 'content-type': 'application/json' });
          return void res.end(JSON.stringify({ statusCode: 404, error: 'Not Found', message: `Route ${method}:${req.url} not found` }));
        }
        res.writeHead(404, { 'content-type': 'text/html' });
        return void res.end(NEXT_404);
      }
      if (!v4 && mode === 'html-404-then-reset') return void req.socket.destroy();
      if (!v4 && mode === 'html-404-then-router-404') {
        res.writeHead(404, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ statusCode: 404, error: 'Not Found', message: `Route ${method}:${req.url} not found` }));
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(url.pathname.endsWith('/secrets') || url.pathname.endsWith('/raw') ? { secrets: [secret], imports: [] } : { secret }));
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
  mode = 'current';
});

const client = (options: InfisicalClientOptions = {}) => new InfisicalClient({ baseUrl, accessToken: 't', retry: false, ...options });
const where = { projectId: ' p1 ', environment: ' prod ', secretPath: ' /backend ' };
const only = (): Seen => {
  expect(seen).toHaveLength(1);
  return seen[0]!;
};

describe('Secrets on the wire (v4)', () => {
  it('list: the scope trimmed, every flag as "true"/"false", tags joined; nothing the caller left out', async () => {
    await client().secrets.list({ ...where, recursive: false, expandSecretReferences: true, includeImports: false, viewSecretValue: true, tagSlugs: ['a', 'b'] });
    expect(only()).toMatchObject({
      method: 'GET',
      path: '/api/v4/secrets',
      query: { projectId: 'p1', environment: 'prod', secretPath: '/backend', recursive: 'false', expandSecretReferences: 'true', include_imports: 'false', viewSecretValue: 'true', tagSlugs: 'a,b' },
    });
    seen.length = 0;
    await client().secrets.list({ projectId: 'p1', environment: 'prod', tagSlugs: [] });
    expect(only().query).toEqual({ projectId: 'p1', environment: 'prod', secretPath: '/' });
  });

  it('get: the name in the path (encoded), version and type in the query', async () => {
    const { secret: read } = await client().secrets.get({ ...where, secretName: 'DB URL/x', version: 3, type: 'personal', includeImports: true });
    expect(read).toMatchObject({ secretKey: 'A', secretValue: 'a' });
    expect(only()).toMatchObject({ method: 'GET', path: '/api/v4/secrets/DB%20URL%2Fx', query: { projectId: 'p1', environment: 'prod', secretPath: '/backend', version: '3', type: 'personal', include_imports: 'true' } });
    seen.length = 0;
    await client().secrets.get({ projectId: 'p1', environment: 'prod', secretName: 'A' });
    expect(only().query).toEqual({ projectId: 'p1', environment: 'prod', secretPath: '/' });
  });

  it('create, update and delete: the scope and only the fields given, in the body', async () => {
    const c = client();
    await c.secrets.create({ ...where, secretName: 'A', secretValue: 'v', secretComment: 'why' });
    await c.secrets.update({ ...where, secretName: 'A', secretComment: 'only the comment' });
    await c.secrets.delete({ ...where, secretName: 'A', type: 'personal' });
    const scope = { projectId: 'p1', environment: 'prod', secretPath: '/backend' };
    expect(seen.map(({ method, path, body }) => ({ method, path, body }))).toEqual([
      { method: 'POST', path: '/api/v4/secrets/A', body: { ...scope, type: 'shared', secretValue: 'v', secretComment: 'why' } },
      { method: 'PATCH', path: '/api/v4/secrets/A', body: { ...scope, type: 'shared', secretComment: 'only the comment' } },
      { method: 'DELETE', path: '/api/v4/secrets/A', body: { ...scope, type: 'personal' } },
    ]);
  });
});

describe('The v4 → v3 switch at its edges', () => {
  it('auto stays undecided after an answer that is not the API’s (no answer at all)', async () => {
    const c = new InfisicalClient({ baseUrl: 'http://127.0.0.1:6000', accessToken: 't', retry: false });
    expect(await rejectionOf(c.secrets.list({ projectId: 'p', environment: 'prod' }))).toMatchObject({ code: 'NETWORK' });
    expect(c.secrets.apiVersion).toBeUndefined();
  });

  it('a v4 HTML 404 whose v3 probe gets the router 404 keeps v4 and surfaces v4’s error', async () => {
    mode = 'html-404-then-router-404';
    const c = client();
    const error = await rejectionOf(c.secrets.list(where));
    expect(error).toMatchObject({ code: 'BAD_RESPONSE', status: 404, htmlPage: true, path: '/api/v4/secrets' });
    expect(c.secrets.apiVersion).toBeUndefined();
    expect(seen.map((s) => s.path)).toEqual(['/api/v4/secrets', '/api/v3/secrets/raw']);
  });

  it('a v4 HTML 404 whose v3 probe gets no answer keeps v4 and surfaces v4’s error', async () => {
    mode = 'html-404-then-reset';
    const c = client();
    expect(await rejectionOf(c.secrets.list(where))).toMatchObject({ code: 'BAD_RESPONSE', status: 404, path: '/api/v4/secrets' });
    expect(c.secrets.apiVersion).toBeUndefined();
  });

  it('requests that meet the switch at once give one notice, and all land on v3', async () => {
    mode = 'router-404';
    const notices: string[] = [];
    const c = client({ logger: { warn: (m) => void notices.push(m) } });
    const results = await Promise.all([c.secrets.list(where), c.secrets.list(where), c.secrets.get({ ...where, secretName: 'A' })]);
    expect(results).toHaveLength(3);
    expect(notices).toHaveLength(1);
    expect(c.secrets.apiVersion).toBe('v3');
    expect(seen.filter((s) => s.path.startsWith('/api/v3/'))).toHaveLength(3);
  });

  it('v3 sends the project as workspaceId, on reads and writes alike', async () => {
    const c = client({ apiVersion: 'v3' });
    await c.secrets.list({ projectId: 'p1', environment: 'prod' });
    await c.secrets.delete({ projectId: 'p1', environment: 'prod', secretName: 'A' });
    expect(seen[0]).toMatchObject({ path: '/api/v3/secrets/raw', query: { workspaceId: 'p1', environment: 'prod', secretPath: '/' } });
    expect(seen[1]).toMatchObject({ method: 'DELETE', path: '/api/v3/secrets/raw/A', body: { workspaceId: 'p1', environment: 'prod', secretPath: '/', type: 'shared' } });
  });
});
