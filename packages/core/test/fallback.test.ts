import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createInfisicalConfig, type ConfigChange, type FallbackOptions, type InfisicalConfig, type InfisicalConfigOptions } from '@infisical-k8s/core';
import { readinessResponse } from '@infisical-k8s/core/adapter-kit';
import { captureLogger, harness, JWT_PATTERN, routes, type Harness } from './helpers.js';

/** Values no log line, status or error may ever show. */
// S3CRET-VALUE-7d1c5e is one the suite's leak scan looks for in every test's output.
const SECRETS = { GREETING: 'S3CRET-VALUE-7d1c5e-greeting', PORT: '8080', API_KEY: 'S3CRET-VALUE-7d1c5e-api-key' };
const KEY = randomBytes(32).toString('base64');
const backoff = { initialMs: 1_000, maxMs: 4_000 };

type Raw = Readonly<Record<string, string>>;
let h: Harness<undefined> | undefined;
let dir: string | undefined;
const opened: Array<InfisicalConfig<unknown>> = [];

afterEach(async () => {
  for (const config of opened.splice(0)) await config.close();
  await h?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  h = dir = undefined;
});

/**
 * An emulator and a first config that loaded once (so the fallback file holds SECRETS), closed again: what a pod
 * that ran before leaves behind.
 */
async function primed(fallback: Partial<FallbackOptions> = {}): Promise<{ path: string }> {
  dir = await mkdtemp(join(tmpdir(), 'fallback-'));
  const path = join(dir, 'cache', 'secrets.enc');
  h = await harness({ provision: { secrets: SECRETS }, config: { push: false, fallback: { path, key: KEY, ...fallback } } });
  await h.config.ready();
  await h.config.close();
  return { path };
}

/** The next pod: a new config of the same identity and source, reading the same file. */
function restart(extra: Omit<Partial<InfisicalConfigOptions<undefined>>, 'fallback'> & { fallback?: Partial<FallbackOptions> } = {}) {
  const logger = captureLogger();
  const { fallback, ...rest } = extra;
  const config = createInfisicalConfig({
    siteUrl: h!.emu.infisicalUrl,
    kubernetesAuth: { identityId: h!.app.identityId, tokenPath: h!.app.projected.path },
    secrets: { projectId: h!.app.projectId, environment: h!.app.environment, secretPath: h!.app.secretPath },
    logger,
    clock: h!.clock!,
    random: () => 0.5,
    client: { retry: false },
    push: false,
    backoff,
    fallback: { path: join(dir!, 'cache', 'secrets.enc'), key: KEY, ...fallback },
    ...rest,
  } as InfisicalConfigOptions<undefined>);
  opened.push(config as InfisicalConfig<unknown>);
  const changes: Array<ConfigChange<Raw>> = [];
  config.changes$.subscribe((change) => changes.push(change as ConfigChange<Raw>));
  return { config, logger, changes };
}

/** Nothing secret in what a config shows: its log lines, status, readiness and inspect output. */
function expectNoLeak(config: InfisicalConfig<unknown>, lines: string[]): void {
  const shown = [...lines, JSON.stringify(config.status), JSON.stringify(config.readiness()), inspect(config)].join('\n');
  for (const value of [SECRETS.GREETING, SECRETS.API_KEY, KEY, Buffer.from(KEY, 'base64').toString('hex')]) expect(shown).not.toContain(value);
  expect(shown).not.toMatch(JWT_PATTERN);
}

/** Rewrites the file's envelope with one changed field. */
async function tamper(path: string, change: (envelope: Record<string, string | number>) => void): Promise<void> {
  const envelope = JSON.parse(await readFile(path, 'utf8')) as Record<string, string | number>;
  change(envelope);
  await writeFile(path, JSON.stringify(envelope));
}

const notServing = (lines: string[]) => lines.filter((line) => line.includes('Not serving the fallback file'));

describe('Option: fallback', () => {
  it('cold start during an outage (503): serves the file, reports degraded, then the first real load replaces it', async () => {
    await primed();
    h!.emu.faults.inject({ route: routes.list, status: 503 });
    h!.emu.setSecret({ projectId: h!.app.projectId, environment: 'prod', key: 'GREETING', value: 'S3CRET-VALUE-7d1c5e-new' });
    const { config, logger, changes } = restart();
    expect(await config.ready()).toEqual(SECRETS);
    expect(config.status).toMatchObject({ ready: true, degraded: true, stale: false, lastError: { code: 'SERVER_ERROR' } });
    expect(config.readiness()).toMatchObject({ status: 'degraded', code: 'SERVER_ERROR' });
    expect(config.isReady()).toBe(true);
    expect(readinessResponse(config).statusCode).toBe(200);
    expect(changes.map((c) => [c.reason, c.changedKeys])).toEqual([['fallback', ['API_KEY', 'GREETING', 'PORT']]]);
    expect(inspect(config)).toContain('degraded: true');

    h!.emu.faults.clear();
    await h!.clock!.advance(backoff.maxMs);
    expect(config.status).toMatchObject({ degraded: false, lastError: undefined });
    expect(config.readiness().status).toBe('ready');
    expect(config.snapshot).toMatchObject({ GREETING: 'S3CRET-VALUE-7d1c5e-new' });
    expect(changes.map((c) => [c.reason, c.changedKeys])).toEqual([
      ['fallback', ['API_KEY', 'GREETING', 'PORT']],
      ['initial', ['GREETING']],
    ]);
    expect(logger.lines.filter((l) => l.includes('Serving the fallback snapshot'))).toHaveLength(1);
    expectNoLeak(config as InfisicalConfig<unknown>, logger.lines);
  });

  it('cold start with Infisical gone (connection refused): serves the file', async () => {
    await primed();
    await h!.emu.close();
    const { config, logger } = restart();
    expect(await config.ready()).toEqual(SECRETS);
    expect(config.readiness()).toMatchObject({ status: 'degraded', code: 'INFISICAL_UNREACHABLE' });
    expectNoLeak(config as InfisicalConfig<unknown>, logger.lines);
  });

  it('a login answered 5xx is an outage too: the file is served', async () => {
    await primed();
    h!.emu.faults.inject({ route: routes.login, status: 502 });
    const { config } = restart();
    expect(await config.ready()).toEqual(SECRETS);
    expect(config.status.degraded).toBe(true);
  });

  it('the file is 0600, holds no value in clear, leaves no temp file, and each write has a fresh IV', async () => {
    const { path } = await primed();
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const text = await readFile(path, 'utf8');
    for (const value of Object.values(SECRETS)) expect(text).not.toContain(value);
    expect(text).not.toMatch(JWT_PATTERN);
    expect(await readdir(join(dir!, 'cache'))).toEqual(['secrets.enc']);
    const first = JSON.parse(text) as { iv: string };
    // A change rewrites the file; the same values under the same key must not repeat an IV.
    const { config } = restart();
    await config.ready();
    h!.emu.setSecret({ projectId: h!.app.projectId, environment: 'prod', key: 'PORT', value: '9090' });
    await config.refresh();
    await config.close();
    const second = JSON.parse(await readFile(path, 'utf8')) as { iv: string };
    expect(second.iv).not.toBe(first.iv);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dir!, 'cache'))).toEqual(['secrets.enc']);
  });

  it('a file unchanged for a tenth of maxAgeMs is rewritten, so a stable config never ages out', async () => {
    const { path } = await primed({ maxAgeMs: 100_000 });
    const { config } = restart({ fallback: { maxAgeMs: 100_000 } });
    await config.ready();
    await h!.clock!.advance(0); // the first load's write settles
    const before = await readFile(path, 'utf8');
    await h!.clock!.advance(5_000);
    await config.refresh();
    await h!.clock!.advance(0);
    expect(await readFile(path, 'utf8')).toBe(before);
    await h!.clock!.advance(5_000);
    await config.refresh();
    await config.close();
    expect(await readFile(path, 'utf8')).not.toBe(before);
  });

  it('a file that cannot be written: loading carries on, one warning until a write works', async () => {
    await primed();
    await writeFile(join(dir!, 'plain-file'), 'not a directory');
    const { config, logger } = restart({ fallback: { path: join(dir!, 'plain-file', 'secrets.enc') } });
    expect(await config.ready()).toEqual(SECRETS);
    h!.emu.setSecret({ projectId: h!.app.projectId, environment: 'prod', key: 'PORT', value: '9191' });
    await config.refresh();
    await h!.clock!.advance(0);
    expect(config.snapshot.PORT).toBe('9191');
    expect(logger.lines.filter((l) => l.includes('Could not write the fallback file'))).toEqual([expect.stringMatching(/\((ENOTDIR|EEXIST)\)/)]);
    expectNoLeak(config as InfisicalConfig<unknown>, logger.lines);
  });

  describe('refusals: the file is not served', () => {
    it('a wrong key: one warning, no value, ready() rejects with the outage', async () => {
      await primed();
      h!.emu.faults.inject({ route: routes.list, status: 503 });
      const { config, logger, changes } = restart({ initialRetries: 1, fallback: { key: randomBytes(32).toString('hex') } });
      await expect(config.ready()).rejects.toMatchObject({ code: 'SERVER_ERROR' });
      expect(notServing(logger.lines)).toEqual([expect.stringContaining('does not decrypt under this key')]);
      expect(config.status.degraded).toBe(false);
      expect(changes).toHaveLength(0);
      expectNoLeak(config as InfisicalConfig<unknown>, logger.lines);
    });

    it('a flipped byte of the ciphertext', async () => {
      const { path } = await primed();
      await tamper(path, (envelope) => {
        const data = Buffer.from(envelope.data as string, 'base64');
        data[data.length >> 1]! ^= 0x01;
        envelope.data = data.toString('base64');
      });
      h!.emu.faults.inject({ route: routes.list, status: 503 });
      const { config, logger } = restart({ initialRetries: 1 });
      await expect(config.ready()).rejects.toMatchObject({ code: 'SERVER_ERROR' });
      expect(notServing(logger.lines)).toEqual([expect.stringContaining('the file was altered')]);
      expectNoLeak(config as InfisicalConfig<unknown>, logger.lines);
    });

    it('an altered version field (authenticated with the data)', async () => {
      const { path } = await primed();
      await tamper(path, (envelope) => (envelope.version = 2));
      h!.emu.faults.inject({ route: routes.list, status: 503 });
      const { config, logger } = restart({ initialRetries: 1 });
      await expect(config.ready()).rejects.toMatchObject({ code: 'SERVER_ERROR' });
      expect(notServing(logger.lines)).toHaveLength(1);
    });

    it('an expired file (older than maxAgeMs)', async () => {
      await primed();
      await h!.clock!.advance(120_000);
      h!.emu.faults.inject({ route: routes.list, status: 503 });
      const { config, logger } = restart({ initialRetries: 1, fallback: { maxAgeMs: 60_000 } });
      await expect(config.ready()).rejects.toMatchObject({ code: 'SERVER_ERROR' });
      expect(notServing(logger.lines)).toEqual([expect.stringContaining('older than fallback.maxAgeMs (60000 ms)')]);
    });

    it('an auth refusal (login 401), even when an outage follows it', async () => {
      await primed();
      h!.emu.faults.inject({ route: routes.login, status: 401, times: 1 });
      h!.emu.faults.inject({ route: routes.login, status: 503 });
      const { config, logger, changes } = restart({ initialRetries: 3 });
      const ready = config.ready().catch((error: unknown) => error);
      await h!.clock!.advance(4 * backoff.maxMs);
      expect(await ready).toMatchObject({ code: 'SERVER_ERROR' });
      expect(h!.emu.counters.get(routes.login)).toBeGreaterThan(2);
      expect(config.status.degraded).toBe(false);
      expect(changes).toHaveLength(0);
      expect(logger.lines.some((l) => l.includes('fallback'))).toBe(false);
    });

    it('a permission refusal (list 403)', async () => {
      await primed();
      h!.emu.faults.inject({ route: routes.list, status: 403 });
      const { config, changes } = restart({ initialRetries: 1 });
      await expect(config.ready()).rejects.toMatchObject({ status: 403 });
      expect(changes).toHaveLength(0);
    });

    it('values the schema refuses: one warning naming the key, never its value', async () => {
      await primed();
      h!.emu.faults.inject({ route: routes.list, status: 503 });
      const { config, logger } = restart({ initialRetries: 1, schema: z.object({ API_KEY: z.string().url() }) } as never);
      await expect(config.ready()).rejects.toMatchObject({ code: 'SERVER_ERROR' });
      expect(notServing(logger.lines)).toEqual([expect.stringContaining('API_KEY')]);
      expectNoLeak(config as InfisicalConfig<unknown>, logger.lines);
    });

    it('a file written for another source', async () => {
      await primed();
      h!.emu.faults.inject({ route: routes.list, status: 503 });
      const { config, logger } = restart({ initialRetries: 1, secrets: { projectId: h!.app.projectId, environment: 'prod', secretPath: '/other' } });
      await expect(config.ready()).rejects.toMatchObject({ code: 'SERVER_ERROR' });
      expect(notServing(logger.lines)).toEqual([expect.stringContaining('another server, identity or set of sources')]);
    });

    it('no file yet: one warning, then the usual failure', async () => {
      await primed();
      await rm(join(dir!, 'cache'), { recursive: true });
      h!.emu.faults.inject({ route: routes.list, status: 503 });
      const { config, logger } = restart({ initialRetries: 1 });
      await expect(config.ready()).rejects.toMatchObject({ code: 'SERVER_ERROR' });
      expect(notServing(logger.lines)).toEqual([expect.stringContaining('there is none yet')]);
    });
  });

  describe('while degraded', () => {
    it('a refusal from Infisical turns readiness not-ready: the old values must not outlive it', async () => {
      await primed();
      h!.emu.faults.inject({ route: routes.list, status: 503, times: 1 });
      h!.emu.faults.inject({ route: routes.list, status: 403 });
      const { config } = restart();
      await config.ready();
      expect(config.readiness().status).toBe('degraded');
      await h!.clock!.advance(backoff.maxMs);
      expect(config.readiness()).toMatchObject({ status: 'not-ready', code: 'PERMISSION_DENIED' });
      expect(readinessResponse(config).statusCode).toBe(503);
    });

    it('past the file maxAgeMs the snapshot is stale and readiness not-ready', async () => {
      await primed();
      h!.emu.faults.inject({ route: routes.list, status: 503 });
      const { config } = restart({ fallback: { maxAgeMs: 60_000 } });
      await config.ready();
      expect(config.readiness().status).toBe('degraded');
      await h!.clock!.advance(61_000);
      expect(config.status).toMatchObject({ degraded: true, stale: true });
      expect(config.readiness().status).toBe('not-ready');
    });
  });

  describe('options', () => {
    const base = { siteUrl: 'http://127.0.0.1:9', kubernetesAuth: { identityId: 'id', tokenPath: '/nonexistent' }, secrets: { projectId: 'p', environment: 'prod' } };
    const create = (fallback: unknown, env: Record<string, string> = {}) => () => createInfisicalConfig({ ...base, env, fallback } as never);

    it('refuse a missing path or key, a passphrase and a short key, naming the fix and never the key', () => {
      expect(create({ key: KEY })).toThrow(expect.objectContaining({ code: 'OPTIONS_INVALID', message: expect.stringContaining('fallback.path') }));
      expect(create({ path: '/tmp/x' })).toThrow(expect.objectContaining({ code: 'OPTIONS_INVALID', message: expect.stringContaining('INFISICAL_FALLBACK_KEY') }));
      for (const key of ['correct horse battery staple', randomBytes(16).toString('base64'), Buffer.alloc(31)]) {
        let message = '';
        try {
          create({ path: '/tmp/x', key })();
        } catch (error) {
          message = (error as Error).message;
        }
        expect(message).toMatch(/^fallback\.key must be 32 random bytes/);
        expect(message).not.toContain(typeof key === 'string' ? key : '\u0000');
      }
      expect(create({ path: '/tmp/x', keyEnv: 'MY_KEY' }, { MY_KEY: 'passphrase' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('passphrase"') }));
      expect(create({ path: '/tmp/x', keyPath: '/nonexistent/key' })).toThrow(expect.objectContaining({ code: 'OPTIONS_INVALID', message: expect.stringContaining('fallback.keyPath') }));
      expect(create({ path: '/tmp/x', key: KEY, maxAgeMs: -1 })).toThrow(expect.objectContaining({ message: expect.stringContaining('fallback.maxAgeMs') }));
    });
  });
});
