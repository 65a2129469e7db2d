import { mkdir, mkdtemp, readdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { firstValueFrom, take, toArray } from 'rxjs';
import { startEmulator, provision } from '@infisical-k8s/emulator';
import { createInfisicalConfig, type ConfigChange, type InfisicalConfig } from '@infisical-k8s/core';
import { ManualClock } from '@infisical-k8s/core/testing';
import { captureLogger, harness, routes, waitFor, type Harness } from './helpers.js';

/**
 * Writes a directory the way the kubelet's AtomicWriter does: each version in a fresh `..<timestamp>` folder,
 * `..data` a symlink to it swapped by renaming `..data_tmp` over it, and one `KEY -> ..data/KEY` link per key;
 * afterwards stale key links and the old folder are removed.
 */
class AtomicDir {
  #version = 0;
  constructor(readonly dir: string) {}

  static async create(): Promise<AtomicDir> {
    return new AtomicDir(await mkdtemp(join(tmpdir(), 'files-source-')));
  }

  async write(payload: Record<string, string>): Promise<void> {
    const folder = `..2026_12_03_09_00_${String(this.#version++).padStart(6, '0')}.${process.pid}`;
    await mkdir(join(this.dir, folder));
    for (const [key, value] of Object.entries(payload)) await writeFile(join(this.dir, folder, key), value);
    const old = await readlink(join(this.dir, '..data')).catch(() => undefined);
    await symlink(folder, join(this.dir, '..data_tmp'));
    await rename(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
    for (const key of Object.keys(payload)) await symlink(join('..data', key), join(this.dir, key)).catch(() => undefined);
    for (const name of await readdir(this.dir)) if (!name.startsWith('..') && !(name in payload)) await rm(join(this.dir, name));
    if (old) await rm(join(this.dir, old), { recursive: true, force: true });
  }

  remove(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true });
  }
}

/** Version i of a directory: every value names i, and the key set changes from one version to the next. */
function version(i: number): Record<string, string> {
  const payload: Record<string, string> = { A: `v${i}`, B: `v${i}`.repeat(50), C: `v${i}` };
  if (i % 2 === 0) payload[`EVEN_${i % 4}`] = `v${i}`;
  return payload;
}

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const item of open.splice(0).toReversed()) await item.close();
});

async function filesConfig(payload: Record<string, string>, extra: Record<string, unknown> = {}) {
  const files = await AtomicDir.create();
  await files.write(payload);
  const clock = new ManualClock();
  const logger = captureLogger();
  // No siteUrl, no kubernetesAuth, an empty environment: directories alone need none of them.
  const config = createInfisicalConfig({ secrets: { files: files.dir, checkIntervalMs: 1_000 }, clock, logger, env: {}, random: () => 0.5, refreshIntervalMs: 600_000, ...extra });
  open.push({ close: () => files.remove() }, config);
  return { files, clock, logger, config };
}

describe('files source: a mounted Secret directory', () => {
  it('serves the directory as a snapshot, with no identity, no login and no Infisical request', async () => {
    const emu = await startEmulator();
    open.push(emu);
    const app = await provision(emu, { secrets: { FROM_INFISICAL: 'x' } });
    open.push({ close: async () => app.projected.stop() });
    emu.counters.reset();
    const files = await AtomicDir.create();
    open.push({ close: () => files.remove() });
    await files.write({ DATABASE_URL: 'postgres://db', PORT: '8080', '.dockerconfigjson': '{}' });
    const clock = new ManualClock();
    // Everything a login would need is there: only the files source keeps the pod from using it.
    const config = createInfisicalConfig({
      siteUrl: emu.infisicalUrl,
      kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
      secrets: { files: files.dir },
      clock,
      logger: captureLogger(),
    });
    open.push(config);
    expect(await config.ready()).toEqual({ DATABASE_URL: 'postgres://db', PORT: '8080', '.dockerconfigjson': '{}' });
    await clock.advance(3_600_000);
    await config.refresh();
    expect(config.isReady()).toBe(true);
    expect(emu.counters.all()).toEqual({});
  });

  it('serves a rotated directory within one check interval and announces the changed keys', async () => {
    const { files, clock, config } = await filesConfig({ A: '1', B: '1', GONE: 'x' });
    await config.ready();
    const next = firstValueFrom(config.changes$);
    await files.write({ A: '2', B: '1', NEW: 'y' });
    await clock.advance(1_000);
    const change: ConfigChange<Record<string, string>> = await next;
    expect(config.snapshot).toEqual({ A: '2', B: '1', NEW: 'y' });
    expect(change.changedKeys.toSorted()).toEqual(['A', 'GONE', 'NEW']);
    expect(change.reason).toBe('files');
  });

  it('notices the ..data swap through fs.watch alone, without the clock', async () => {
    const { files, config } = await filesConfig({ A: '1' });
    await config.ready();
    await files.write({ A: '2' });
    await waitFor(() => config.snapshot.A === '2', 10_000);
    expect(config.snapshot).toEqual({ A: '2' });
  });

  it('never serves half of a swap: every snapshot read during many swaps is exactly one written version', { timeout: 60_000 }, async () => {
    const { files, config } = await filesConfig(version(0));
    await config.ready();
    const written = [version(0)];
    const state = { done: false };
    const writer = (async () => {
      for (let i = 1; i <= 150; i++) {
        written.push(version(i));
        await files.write(version(i));
      }
      state.done = true;
    })();
    const seen: Array<Record<string, string>> = [];
    while (!state.done) seen.push({ ...(await config.refresh()) });
    await writer;
    seen.push({ ...(await config.refresh()) });
    expect(seen.length).toBeGreaterThan(10);
    for (const snapshot of seen) expect(written).toContainEqual(snapshot);
    expect(seen.at(-1)).toEqual(version(150));
  });

  it('goes stale and not ready when the directory disappears, serving the last good snapshot, and recovers', async () => {
    const { files, clock, config, logger } = await filesConfig({ A: '1' }, { refreshIntervalMs: 1_000, maxStalenessMs: 5_000 });
    await config.ready();
    // Unmounted in one step (a recursive delete would first show an emptied directory, which is served as such).
    await rename(files.dir, `${files.dir}.gone`);
    open.push({ close: () => rm(`${files.dir}.gone`, { recursive: true, force: true }) });
    await clock.advance(6_000);
    expect(config.snapshot).toEqual({ A: '1' });
    expect(config.status.lastError?.code).toBe('SECRETS_DIR_UNREADABLE');
    expect(config.isReady()).toBe(false);
    expect(config.readiness()).toEqual({ status: 'not-ready', stale: true, code: 'SECRETS_DIR_UNREADABLE' });
    expect(logger.lines.join('\n')).toContain(files.dir);
    await rename(`${files.dir}.gone`, files.dir);
    await files.write({ A: '2' });
    await clock.advance(400_000);
    expect(config.isReady()).toBe(true);
    expect(config.snapshot).toEqual({ A: '2' });
  });

  it('ignores folders and pipes with one warning, and refuses a file over 1 MiB without showing it', async () => {
    const files = await AtomicDir.create();
    open.push({ close: () => files.remove() });
    await writeFile(join(files.dir, 'PLAIN'), 'p');
    await mkdir(join(files.dir, 'nested'));
    execFileSync('mkfifo', [join(files.dir, 'PIPE')]);
    const logger = captureLogger();
    const config = createInfisicalConfig({ secrets: { files: files.dir }, logger, env: {}, clock: new ManualClock() });
    open.push(config);
    expect(await config.ready()).toEqual({ PLAIN: 'p' });
    await config.refresh();
    const warnings = logger.lines.filter((line) => line.includes('not regular files'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('PIPE, nested');
    await writeFile(join(files.dir, 'HUGE'), 'S3CRET'.repeat(200_000));
    await expect(config.refresh()).rejects.toMatchObject({ code: 'SECRETS_DIR_UNREADABLE' });
    expect(logger.lines.join('\n')).not.toContain('S3CRET');
    expect(config.snapshot).toEqual({ PLAIN: 'p' });
  });

  it('reads INFISICAL_SECRETS_DIR when the secrets option is absent: the same app code, only the env differs', async () => {
    const files = await AtomicDir.create();
    open.push({ close: () => files.remove() });
    await files.write({ GREETING: 'from-the-operator' });
    const config = createInfisicalConfig({ env: { INFISICAL_SECRETS_DIR: files.dir }, clock: new ManualClock(), logger: captureLogger() });
    open.push(config);
    expect(await config.ready()).toEqual({ GREETING: 'from-the-operator' });
  });

  it('treats a ..data link to a missing folder as a broken mount, not as an emptied Secret', async () => {
    const { files, config } = await filesConfig({ A: '1' });
    await config.ready();
    const target = await readlink(join(files.dir, '..data'));
    await rm(join(files.dir, target), { recursive: true });
    await expect(config.refresh()).rejects.toMatchObject({ code: 'SECRETS_DIR_UNREADABLE', message: expect.stringContaining('..data') });
    expect(config.snapshot).toEqual({ A: '1' });
  });

  it('validates the option: an absolute path, and not mixed with Infisical fields in one source', () => {
    expect(() => createInfisicalConfig({ secrets: { files: 'etc/app' }, env: {} })).toThrow(expect.objectContaining({ code: 'OPTIONS_INVALID', message: expect.stringContaining('absolute') }));
    expect(() => createInfisicalConfig({ secrets: { files: '/etc/app', projectId: 'p' } as never, env: {} })).toThrow(expect.objectContaining({ code: 'OPTIONS_INVALID', message: expect.stringContaining('projectId') }));
    expect(() => createInfisicalConfig({ secrets: [{ files: '/etc/app' }, { projectId: 'p', environment: 'prod' }], env: {} })).toThrow(expect.objectContaining({ message: expect.stringContaining('identityId') }));
  });
});

describe('files source mixed with an Infisical source', () => {
  let h: Harness<undefined> | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('merges in order (later wins), and a rotated directory is served alongside the fetched folder', async () => {
    const files = await AtomicDir.create();
    open.push({ close: () => files.remove() });
    await files.write({ GREETING: 'from-files', ONLY_FILES: 'f1' });
    h = await harness({ config: { refreshIntervalMs: 600_000, push: false } });
    const infisical = { projectId: h.app.projectId, environment: h.app.environment, secretPath: h.app.secretPath };
    await h.config.close();
    const config: InfisicalConfig<Record<string, string>> = createInfisicalConfig({
      siteUrl: h.emu.infisicalUrl,
      kubernetesAuth: { identityId: h.app.identityId, tokenPath: h.app.projected.path },
      secrets: [{ files: files.dir, checkIntervalMs: 1_000 }, infisical],
      clock: h.clock!,
      logger: h.logger,
      random: () => 0.5,
      refreshIntervalMs: 600_000,
      push: false,
      client: { retry: false },
    });
    open.push(config);
    expect(await config.ready()).toEqual({ GREETING: 'hello', PORT: '8080', ONLY_FILES: 'f1' });
    const changes = firstValueFrom(config.changes$.pipe(take(1), toArray()));
    await files.write({ GREETING: 'from-files-2', ONLY_FILES: 'f2' });
    await h.clock!.advance(1_000);
    const [change] = await changes;
    expect(change!.changedKeys).toEqual(['ONLY_FILES']);
    expect(config.snapshot).toEqual({ GREETING: 'hello', PORT: '8080', ONLY_FILES: 'f2' });
    expect(h.emu.counters.get(routes.login)).toBeGreaterThanOrEqual(1);
  });
});
