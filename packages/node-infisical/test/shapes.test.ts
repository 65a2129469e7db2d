/**
 * Every answer the client takes is checked for its route's shape: list, single secret, writes, login,
 * renew, and error envelopes. Bodies come from a bare loopback server (a real HTTP answer, whatever
 * bytes the test sets); anything that is not the shape is an `InfisicalResponseError`, never a guessed
 * empty folder. The property half feeds arbitrary JSON and non-JSON bodies.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as fc from 'fast-check';
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
let canned: Canned = { status: 200, contentType: 'application/json', body: '{}' };
let hits = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hits += 1;
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

const answer = (body: string, status = 200, contentType = 'application/json') => {
  canned = { status, contentType, body };
};
const client = () => new InfisicalClient({ baseUrl, accessToken: 'test-token', retry: false, apiVersion: 'v4' });
const where = { projectId: 'p', environment: 'prod', secretPath: '/' };
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

const calls = {
  list: (c: InfisicalClient) => c.secrets.list(where),
  get: (c: InfisicalClient) => c.secrets.get({ ...where, secretName: 'A' }),
  create: (c: InfisicalClient) => c.secrets.create({ ...where, secretName: 'A', secretValue: 'v' }),
  login: (c: InfisicalClient) => c.login({ kubernetesAuth: { identityId: 'id', jwt: JWT } }),
  renew: (c: InfisicalClient) => c.auth.renew(),
} as const;
type Call = keyof typeof calls;

const secret = { id: 's1', secretKey: 'A', secretValue: 'value-1', version: 1, type: 'shared', environment: 'prod' };

describe('Shapes: bodies that are not the route’s answer', () => {
  it.each([
    ['an empty body', ''],
    ['null', 'null'],
    ['{}', '{}'],
    ['[]', '[]'],
    ['{"secrets":"nope"}', '{"secrets":"nope"}'],
    ['{"message":"ok"}', '{"message":"ok"}'],
    ['a number', '42'],
    ['a secret without a value', JSON.stringify({ secrets: [{ secretKey: 'A' }] })],
    ['a secret whose value is a number', JSON.stringify({ secrets: [{ secretKey: 'A', secretValue: 5 }] })],
    ['a secret without a key', JSON.stringify({ secrets: [{ secretValue: 'v' }] })],
    ['a null item', JSON.stringify({ secrets: [null] })],
    ['imports that are not a list', JSON.stringify({ secrets: [], imports: {} })],
    ['an import without secrets', JSON.stringify({ secrets: [], imports: [{ secretPath: '/', environment: 'dev' }] })],
    ['an import whose secret has no value', JSON.stringify({ secrets: [], imports: [{ secretPath: '/', environment: 'dev', secrets: [{ secretKey: 'B' }] }] })],
  ])('list rejects %s with BAD_RESPONSE', async (_name, body) => {
    answer(body);
    const error = await rejectionOf(calls.list(client()));
    expect(error).toBeInstanceOf(InfisicalResponseError);
    expect(error).toMatchObject({ code: 'BAD_RESPONSE', status: 200, method: 'GET', path: '/api/v4/secrets' });
  });

  it.each([
    ['', 'the body is missing, not a secrets list'],
    ['null', 'the body is null, not a secrets list'],
    ['[]', 'the body is an array, not a secrets list'],
    ['"text"', 'the body is a string, not a secrets list'],
    ['{}', 'secrets is missing, not an array of secrets'],
    ['{"secrets":{}}', 'secrets is an object, not an array of secrets'],
    [JSON.stringify({ secrets: [secret, 7] }), 'secrets[1] is a number, not a secret object'],
    [JSON.stringify({ secrets: [{ secretKey: null, secretValue: 'v' }] }), 'secrets[0].secretKey is null, not a string'],
    [JSON.stringify({ secrets: [{ secretKey: 'A', secretValue: [] }] }), 'secrets[0].secretValue is an array, not a string'],
    [JSON.stringify({ secrets: [], imports: 'x' }), 'imports is a string, not an array'],
    [JSON.stringify({ secrets: [], imports: [null] }), 'imports[0] is null, not an import object'],
    [JSON.stringify({ secrets: [], imports: [{ environment: 'dev', secrets: [] }] }), 'imports[0].secretPath is missing, not a string'],
    [JSON.stringify({ secrets: [], imports: [{ secretPath: '/', environment: 1, secrets: [] }] }), 'imports[0].environment is a number, not a string'],
    [JSON.stringify({ secrets: [], imports: [{ secretPath: '/', environment: 'dev', secrets: [{ secretKey: 'B', secretValue: true }] }] }), 'imports[0].secrets[0].secretValue is a boolean, not a string'],
  ])('list words %s by the faulty field and its kind', async (body, detail) => {
    answer(body);
    const error = (await rejectionOf(calls.list(client()))) as InfisicalResponseError;
    expect(error.message).toBe(`Unexpected response to GET /api/v4/secrets (HTTP 200): ${detail} (is baseUrl an Infisical server?)`);
  });

  it.each([
    ['get', '[]', 'the body is an array, not a secret answer'],
    ['get', '{"secret":"A"}', 'secret is a string, not a secret object'],
    ['create', 'null', 'the body is null, not a write answer'],
    ['create', '{"secret":[]}', 'secret is an array, not a secret object'],
    ['create', '{"secret":{"secretKey":3}}', 'secret.secretKey is a number, not a string'],
    ['create', '{"approval":"pending"}', 'secret is missing, not a secret object'],
    ['login', '7', 'the body is a number, not a login answer'],
    ['login', JSON.stringify({ accessToken: '  ', expiresIn: 1, accessTokenMaxTTL: 1 }), 'accessToken is a string, not a non-empty string'],
    ['login', JSON.stringify({ accessToken: JWT, expiresIn: -1, accessTokenMaxTTL: 1 }), 'expiresIn is a negative number, not a number of seconds'],
    ['login', JSON.stringify({ accessToken: JWT, expiresIn: 1, accessTokenMaxTTL: null }), 'accessTokenMaxTTL is null, not a number of seconds'],
    ['renew', JSON.stringify({ accessToken: JWT, expiresIn: 1, accessTokenMaxTTL: 1, tokenType: {} }), 'tokenType is an object, not a string'],
  ] as const)('%s words %s by the faulty field and its kind', async (call, body, detail) => {
    answer(body);
    const error = (await rejectionOf(calls[call](client()))) as InfisicalResponseError;
    expect(error.message).toContain(`: ${detail} (is baseUrl an Infisical server?)`);
  });

  it('accepts zero lifetimes and fills in tokenType', async () => {
    answer(JSON.stringify({ accessToken: JWT, expiresIn: 0, accessTokenMaxTTL: 0 }));
    expect(await calls.login(client())).toEqual({ accessToken: JWT, expiresIn: 0, accessTokenMaxTTL: 0, tokenType: 'Bearer' });
  });

  it('names the faulty field without echoing a value', async () => {
    answer(JSON.stringify({ secrets: [secret, { secretKey: 'B', secretValue: { nested: 'hunter2-value' } }] }));
    const error = (await rejectionOf(calls.list(client()))) as InfisicalResponseError;
    expect(error.message).toContain('secrets[1].secretValue is an object');
    expect(error.message).not.toContain('hunter2');
  });

  it('accepts a real list, imports absent or present, and passes extra fields through', async () => {
    answer(JSON.stringify({ secrets: [{ ...secret, extra: 1 }] }));
    expect(await calls.list(client())).toEqual({ secrets: [{ ...secret, extra: 1 }], imports: [], etag: undefined, notModified: false });
    answer(JSON.stringify({ secrets: [], imports: [{ secretPath: '/', environment: 'dev', secrets: [secret] }] }));
    expect((await calls.list(client())).imports).toEqual([{ secretPath: '/', environment: 'dev', secrets: [secret] }]);
  });

  it.each([
    ['get', '{}'],
    ['get', '{"secret":null}'],
    ['get', JSON.stringify({ secret: { secretKey: 'A' } })],
    ['create', '{}'],
    ['create', '{"secret":"A"}'],
    ['create', ''],
    ['login', ''],
    ['login', '{}'],
    ['login', JSON.stringify({ accessToken: '', expiresIn: 10, accessTokenMaxTTL: 10 })],
    ['login', JSON.stringify({ accessToken: JWT, expiresIn: '3600', accessTokenMaxTTL: 10 })],
    ['login', JSON.stringify({ accessToken: JWT, expiresIn: 3600 })],
    ['login', JSON.stringify({ accessToken: JWT, expiresIn: -1, accessTokenMaxTTL: 10 })],
    ['renew', 'null'],
    ['renew', JSON.stringify({ accessToken: 5, expiresIn: 1, accessTokenMaxTTL: 1 })],
    ['renew', JSON.stringify({ accessToken: JWT, expiresIn: 1, accessTokenMaxTTL: 1, tokenType: 7 })],
  ] as const)('%s rejects %s with BAD_RESPONSE', async (call, body) => {
    answer(body);
    const c = client();
    const error = await rejectionOf(calls[call](c));
    expect(error).toBeInstanceOf(InfisicalResponseError);
    expect(error).toMatchObject({ code: 'BAD_RESPONSE' });
    // A refused answer never replaces the token the client holds.
    expect(c.auth.accessToken).toBe('test-token');
  });

  it('accepts a write held for approval', async () => {
    answer(JSON.stringify({ approval: { id: 'ap-1' } }));
    expect(await calls.create(client())).toEqual({ approval: { id: 'ap-1' } });
  });

  it('reads an error envelope defensively: any JSON, long messages clipped', async () => {
    for (const body of ['[1,2]', '"text"', '{"message":{"a":1},"error":5}', '{"message":[null,7,{"path":[{}],"message":9}]}', `{"message":"${'m'.repeat(50_000)}"}`]) {
      answer(body, 404);
      const error = (await rejectionOf(calls.list(client()))) as InfisicalApiError;
      expect(error).toBeInstanceOf(InfisicalApiError);
      expect(error.status).toBe(404);
      expect(error.message.length).toBeLessThan(2000);
    }
  });
});

const isSecret = (s: unknown) => !!s && typeof s === 'object' && typeof (s as Record<string, unknown>).secretKey === 'string' && typeof (s as Record<string, unknown>).secretValue === 'string';

/** What a well-formed answer to `call` must look like, judged from the body the server sent. */
function acceptable(call: Call, body: string, result: unknown): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return false;
  }
  const p = parsed as Record<string, unknown>;
  if (call === 'list') {
    const r = result as { secrets: unknown[]; imports: unknown[] };
    // Never a guessed list: what came back is what the body held.
    return Array.isArray(p?.secrets) && r.secrets.length === p.secrets.length && r.secrets.every(isSecret);
  }
  if (call === 'get') return isSecret((result as { secret: unknown }).secret);
  const r = result as { accessToken: unknown; expiresIn: unknown; accessTokenMaxTTL: unknown };
  return typeof r.accessToken === 'string' && r.accessToken === p?.accessToken && Number.isFinite(r.expiresIn) && Number.isFinite(r.accessTokenMaxTTL);
}

const wellFormed = {
  list: fc.record({ secrets: fc.array(fc.record({ secretKey: fc.string(), secretValue: fc.string() }), { maxLength: 3 }) }),
  get: fc.record({ secret: fc.record({ secretKey: fc.string(), secretValue: fc.string() }) }),
  token: fc.record({ accessToken: fc.string({ minLength: 1 }), expiresIn: fc.nat(), accessTokenMaxTTL: fc.nat(), tokenType: fc.constant('Bearer') }),
};

/** Arbitrary bodies: any JSON, near misses of the real shapes (one field replaced by any JSON value), and non-JSON text. */
const bodies = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc
    .tuple(fc.oneof(wellFormed.list, wellFormed.get, wellFormed.token) as fc.Arbitrary<Record<string, unknown>>, fc.jsonValue({ maxDepth: 2 }), fc.nat())
    .map(([shape, value, n]) => {
      const keys = Object.keys(shape);
      return JSON.stringify({ ...shape, [keys[n % keys.length]!]: value });
    }),
  fc.oneof(wellFormed.list, wellFormed.get, wellFormed.token).map((b) => JSON.stringify(b)),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', ' ', '<html>502</html>', '{"secrets":[', 'undefined', 'NaN'),
);

describe('Shapes: any 200 body (property)', () => {
  it.each(['list', 'get', 'login', 'renew'] as const)('%s gives a well-formed result or InfisicalResponseError, nothing else', async (call) => {
    await fc.assert(
      fc.asyncProperty(bodies, fc.constantFrom('application/json', 'text/plain'), async (body, contentType) => {
        answer(body, 200, contentType);
        const outcome = await calls[call](client()).then(
          (result) => (acceptable(call, body, result) ? 'well-formed' : 'guessed'),
          (error: unknown) => (error instanceof InfisicalResponseError && error.code === 'BAD_RESPONSE' ? 'BAD_RESPONSE' : `other: ${String(error)}`),
        );
        expect(['well-formed', 'BAD_RESPONSE']).toContain(outcome);
      }),
      { numRuns: 150 },
    );
  });

  it('an error status with any body is InfisicalApiError or InfisicalResponseError, with a bounded message', async () => {
    await fc.assert(
      fc.asyncProperty(bodies, fc.constantFrom(400, 401, 403, 404, 422, 500), async (body, status) => {
        answer(body, status);
        const error = await rejectionOf(calls.list(client()));
        expect(error instanceof InfisicalApiError || error instanceof InfisicalResponseError).toBe(true);
        expect((error as Error).message.length).toBeLessThan(3000);
      }),
      { numRuns: 150 },
    );
  });

  it('talks to the server for real (sanity: every run above was an HTTP request)', () => {
    expect(hits).toBeGreaterThan(600);
  });
});
