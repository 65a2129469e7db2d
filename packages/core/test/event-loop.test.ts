import { execFile, execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { createInfisicalConfig } from '@infisical-k8s/core';
import { ManualClock } from '@infisical-k8s/core/testing';
import { captureLogger, routes } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const tsc = join(root, 'node_modules', '.bin', 'tsc');
const core = pathToFileURL(join(root, 'packages', 'core', 'dist', 'index.js')).href;

let emu: Emulator;
let app: Provisioned;

beforeAll(async () => {
  // The child process loads the built package, as an app does.
  for (const pkg of ['node-infisical', 'core']) execFileSync(tsc, ['-p', join(root, 'packages', pkg, 'tsconfig.build.json')], { stdio: 'pipe' });
  emu = await startEmulator();
  app = await provision(emu, { secrets: { GREETING: 'hello' } });
}, 120_000);

afterAll(async () => {
  await emu?.close();
  if (app) await rm(app.projected.dir, { recursive: true, force: true });
});

/** Runs a module in a child Node; resolves with its exit code and output once it exits by itself. */
function run(source: string): Promise<{ code: number | null; signal: string | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--input-type=module', '-e', source], { env: { ...process.env, ...app.env }, encoding: 'utf8', timeout: 60_000 }, () => undefined);
    let stdout = '';
    child.stdout!.on('data', (chunk: string) => (stdout += chunk));
    child.on('exit', (code, signal) => resolve({ code, signal, stdout }));
  });
}

describe('The event loop', () => {
  it('a config with push on that is never closed lets the process exit once ready() has resolved', async () => {
    const { code, signal, stdout } = await run(`
      import { createInfisicalConfig } from ${JSON.stringify(core)};
      const config = createInfisicalConfig({ logger: { warn() {}, error: (m) => console.error(m) } });
      const secrets = await config.ready();
      // Wait (without holding the loop ourselves) until the event stream is open: then it alone is left.
      await new Promise((resolve) => { const t = setInterval(() => { if (config.status.mode === 'push') { clearInterval(t); resolve(); } }, 5); });
      console.log(JSON.stringify({ greeting: secrets.GREETING, mode: config.status.mode }));
    `);
    expect(signal).toBeNull();
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ greeting: 'hello', mode: 'push' });
  }, 90_000);

  it('holding the process for an awaited refresh() leaves nothing to reject unhandled when nobody awaits it', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const clock = new ManualClock();
    const config = createInfisicalConfig({
      siteUrl: emu.infisicalUrl,
      kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
      secrets: { projectId: app.projectId, environment: app.environment },
      push: false,
      logger: captureLogger(),
      clock,
      client: { retry: false },
    });
    try {
      await clock.advance(0);
      await config.ready();
      emu.faults.inject({ route: routes.list, status: 500, times: 1 });
      void config.refresh();
      await clock.advance(0);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(config.status.lastError).toMatchObject({ code: 'SERVER_ERROR' });
    } finally {
      await config.close();
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });
});
