import { describe, expect, it } from 'vitest';
import { InfisicalClient } from 'node-infisical';
import { ManualClock } from '../clock/manual-clock.js';
import { readTokenFileBytes, TOKEN_FILE_READ_TIMEOUT_MS } from './token-file.js';
import { TokenManager } from './token-manager.js';

/** A read that never ends, as on a hung network volume. */
const stuck = () => new Promise<Buffer>(() => undefined);
const silent = { warn: () => undefined, error: () => undefined };

describe('Function: readTokenFileBytes', () => {
  it('gives up on a read that never ends after the timeout, on the injected clock', async () => {
    const clock = new ManualClock();
    const read = readTokenFileBytes('/var/run/secrets/infisical/token', { clock, read: stuck });
    const outcome = read.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await clock.advance(TOKEN_FILE_READ_TIMEOUT_MS - 1);
    expect(clock.pending()).toBe(1);
    await clock.advance(1);
    expect(await outcome).toMatchObject({ code: 'TOKEN_FILE_MISSING', message: expect.stringContaining(`could not be read within ${TOKEN_FILE_READ_TIMEOUT_MS} ms`) });
    expect(clock.pending()).toBe(0);
  });

  it('abandons the read at once when the signal aborts', async () => {
    const clock = new ManualClock();
    const abort = new AbortController();
    const read = readTokenFileBytes('/var/run/secrets/infisical/token', { clock, read: stuck, signal: abort.signal });
    abort.abort();
    await expect(read).rejects.toMatchObject({ code: 'CLOSED' });
    expect(clock.pending()).toBe(0);
  });
});

describe('Class: TokenManager', () => {
  it('close() does not wait for a login stuck reading the token file', async () => {
    const clock = new ManualClock();
    const client = new InfisicalClient({ baseUrl: 'http://127.0.0.1:9', accessToken: undefined, retry: false });
    const manager = new TokenManager(
      client,
      { identityId: 'id', tokenPath: '/var/run/secrets/infisical/token', siteUrl: 'http://127.0.0.1:9', clock, logger: silent, random: () => 0.5, backoff: { initialMs: 1000, maxMs: 60_000, multiplier: 2 }, readTokenFile: stuck },
      { onToken: () => undefined, onError: () => undefined },
    );
    const login = manager.login().catch((error: unknown) => error);
    // No clock movement: only close() can end the read.
    await manager.close(true);
    expect(await login).toMatchObject({ code: 'CLOSED' });
    await client.close();
  }, 30_000);
});
