/**
 * Redirects are never followed: a 3xx is an `InfisicalRedirectError` naming the target origin and the
 * fix, sent once, and nothing (token, JWT, client secret) reaches the target. One loopback server
 * redirects every request; a second one, the target, records whether it was ever hit.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InfisicalClient, InfisicalRedirectError } from 'node-infisical';
import { rejectionOf } from './helpers.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

let redirector: Server;
let target: Server;
let redirectUrl: string;
let targetOrigin: string;
let status = 307;
let location: (origin: string) => string | undefined = (origin) => `${origin}/collect?token=stolen-here`;
let redirected = 0;
const targetHits: IncomingMessage[] = [];

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  target = createServer((req, res) => {
    targetHits.push(req);
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ accessToken: JWT, expiresIn: 60, accessTokenMaxTTL: 60, tokenType: 'Bearer', secrets: [] }));
  });
  targetOrigin = await listen(target);
  redirector = createServer((req, res) => {
    redirected += 1;
    req.resume();
    const to = location(targetOrigin);
    res.writeHead(status, { 'content-type': 'text/html', ...(to !== undefined ? { location: to } : {}) });
    res.end('<html>Moved</html>');
  });
  redirectUrl = await listen(redirector);
});
afterAll(async () => {
  for (const server of [redirector, target]) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
afterEach(() => {
  status = 307;
  location = (origin) => `${origin}/collect?token=stolen-here`;
  redirected = 0;
  targetHits.length = 0;
});

const client = () => new InfisicalClient({ baseUrl: redirectUrl, accessToken: JWT, retry: { retries: 3, baseDelayMs: 1 } });
const where = { projectId: 'p', environment: 'prod', secretPath: '/' };

/** A spec-following fetch: it hides the 3xx behind `type: "opaqueredirect"` and status 0 instead of returning it. */
const opaque: typeof fetch = async (input, init) => {
  const real = await fetch(input, init);
  await real.body?.cancel();
  const hidden = new Response(null, { status: 200 });
  Object.defineProperty(hidden, 'status', { value: 0 });
  Object.defineProperty(hidden, 'ok', { value: false });
  Object.defineProperty(hidden, 'type', { value: 'opaqueredirect' });
  return hidden;
};

describe('Redirects: never followed', () => {
  it.each([
    ['kubernetes login', 'POST', '/api/v1/auth/kubernetes-auth/login', (c: InfisicalClient) => c.login({ kubernetesAuth: { identityId: 'id', jwt: JWT } })],
    ['universal login', 'POST', '/api/v1/auth/universal-auth/login', (c: InfisicalClient) => c.login({ universalAuth: { clientId: 'cid', clientSecret: 'csecret' } })],
    ['renew', 'POST', '/api/v1/auth/token/renew', (c: InfisicalClient) => c.auth.renew()],
    ['revoke', 'POST', '/api/v1/auth/token/revoke', (c: InfisicalClient) => c.auth.revoke()],
    ['list', 'GET', '/api/v4/secrets', (c: InfisicalClient) => c.secrets.list(where)],
    ['the event subscription', 'POST', '/api/v1/events/subscribe/project-events', (c: InfisicalClient) => c.events.subscribe({ projectId: 'p', register: [{ event: 'secret:update' }] })],
  ] as const)('%s: a 307 is InfisicalRedirectError, sent once, the target never hit', async (_name, method, path, call) => {
    const error = (await rejectionOf(call(client()))) as InfisicalRedirectError;
    expect(error).toBeInstanceOf(InfisicalRedirectError);
    expect(error).toMatchObject({ code: 'REDIRECT', name: 'InfisicalRedirectError', status: 307, method, path, location: targetOrigin });
    expect(error.message).toContain(targetOrigin);
    expect(error.message).toContain('set baseUrl (siteUrl) to the final URL');
    // Only the origin: the target's path and query could carry anything.
    expect(JSON.stringify(error)).not.toContain('stolen-here');
    expect(error.message).not.toContain('/collect');
    expect(redirected).toBe(1);
    expect(targetHits).toHaveLength(0);
  });

  it.each([300, 301, 302, 303, 308])('list: a %i is not followed either', async (code) => {
    status = code;
    const error = await rejectionOf(client().secrets.list(where));
    expect(error).toMatchObject({ code: 'REDIRECT', status: code, location: targetOrigin });
    expect(targetHits).toHaveLength(0);
  });

  it('resolves a relative Location against the request: same origin, still not followed', async () => {
    location = () => '/elsewhere/api/v4/secrets';
    const error = await rejectionOf(client().secrets.list(where));
    expect(error).toMatchObject({ code: 'REDIRECT', location: redirectUrl });
    expect(redirected).toBe(1);
  });

  it('says so when the redirect names no usable Location', async () => {
    location = () => undefined;
    const error = (await rejectionOf(client().secrets.list(where))) as InfisicalRedirectError;
    expect(error).toMatchObject({ code: 'REDIRECT', location: undefined });
    expect(error.message).toContain('without a usable Location');
  });

  it.each([
    ['a Location with an opaque origin', 'mailto:ops@example.com'],
    ['a Location that is not a URL', 'http://[not-a-host'],
  ])('says so for %s, and names no origin', async (_name, to) => {
    location = () => to;
    const error = (await rejectionOf(client().secrets.list(where))) as InfisicalRedirectError;
    expect(error).toMatchObject({ code: 'REDIRECT', status: 307, location: undefined });
    expect(error.message).toContain('without a usable Location');
    expect(error.message).not.toContain('null');
  });

  it('a fetch that follows the spec (an opaque redirect, status 0) is refused the same way', async () => {
    const c = new InfisicalClient({ baseUrl: redirectUrl, accessToken: JWT, fetch: opaque, retry: { retries: 3, baseDelayMs: 1 } });
    const error = await rejectionOf(c.secrets.list(where));
    expect(error).toBeInstanceOf(InfisicalRedirectError);
    expect(error).toMatchObject({ code: 'REDIRECT', status: 0, location: undefined });
    expect(redirected).toBe(1);
    expect(targetHits).toHaveLength(0);
  });

  it('lets go of the connection of a redirect whose body never ends', async () => {
    let release!: () => void;
    const closed = new Promise<void>((resolve) => (release = resolve));
    const endless = createServer((req, res) => {
      req.resume();
      res.writeHead(307, { location: `${targetOrigin}/x`, 'content-type': 'text/html' });
      res.write('<html>'.repeat(1000));
      res.on('close', release);
    });
    const url = await listen(endless);
    try {
      const error = await rejectionOf(new InfisicalClient({ baseUrl: url, accessToken: JWT, retry: false }).secrets.list(where));
      expect(error).toMatchObject({ code: 'REDIRECT' });
      // Waits on the server seeing the connection end: a body left unread would hold it open.
      await closed;
    } finally {
      endless.closeAllConnections();
      await new Promise<void>((resolve) => endless.close(() => resolve()));
    }
  });

  it('a 304 to a request without If-None-Match is a BAD_RESPONSE, not an empty folder', async () => {
    status = 304;
    const error = await rejectionOf(client().secrets.list(where));
    expect(error).toMatchObject({ code: 'BAD_RESPONSE', status: 304 });
    expect((error as Error).message).toContain('304 Not Modified to a request that sent no If-None-Match');
  });
});
