/**
 * Dynamic-secret leases as the server sees them and as the client checks them: the scope and TTL on the
 * wire (seconds become the server's duration string; 60 and 86 400 are the bounds), and an answer without
 * a lease id, a parsable `expireAt` or the credential's fields is `BAD_RESPONSE`, worded by the field and
 * never by its value. A bare loopback server records each request and sends the body under test.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InfisicalClient, InfisicalResponseError } from 'node-infisical';
import { rejectionOf } from './helpers.js';

interface Seen {
  method: string;
  path: string;
  query: Record<string, string>;
  body: Record<string, unknown> | undefined;
}

const LEASE = { id: 'lease-1', expireAt: '2026-12-03T15:00:00.000Z', createdAt: '2026-12-03T14:00:00.000Z', version: 1 };
let reply: unknown = { lease: LEASE, data: { DB_USERNAME: 'u', DB_PASSWORD: 'p-value' } };
let server: Server;
let baseUrl: string;
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const raw = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), body: raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply));
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
  reply = { lease: LEASE, data: { DB_USERNAME: 'u', DB_PASSWORD: 'p-value' } };
});

const leases = () => new InfisicalClient({ baseUrl, accessToken: 't', retry: false }).dynamicSecrets.leases;
const scope = { projectSlug: ' payments ', environmentSlug: ' prod ', path: ' /db ' };
const wireScope = { projectSlug: 'payments', environmentSlug: 'prod', path: '/db' };

describe('Leases on the wire', () => {
  it('create sends the name, the trimmed scope and the TTL as a duration; 60 and 86400 seconds are the bounds', async () => {
    const created = await leases().create({ dynamicSecretName: ' orders-db ', ...scope, ttl: 60 });
    expect(created.lease).toMatchObject({ id: 'lease-1', expireAtMs: Date.parse(LEASE.expireAt) });
    expect(created.data).toEqual({ DB_USERNAME: 'u', DB_PASSWORD: 'p-value' });
    await leases().create({ dynamicSecretName: 'orders-db', ...scope, ttl: 86_400 });
    await leases().create({ dynamicSecretName: 'orders-db', projectSlug: 'payments', environmentSlug: 'prod', ttl: ' 30m ' });
    expect(seen.map((s) => [s.method, s.path, s.body])).toEqual([
      ['POST', '/api/v1/dynamic-secrets/leases', { dynamicSecretName: 'orders-db', ...wireScope, ttl: '60s' }],
      ['POST', '/api/v1/dynamic-secrets/leases', { dynamicSecretName: 'orders-db', ...wireScope, ttl: '86400s' }],
      ['POST', '/api/v1/dynamic-secrets/leases', { dynamicSecretName: 'orders-db', projectSlug: 'payments', environmentSlug: 'prod', path: '/', ttl: '30m' }],
    ]);
  });

  it('renew, revoke and get address the lease by its id (encoded), with the scope', async () => {
    await leases().renew({ leaseId: 'a/b', ...scope, ttl: '1h' });
    await leases().revoke({ leaseId: 'a/b', ...scope, isForced: false });
    await leases().get({ leaseId: 'a/b', ...scope });
    await leases().renew({ leaseId: 'a/b', ...scope });
    expect(seen).toEqual([
      { method: 'POST', path: '/api/v1/dynamic-secrets/leases/a%2Fb/renew', query: {}, body: { ...wireScope, ttl: '1h' } },
      { method: 'DELETE', path: '/api/v1/dynamic-secrets/leases/a%2Fb', query: {}, body: { ...wireScope, isForced: false } },
      { method: 'GET', path: '/api/v1/dynamic-secrets/leases/a%2Fb', query: wireScope, body: undefined },
      { method: 'POST', path: '/api/v1/dynamic-secrets/leases/a%2Fb/renew', query: {}, body: wireScope },
    ]);
  });

  it('refuses a TTL just outside the bounds, saying which way it is wrong', async () => {
    for (const [ttl, words] of [
      [59, 'a number out of range'],
      [86_401, 'a number out of range'],
      [90.5, 'a fraction'],
    ] as const) {
      const error = await rejectionOf(leases().create({ dynamicSecretName: 'd', ...scope, ttl }));
      expect((error as Error).message).toBe(`ttl: must be whole seconds from 60 to 86400 (the server's range), got ${words}`);
    }
    expect((await rejectionOf(leases().create({ dynamicSecretName: 'd', ...scope, ttl: '1 hour' }))) as Error).toMatchObject({
      message: 'ttl: must be seconds (a number) or a duration such as "30m" or "1h", got a string',
    });
    expect(seen).toHaveLength(0);
  });
});

describe('Lease answers that are not a lease', () => {
  it.each([
    ['no lease', { data: {} }, 'lease is an undefined, not a lease object'],
    ['a lease that is a list', { lease: [LEASE], data: {} }, 'lease is an array, not a lease object'],
    ['a lease without an id', { lease: { ...LEASE, id: '' }, data: {} }, 'lease.id is empty, not a non-empty string'],
    ['a lease with a numeric id', { lease: { ...LEASE, id: 7 }, data: {} }, 'lease.id is a whole number, not a non-empty string'],
    ['an expireAt that is no date', { lease: { ...LEASE, expireAt: 'soon' }, data: {} }, 'lease.expireAt is a string, not a date'],
    ['an expireAt that is a number', { lease: { ...LEASE, expireAt: 1_700_000_000_000 }, data: {} }, 'lease.expireAt is a whole number, not a date'],
    ['no credential', { lease: LEASE }, "data is an undefined, not the credential's fields"],
    ['a credential that is a list', { lease: LEASE, data: ['u', 'p'] }, "data is an array, not the credential's fields"],
    ['a null body', null, 'lease is an undefined, not a lease object'],
  ])('create: %s is BAD_RESPONSE, worded by the field', async (_name, body, detail) => {
    reply = body;
    const error = await rejectionOf(leases().create({ dynamicSecretName: 'd', ...scope }));
    expect(error).toBeInstanceOf(InfisicalResponseError);
    expect((error as Error).message).toBe(`Unexpected response to POST /api/v1/dynamic-secrets/leases (HTTP 200): ${detail} (is baseUrl an Infisical server?)`);
  });

  it('renew, revoke and get check the lease the same way', async () => {
    reply = { lease: { ...LEASE, expireAt: null } };
    for (const call of [
      () => leases().renew({ leaseId: 'l', ...scope }),
      () => leases().revoke({ leaseId: 'l', ...scope }),
      () => leases().get({ leaseId: 'l', ...scope }),
    ]) {
      const error = await rejectionOf(call());
      expect(error).toMatchObject({ code: 'BAD_RESPONSE' });
      expect((error as Error).message).toContain('lease.expireAt is null, not a date');
    }
  });
});
