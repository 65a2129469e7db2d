/**
 * Conditional reads: `list` returns the answer's `ETag` and sends `If-None-Match` when given one; a
 * `304` keeps the caller's snapshot (`notModified: true`), is neither an error nor retried, and has no
 * body to check. The emulator serves ETags; a bare loopback server plays the 304 (the emulator in this
 * branch does not answer `If-None-Match` yet).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfisicalClient, InfisicalValidationError } from 'node-infisical';
import { appClient, rejectionOf, useEmulator } from './helpers.js';

const env = useEmulator({}, { secrets: { A: 'a-value' } });
const where = () => ({ projectId: env.app().projectId, environment: 'prod', secretPath: '/' });

describe('Conditional reads: ETag from the emulator', () => {
  it('returns the ETag header, stable while nothing changes and new after a change', async () => {
    const client = await appClient(env.emu(), env.app());
    const first = await client.secrets.list(where());
    expect(first.etag).toMatch(/^"[^"]+"$/);
    expect(first.notModified).toBe(false);
    expect((await client.secrets.list(where())).etag).toBe(first.etag);
    env.emu().setSecrets(env.app().projectId, 'prod', { A: 'a-value-2' });
    expect((await client.secrets.list(where())).etag).not.toBe(first.etag);
  });
});

const ETAG = '"v1-abc"';
let server: Server;
let baseUrl: string;
const received: Array<string | undefined> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    const match = req.headers['if-none-match'];
    received.push(match);
    if (match === ETAG) {
      res.writeHead(304, { etag: ETAG });
      return void res.end();
    }
    res.writeHead(200, { 'content-type': 'application/json', etag: ETAG });
    res.end(JSON.stringify({ secrets: [{ secretKey: 'A', secretValue: 'a' }], imports: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const client = () => new InfisicalClient({ baseUrl, accessToken: 'test-token', retry: { retries: 3, baseDelayMs: 1 } });
const scope = { projectId: 'p', environment: 'prod', secretPath: '/' };

describe('Conditional reads: If-None-Match and 304', () => {
  it('sends no If-None-Match unless asked, and reads the ETag of a full answer', async () => {
    received.length = 0;
    const result = await client().secrets.list(scope);
    expect(result).toEqual({ secrets: [{ secretKey: 'A', secretValue: 'a' }], imports: [], etag: ETAG, notModified: false });
    expect(received).toEqual([undefined]);
  });

  it('a 304 answers notModified with the etag sent and empty lists, once, without an error', async () => {
    received.length = 0;
    const result = await client().secrets.list({ ...scope, ifNoneMatch: ETAG });
    expect(result).toEqual({ secrets: [], imports: [], etag: ETAG, notModified: true });
    expect(received).toEqual([ETAG]);
  });

  it('a stale etag gets the full answer', async () => {
    const result = await client().secrets.list({ ...scope, ifNoneMatch: '"old"' });
    expect(result).toMatchObject({ notModified: false, etag: ETAG, secrets: [{ secretKey: 'A' }] });
  });

  it('refuses an ifNoneMatch that is empty or spans lines, before any request', async () => {
    received.length = 0;
    for (const bad of ['', ' ', '"a"\r\nx-evil: 1', '"é"', 5]) {
      const error = await rejectionOf(client().secrets.list({ ...scope, ifNoneMatch: bad as string }));
      expect(error).toBeInstanceOf(InfisicalValidationError);
      expect(error).toMatchObject({ field: 'ifNoneMatch' });
    }
    expect(received).toEqual([]);
  });
});
