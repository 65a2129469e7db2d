import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, rm, symlink } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const tsc = join(root, 'node_modules', '.bin', 'tsc');
const fixture = join(here, 'fixtures', 'cjs-app');

let emu: Emulator;
let app: Provisioned;

beforeAll(async () => {
  // The consumer loads our built ESM through Node 20.19+'s require(esm): build what it requires.
  for (const pkg of ['node-infisical', 'core', 'nestjs']) execFileSync(tsc, ['-p', join(root, 'packages', pkg, 'tsconfig.build.json')], { stdio: 'pipe' });
  // The fixture is its own package, as an app is: it finds ours in node_modules.
  await mkdir(join(fixture, 'node_modules', '@infisical-k8s'), { recursive: true });
  await rm(join(fixture, 'node_modules', '@infisical-k8s', 'nestjs'), { force: true });
  await symlink(join(root, 'packages', 'nestjs'), join(fixture, 'node_modules', '@infisical-k8s', 'nestjs'), 'dir');
  execFileSync(tsc, ['-p', join(fixture, 'tsconfig.json')], { stdio: 'pipe' });
  emu = await startEmulator();
  app = await provision(emu, { secrets: { GREETING: 'hello from cjs' } });
}, 120_000);

afterAll(async () => {
  await emu?.close();
  if (app) await rm(app.projected.dir, { recursive: true, force: true });
  if (!process.env.KEEP_FIXTURE) {
    await rm(join(fixture, 'dist'), { recursive: true, force: true });
    await rm(join(fixture, 'node_modules'), { recursive: true, force: true });
  }
});

describe('CommonJS consumers', () => {
  it('a Nest app compiled to CommonJS requires @infisical-k8s/nestjs and boots with it', async () => {
    // Asynchronous: the emulator answers from this very process.
    const { stdout } = await promisify(execFile)(process.execPath, [join(fixture, 'dist', 'main.js')], {
      env: { ...process.env, ...app.env },
      cwd: fixture,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(JSON.parse(stdout)).toEqual({ greeting: 'hello from cjs', moduleType: 'object' });
  });
});
