/**
 * How an error answer becomes an `InfisicalApiError` (or a `BAD_RESPONSE`), at the edges: server text is
 * clipped at a fixed size with a count of what was left out, a 422 issue list is summarised by path and
 * message (ten at most), an answer without a message falls back to the status line, and an HTML page is
 * recognised even after leading blank lines. A bare loopback server sends the exact bytes under test.
 */
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfisicalApiError, InfisicalClient, InfisicalResponseError } from 'node-infisical';
import { rejectionOf } from './helpers.js';

interface Canned {
  status: number;
  contentType: string;
  body: string;
}

let server: Server;
let baseUrl: string;
let canned: Canned = { status: 500, contentType: 'application/json', body: '{}' };

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(canned.status, { 'content-type': canned.contentType });
      res.end(canned.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const where = { projectId: 'p', environment: 'prod', secretPath: '/' };
async function failureOf(answer: Canned): Promise<unknown> {
  canned = answer;
  return rejectionOf(new InfisicalClient({ baseUrl, accessToken: 'test-token', retry: false, apiVersion: 'v4' }).secrets.list(where));
}
const envelope = (status: number, fields: Record<string, unknown>): Canned => ({ status, contentType: 'application/json', body: JSON.stringify({ statusCode: status, ...fields }) });
async function apiFailure(answer: Canned): Promise<InfisicalApiError> {
  const error = await failureOf(answer);
  expect(error).toBeInstanceOf(InfisicalApiError);
  return error as InfisicalApiError;
}

describe('Error envelope: server text is bounded', () => {
  it('keeps a message of exactly 1000 characters whole', async () => {
    const message = 'm'.repeat(1000);
    const error = await apiFailure(envelope(400, { error: 'BadRequest', message }));
    expect(error.serverMessage).toBe(message);
  });

  it('clips a longer message at 1000 characters and says how many were left out', async () => {
    const error = await apiFailure(envelope(400, { error: 'BadRequest', message: `${'m'.repeat(1000)}${'t'.repeat(234)}` }));
    expect(error.serverMessage).toBe(`${'m'.repeat(1000)}… (234 more characters)`);
    expect(error.message).toContain('… (234 more characters)');
  });

  it('clips the error name and the request id at 100 characters; drops them when they are not strings', async () => {
    const long = await apiFailure(envelope(400, { error: 'E'.repeat(150), reqId: 'r'.repeat(101), message: 'x' }));
    expect(long.serverError).toBe(`${'E'.repeat(100)}… (50 more characters)`);
    expect(long.reqId).toBe(`${'r'.repeat(100)}… (1 more characters)`);
    const typed = await apiFailure(envelope(400, { error: 42, reqId: { id: 'x' }, message: 'x' }));
    expect(typed.serverError).toBeUndefined();
    expect(typed.reqId).toBeUndefined();
    expect(typed.message).not.toContain('reqId');
  });
});

const issue = (path: unknown, message: unknown = 'Required') => ({ code: 'invalid_type', path, message, received: 'the-received-value' });
const issues = (n: number) => Array.from({ length: n }, (_, i) => issue([`f${i}`]));

describe('Error envelope: a 422 issue list', () => {

  it('names each issue by its dotted path and message, the body itself as (body), odd path parts as ?', async () => {
    const error = await apiFailure(
      envelope(422, { error: 'ValidationFailure', message: [issue(['register', 0, 'event']), issue([]), issue(['a', { x: 1 }, true]), issue(['n'], 7), null] }),
    );
    expect(error.serverMessage).toBe('register.0.event: Required; (body): Required; a.?.?: Required; n: invalid; (body): invalid');
    expect(error.message).not.toContain('the-received-value');
  });

  it('clips a path and a message at 200 characters each', async () => {
    const error = await apiFailure(envelope(422, { message: [issue(['p'.repeat(201)], 'q'.repeat(230))] }));
    expect(error.serverMessage).toBe(`${'p'.repeat(200)}… (1 more characters): ${'q'.repeat(200)}… (30 more characters)`);
  });

  it('lists ten issues at most and counts the rest', async () => {
    const ten = await apiFailure(envelope(422, { message: issues(10) }));
    expect(ten.serverMessage).toBe(Array.from({ length: 10 }, (_, i) => `f${i}: Required`).join('; '));
    const twelve = await apiFailure(envelope(422, { message: issues(12) }));
    expect(twelve.serverMessage).toBe(`${Array.from({ length: 10 }, (_, i) => `f${i}: Required`).join('; ')}; and 2 more`);
  });
});

describe('Error envelope: no message to copy', () => {
  it('an error status with an empty or blank body is still the API error, worded with the status line', async () => {
    for (const body of ['', '   \n']) {
      const error = await apiFailure({ status: 503, contentType: 'application/json', body });
      expect(error).toMatchObject({ status: 503, code: 'HTTP_503', serverMessage: 'Service Unavailable', serverError: undefined });
    }
  });

  it('a status line without a reason phrase says "no message"', async () => {
    // Node's HTTP server always adds a reason phrase; a raw socket writes the bare status line some proxies send.
    const raw = createNetServer((socket) => {
      socket.once('data', () => socket.end('HTTP/1.1 500 \r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}'));
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    try {
      const client = new InfisicalClient({ baseUrl: `http://127.0.0.1:${(raw.address() as AddressInfo).port}`, accessToken: 't', retry: false, apiVersion: 'v4' });
      const error = (await rejectionOf(client.secrets.list(where))) as InfisicalApiError;
      expect(error).toBeInstanceOf(InfisicalApiError);
      expect(error).toMatchObject({ status: 500, serverMessage: 'no message' });
    } finally {
      await new Promise<void>((resolve) => raw.close(() => resolve()));
    }
  });
});

describe('Error envelope: HTML pages', () => {
  it('an HTML page after blank lines is still an HTML page (a proxy), not malformed JSON', async () => {
    const error = await failureOf({ status: 404, contentType: 'text/html', body: '\r\n\n  <!doctype html><html>Not Found</html>' });
    expect(error).toBeInstanceOf(InfisicalResponseError);
    expect(error).toMatchObject({ code: 'BAD_RESPONSE', status: 404, htmlPage: true });
  });

  it('JSON whose text holds a "<" is read as JSON, whatever its content-type says', async () => {
    const error = await apiFailure({ status: 400, contentType: 'text/plain', body: JSON.stringify({ error: 'BadRequest', message: 'a <b> tag' }) });
    expect(error.serverMessage).toBe('a <b> tag');
  });
});
