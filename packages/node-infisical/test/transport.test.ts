import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import {
  InfisicalApiError,
  InfisicalClient,
  InfisicalNetworkError,
  InfisicalResponseError,
  InfisicalValidationError,
  isTokenError,
  isUseLimitError,
} from 'node-infisical';

const LIST = 'GET /api/v4/secrets';
let emu: Emulator;
let app: Provisioned;

beforeAll(async () => {
  emu = await startEmulator();
  app = await provision(emu, { secrets: { SEEDED: 'seeded-value-4f1e' } });
});
afterAll(async () => {
  await emu.close();
  await rm(app.projected.dir, { recursive: true, force: true });
});

async function loggedIn(options: ConstructorParameters<typeof InfisicalClient>[0] = {}): Promise<InfisicalClient> {
  const client = new InfisicalClient({ baseUrl: emu.infisicalUrl, retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 50 }, ...options });
  await client.login({ kubernetesAuth: { identityId: app.identityId, jwt: readFileSync(app.projected.path, 'utf8') } });
  return client;
}
const where = () => ({ projectId: app.projectId, environment: 'prod', secretPath: '/' });

describe('Class: InfisicalClient — input validation', () => {
  it.each([
    ['empty identityId', () => new InfisicalClient().login({ kubernetesAuth: { identityId: ' ', jwt: 'a.b.c' } }), 'kubernetesAuth.identityId'],
    ['a jwt that is not a JWT', () => new InfisicalClient().login({ kubernetesAuth: { identityId: 'id', jwt: 'not-a-jwt' } }), 'kubernetesAuth.jwt'],
    ['a negative TTL', () => new InfisicalClient({ accessToken: 't' }).identityAuth.kubernetes.attach({ identityId: 'i', kubernetesHost: 'https://k', accessTokenTTL: -1 }), 'accessTokenTTL'],
    ['TTL above max TTL', () => new InfisicalClient({ accessToken: 't' }).identityAuth.kubernetes.attach({ identityId: 'i', kubernetesHost: 'https://k', accessTokenTTL: 10, accessTokenMaxTTL: 5 }), 'accessTokenTTL'],
    ['a host with bad characters', () => new InfisicalClient({ accessToken: 't' }).identityAuth.kubernetes.attach({ identityId: 'i', kubernetesHost: 'https://k?x=1' }), 'kubernetesHost'],
  ])('rejects %s before any request', async (_name, call, field) => {
    const error = await call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfisicalValidationError);
    expect((error as InfisicalValidationError).field).toBe(field);
  });

  it('rejects a baseUrl that is not a URL in the constructor', () => {
    expect(() => new InfisicalClient({ baseUrl: 'app.infisical.com' })).toThrow(InfisicalValidationError);
  });
});

describe('Class: InfisicalClient — transport', () => {
  it('retries 503 honouring Retry-After, then succeeds', async () => {
    const client = await loggedIn();
    emu.counters.reset();
    emu.faults.inject({ route: LIST, status: 503, retryAfter: 0, times: 2 });
    const { secrets } = await client.secrets.list(where());
    expect(secrets[0]?.secretKey).toBe('SEEDED');
    expect(emu.counters.get(LIST)).toBe(3);
  });

  it('surfaces a typed API error with status, server message and request id', async () => {
    const client = await loggedIn({ retry: false });
    emu.faults.inject({ route: LIST, status: 500, times: 1 });
    const error = (await client.secrets.list(where()).catch((e: unknown) => e)) as InfisicalApiError;
    expect(error).toBeInstanceOf(InfisicalApiError);
    expect(error).toMatchObject({ status: 500, method: 'GET', path: '/api/v4/secrets', serverError: 'InternalServerError' });
    expect(error.reqId).toMatch(/^req-/);
  });

  it('times out a hanging request', async () => {
    const client = await loggedIn({ retry: false, timeoutMs: 100 });
    emu.faults.inject({ route: LIST, hang: true, times: 1 });
    const error = await client.secrets.list(where()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfisicalNetworkError);
    expect((error as InfisicalNetworkError).code).toBe('TIMEOUT');
  });

  it.each([
    ['a connection reset', { reset: true }, InfisicalNetworkError, 'CONNECTION_RESET'],
    ['malformed JSON', { malformed: true }, InfisicalResponseError, 'BAD_RESPONSE'],
    ['an HTML error page', { html: true }, InfisicalResponseError, 'BAD_RESPONSE'],
    ['an oversized body', { oversized: 11 * 1024 * 1024 }, InfisicalResponseError, 'BAD_RESPONSE'],
  ] as const)('turns %s into a typed error', async (_name, fault, type, code) => {
    const client = await loggedIn({ retry: false });
    emu.faults.inject({ route: LIST, ...fault, times: 1 });
    const error = await client.secrets.list(where()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect((error as { code: string }).code).toBe(code);
  });

  it('classifies an expired access token (403 TokenError) and a spent use limit', async () => {
    const client = new InfisicalClient({ baseUrl: emu.infisicalUrl, accessToken: 'eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.c2ln', retry: false });
    const error = await client.secrets.list(where()).catch((e: unknown) => e);
    expect(isTokenError(error)).toBe(true);
    expect(isUseLimitError(new InfisicalApiError({ status: 401, serverError: 'UnauthorizedError', serverMessage: 'Failed to authorize: token usage limit reached', reqId: undefined, method: 'GET', path: '/', retryAfter: undefined }))).toBe(true);
  });

  it('streams secret-change events', async () => {
    const client = await loggedIn();
    const abort = new AbortController();
    const events = await client.events.subscribe({ projectId: app.projectId, register: [{ event: 'secret:update', conditions: { environmentSlug: 'prod' } }], signal: abort.signal });
    const iterator = events[Symbol.asyncIterator]();
    emu.setSecret({ projectId: app.projectId, environment: 'prod', key: 'SEEDED', value: 'changed' });
    const first = await iterator.next();
    expect(first.value).toMatchObject({ event: 'secret:update', data: { data: { payload: [{ secretKeys: 'SEEDED', environment: 'prod' }] } } });
    abort.abort();
    emu.setSecret({ projectId: app.projectId, environment: 'prod', key: 'SEEDED', value: 'seeded-value-4f1e' });
  });

  it('never shows a token or a secret value in errors, inspect or JSON', async () => {
    const client = await loggedIn({ retry: false });
    const token = client.auth.accessToken!;
    emu.faults.inject({ route: LIST, status: 500, times: 1 });
    const error = await client.secrets.list(where()).catch((e: unknown) => e);
    for (const text of [inspect(client), JSON.stringify(client), inspect(error), JSON.stringify(error), String(error)]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain('seeded-value-4f1e');
    }
  });
});

describe('Class: InfisicalClient — TLS', () => {
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

  it('verifies by default: an unknown CA fails as a TLS error', async () => {
    const client = new InfisicalClient({ baseUrl: tlsEmu.infisicalUrl, retry: false });
    const error = await client.login({ kubernetesAuth: { identityId: tlsApp.identityId, jwt: tlsApp.projected.current() } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfisicalNetworkError);
    expect((error as InfisicalNetworkError).code).toBe('TLS');
  });

  it('trusts a custom CA', async () => {
    const client = new InfisicalClient({ baseUrl: tlsEmu.infisicalUrl, tls: { ca: tlsEmu.caCert } });
    await client.login({ kubernetesAuth: { identityId: tlsApp.identityId, jwt: tlsApp.projected.current() } });
    const { secrets } = await client.secrets.list({ projectId: tlsApp.projectId, environment: 'prod' });
    expect(secrets.map((s) => s.secretKey)).toEqual(['A']);
    await client.close();
  });
});
