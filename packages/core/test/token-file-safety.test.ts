import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInfisicalConfig, InfisicalK8sError } from '@infisical-k8s/core';
import { captureLogger, harness, routes, type Harness } from './helpers.js';

/*
 * Each bad token file must give a typed error at once: before, a FIFO hung ready(), refresh() and close() forever
 * (the open blocks until a writer appears) and /dev/zero was read until the heap gave out. "At once" is checked
 * as "before vitest's timeout" with a real clock: nothing here waits on a timer, so a hang is the only way to fail
 * it that way, and the error codes and the login counter pin the rest.
 */
let h: Harness<undefined>;
let dir: string;
beforeAll(async () => {
  h = await harness({ manualClock: false, config: { push: false } });
  dir = await mkdtemp(join(tmpdir(), 'core-token-file-'));
});
afterAll(async () => {
  await h.close();
  await rm(dir, { recursive: true, force: true });
});

/** A config on `tokenPath`: the error ready() rejects with after one attempt, and close() must come back too. */
async function readyError(tokenPath: string): Promise<InfisicalK8sError> {
  const logger = captureLogger();
  const config = createInfisicalConfig({
    siteUrl: h.emu.infisicalUrl,
    kubernetesAuth: { identityId: h.app.identityId, tokenPath },
    secrets: { projectId: h.app.projectId, environment: 'prod' },
    push: false,
    initialRetries: 1,
    logger,
    client: { retry: false },
  });
  try {
    const error = await config.ready().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InfisicalK8sError);
    await expect(config.refresh()).rejects.toBeInstanceOf(InfisicalK8sError);
    return error as InfisicalK8sError;
  } finally {
    await config.close();
  }
}

describe('Function: readServiceAccountToken (through createInfisicalConfig)', () => {
  it('a FIFO: TOKEN_FILE_INVALID, and ready(), refresh() and close() all come back', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const error = await readyError(fifo);
    expect(error.code).toBe('TOKEN_FILE_INVALID');
    expect(error.message).toContain('is a named pipe, not a regular file');
  }, 30_000);

  it('/dev/zero: TOKEN_FILE_INVALID without reading it', async () => {
    const before = process.memoryUsage().rss;
    const error = await readyError('/dev/zero');
    expect(error.code).toBe('TOKEN_FILE_INVALID');
    expect(error.message).toContain('is a device, not a regular file');
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  }, 30_000);

  it('a 100 KiB file, JWT-shaped or not: TOKEN_FILE_INVALID, never sent to Infisical', async () => {
    const big = join(dir, 'big');
    const part = 'a'.repeat(50 * 1024);
    await writeFile(big, `eyJ${part}.${part}.sig`);
    const logins = h.emu.counters.get(routes.login);
    const error = await readyError(big);
    expect(error.code).toBe('TOKEN_FILE_INVALID');
    expect(error.message).toContain('larger than 64 KiB');
    expect(h.emu.counters.get(routes.login)).toBe(logins);
  }, 30_000);

  it('a folder: TOKEN_FILE_INVALID naming it as a folder', async () => {
    const folder = join(dir, 'folder');
    await mkdir(folder);
    const error = await readyError(folder);
    expect(error.code).toBe('TOKEN_FILE_INVALID');
    expect(error.message).toContain('is a folder');
  }, 30_000);

  it('a regular file that is not a JWT: TOKEN_FILE_INVALID, never sent to Infisical', async () => {
    const text = join(dir, 'not-a-jwt');
    await writeFile(text, 'password=hunter2\n');
    const logins = h.emu.counters.get(routes.login);
    const error = await readyError(text);
    expect(error.code).toBe('TOKEN_FILE_INVALID');
    expect(error.message).not.toContain('hunter2');
    expect(h.emu.counters.get(routes.login)).toBe(logins);
  }, 30_000);

  it('a good token file is still read, through the kubelet symlinks', async () => {
    const logins = h.emu.counters.get(routes.login);
    await expect(h.config.ready()).resolves.toMatchObject({ GREETING: 'hello' });
    expect(h.emu.counters.get(routes.login)).toBeGreaterThanOrEqual(logins);
    expect(h.config.status.logins).toBe(1);
  });
});
