/**
 * A request that gets no HTTP answer is an `InfisicalNetworkError` whose `code` says why and whose message
 * names the fix; `problem` is the same without the fix (core words the fix in its own options). Each case
 * is produced for real on loopback: a host that does not resolve, a port fetch refuses, a closed port, a
 * reset, a hang.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { InfisicalClient, InfisicalNetworkError } from 'node-infisical';
import { appClient, clientFor, rejectionOf, useEmulator } from './helpers.js';

const LIST = 'GET /api/v4/secrets';
const env = useEmulator({}, { secrets: { A: 'a' } });
const where = () => ({ projectId: env.app().projectId, environment: 'prod', secretPath: '/' });

async function networkFailure(baseUrl: string): Promise<InfisicalNetworkError> {
  const error = await rejectionOf(new InfisicalClient({ baseUrl, accessToken: 't', retry: false }).secrets.list(where()));
  expect(error).toBeInstanceOf(InfisicalNetworkError);
  return error as InfisicalNetworkError;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('InfisicalNetworkError: why, and what to do', () => {
  it('a host that does not resolve is DNS, naming the resolver code and baseUrl', async () => {
    const error = await networkFailure('http://infisical.invalid');
    expect(error.code).toBe('DNS');
    expect(error.problem).toMatch(/^host not found \((ENOTFOUND|EAI_AGAIN)\)$/);
    expect(error.message).toBe(`Could not reach Infisical for GET /api/v4/secrets: ${error.problem}: check baseUrl`);
  });

  it('a port fetch refuses outright (the WHATWG bad-port list) says so', async () => {
    const error = await networkFailure('http://127.0.0.1:6000');
    expect(error.code).toBe('NETWORK');
    expect(error.problem).toBe('fetch refuses this port (WHATWG "bad port" list)');
    expect(error.message).toContain('serve Infisical on another port');
  });

  it('a closed port is CONNECTION_REFUSED; problem leaves the fix out', async () => {
    const error = await networkFailure(`http://127.0.0.1:${await closedPort()}`);
    expect(error).toMatchObject({ code: 'CONNECTION_REFUSED', problem: 'connection refused', method: 'GET', path: '/api/v4/secrets' });
    expect(error.message).toBe('Could not reach Infisical for GET /api/v4/secrets: connection refused: check baseUrl and that Infisical is running');
    expect(error.toJSON()).toEqual({ name: 'InfisicalNetworkError', code: 'CONNECTION_REFUSED', message: error.message, method: 'GET', path: '/api/v4/secrets' });
  });

  it('a reset is CONNECTION_RESET, with no fix to offer', async () => {
    const client = await appClient(env.emu(), env.app(), { retry: false });
    env.emu().faults.inject({ route: LIST, reset: true, times: 1 });
    const error = (await rejectionOf(client.secrets.list(where()))) as InfisicalNetworkError;
    expect(error).toMatchObject({ code: 'CONNECTION_RESET', problem: 'connection reset by the server or a proxy' });
    expect(error.message).toBe('Could not reach Infisical for GET /api/v4/secrets: connection reset by the server or a proxy');
  });

  it('a hang is TIMEOUT after timeoutMs, naming the option', async () => {
    const { accessToken } = (await appClient(env.emu(), env.app())).auth;
    const client = clientFor(env.emu(), { accessToken: accessToken!, timeoutMs: 150, retry: false });
    env.emu().faults.inject({ route: LIST, hang: true, times: 1 });
    const error = (await rejectionOf(client.secrets.list(where()))) as InfisicalNetworkError;
    expect(error).toMatchObject({ code: 'TIMEOUT', problem: 'no answer within 150 ms' });
    expect(error.message).toBe('Could not reach Infisical for GET /api/v4/secrets: no answer within 150 ms (timeoutMs)');
  });
});

/**
 * Errors a loopback server cannot produce on demand (a dropped pipe, a resolver outage, a connect timeout,
 * an unknown socket error), thrown the way undici's fetch throws them through the public `fetch` option.
 */
const throwing = (cause: unknown): typeof fetch => async () => {
  throw new TypeError('fetch failed', { cause });
};

describe('InfisicalNetworkError: causes only the OS produces', () => {
  it.each([
    ['a broken pipe', { code: 'EPIPE' }, 'CONNECTION_RESET', 'connection reset by the server or a proxy'],
    ['a resolver outage', { code: 'EAI_AGAIN' }, 'DNS', 'host not found (EAI_AGAIN)'],
    ['a connect timeout, as undici names it', { code: 'UND_ERR_CONNECT_TIMEOUT' }, 'TIMEOUT', 'connection timed out'],
    ['a connect timeout, as the OS names it', { code: 'ETIMEDOUT' }, 'TIMEOUT', 'connection timed out'],
    ['a socket error, as undici names it', { code: 'UND_ERR_SOCKET', cause: { code: 'ECONNRESET' } }, 'CONNECTION_RESET', 'connection reset by the server or a proxy'],
    ['a TLS error by prefix', { code: 'ERR_TLS_HANDSHAKE_TIMEOUT' }, 'TLS', 'TLS verification failed (ERR_TLS_HANDSHAKE_TIMEOUT)'],
    ['an SSL error by prefix', { code: 'ERR_SSL_DECRYPTION_FAILED' }, 'TLS', 'TLS verification failed (ERR_SSL_DECRYPTION_FAILED)'],
    ['a certificate error by name', { code: 'CERT_REVOKED' }, 'TLS', 'TLS verification failed (CERT_REVOKED)'],
    ['a code deep in the cause chain', { cause: { cause: { cause: { code: 'EHOSTUNREACH' } } } }, 'NETWORK', 'network error EHOSTUNREACH'],
    ['a code too deep to trust', { cause: { cause: { cause: { cause: { code: 'EHOSTUNREACH' } } } } }, 'NETWORK', 'network error'],
    ['no code at all', { message: 'other' }, 'NETWORK', 'network error'],
  ])('%s is %s', async (_name, cause, code, problem) => {
    const error = await rejectionOf(new InfisicalClient({ baseUrl: 'http://127.0.0.1:8080', accessToken: 't', retry: false, fetch: throwing(cause) }).secrets.list(where()));
    expect(error).toBeInstanceOf(InfisicalNetworkError);
    expect(error).toMatchObject({ code, problem });
  });

  it.each([
    ['an error without a cause', new Error('socket hang up')],
    ['a thrown non-error', undefined],
  ])('a fetch that throws %s is a plain NETWORK error, not a crash', async (_name, thrown) => {
    const odd: typeof fetch = async () => {
      throw thrown;
    };
    const error = await rejectionOf(new InfisicalClient({ baseUrl: 'http://127.0.0.1:8080', accessToken: 't', retry: false, fetch: odd }).secrets.list(where()));
    expect(error).toBeInstanceOf(InfisicalNetworkError);
    expect(error).toMatchObject({ code: 'NETWORK', problem: 'network error' });
  });

  it('TLS failures are never retried, even on a GET', async () => {
    let calls = 0;
    const tls: typeof fetch = async () => {
      calls += 1;
      throw new TypeError('fetch failed', { cause: { code: 'ERR_TLS_CERT_ALTNAME_INVALID' } });
    };
    await rejectionOf(new InfisicalClient({ baseUrl: 'http://127.0.0.1:8080', accessToken: 't', retry: { retries: 3, baseDelayMs: 1 }, fetch: tls }).secrets.list(where()));
    expect(calls).toBe(1);
  });
});

describe('baseUrl', () => {
  it.each([
    ['  https://eu.infisical.com  ', 'https://eu.infisical.com'],
    ['https://eu.infisical.com///', 'https://eu.infisical.com'],
    ['https://eu.infisical.com/api//', 'https://eu.infisical.com'],
    ['https://host/infisical/apis', 'https://host/infisical/apis'],
    ['https://host/rapi', 'https://host/rapi'],
  ])('reads %j as %s', (input, normalized) => {
    expect(new InfisicalClient({ baseUrl: input }).baseUrl).toBe(normalized);
  });

  it('refuses a baseUrl that is not a string, without echoing it', () => {
    expect(() => new InfisicalClient({ baseUrl: 42 as never })).toThrow('baseUrl: must be a string such as https://app.infisical.com');
  });
});
