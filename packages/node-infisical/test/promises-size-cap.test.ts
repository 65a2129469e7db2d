/**
 * `maxResponseBytes`: a body of exactly the cap is taken, one byte more is `RESPONSE_TOO_LARGE`, whether
 * the server declares its length or streams it chunked; and an oversized body is cancelled, never read to
 * its end (the server sees the connection let go while it is still sending).
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { InfisicalClient, InfisicalResponseTooLargeError } from 'node-infisical';
import { rejectionOf } from './helpers.js';

const LIMIT = 2048;
const where = { projectId: 'p', environment: 'prod', secretPath: '/' };

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function serve(handler: (res: ServerResponse) => void): Promise<InfisicalClient> {
  server = createServer((req, res) => {
    req.resume();
    handler(res);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return new InfisicalClient({ baseUrl: `http://127.0.0.1:${port}`, accessToken: 'test-token', retry: false, apiVersion: 'v4', maxResponseBytes: LIMIT });
}

/** A list answer of exactly `bytes` bytes (ASCII), padded inside a secret's value. */
const EMPTY = JSON.stringify({ secrets: [{ secretKey: 'A', secretValue: '' }], imports: [] });
function listOf(bytes: number): string {
  return JSON.stringify({ secrets: [{ secretKey: 'A', secretValue: 'x'.repeat(bytes - EMPTY.length) }], imports: [] });
}

describe('maxResponseBytes', () => {
  it.each([
    ['with a content-length', true],
    ['chunked', false],
  ])('takes a body of exactly the cap, %s', async (_name, declared) => {
    const body = listOf(LIMIT);
    expect(Buffer.byteLength(body)).toBe(LIMIT);
    const client = await serve((res) => {
      res.writeHead(200, { 'content-type': 'application/json', ...(declared ? { 'content-length': String(LIMIT) } : {}) });
      if (declared) return void res.end(body);
      // Two chunks, so the running count is what decides.
      res.write(body.slice(0, 1000));
      res.end(body.slice(1000));
    });
    const { secrets } = await client.secrets.list(where);
    expect(secrets[0]?.secretValue).toHaveLength(LIMIT - EMPTY.length);
  });

  it.each([
    ['with a content-length', true],
    ['chunked', false],
  ])('refuses one byte over the cap, %s', async (_name, declared) => {
    const body = listOf(LIMIT + 1);
    const client = await serve((res) => {
      res.writeHead(200, { 'content-type': 'application/json', ...(declared ? { 'content-length': String(LIMIT + 1) } : {}) });
      if (declared) return void res.end(body);
      res.write(body.slice(0, 1000));
      res.end(body.slice(1000));
    });
    const error = await rejectionOf(client.secrets.list(where));
    expect(error).toBeInstanceOf(InfisicalResponseTooLargeError);
    expect(error).toMatchObject({ code: 'RESPONSE_TOO_LARGE', status: 200, method: 'GET', path: '/api/v4/secrets', limitBytes: LIMIT });
  });

  it.each([
    ['that declares a huge length', true],
    ['that streams without end', false],
  ])('cancels a body %s instead of reading it', async (_name, declared) => {
    let release!: () => void;
    const closed = new Promise<void>((resolve) => (release = resolve));
    const client = await serve((res) => {
      res.writeHead(200, { 'content-type': 'application/json', ...(declared ? { 'content-length': String(1024 * 1024 * 1024) } : {}) });
      // Keeps the body open (only the client can end this exchange): a declared length is refused before any of
      // the body is read, a stream once it passes the cap.
      res.write('x'.repeat(declared ? 10 : LIMIT + 512));
      res.on('close', release);
    });
    const error = await rejectionOf(client.secrets.list(where));
    expect(error).toMatchObject({ code: 'RESPONSE_TOO_LARGE', limitBytes: LIMIT });
    await closed;
  });

  it('reads JSON that comes without a content-type', async () => {
    const client = await serve((res) => {
      res.writeHead(200);
      res.end(listOf(100));
    });
    expect((await client.secrets.list(where)).secrets).toHaveLength(1);
  });
});
