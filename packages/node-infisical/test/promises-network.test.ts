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
