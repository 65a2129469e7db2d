// The packages as a user gets them: `pnpm release:pack` tarballs, installed with npm into apps outside the
// workspace (no source condition, no workspace links, no hoisted dev dependencies to hide a missing one), compiled
// with the lowest TypeScript the README states and with the repo's own, run against the packed emulator, and
// linted by publint and are-the-types-wrong.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const repoTsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

/** The minimum the README states: 5.7 rejects a CommonJS app's import of an ESM package (TS1479). */
const MINIMUM_TYPESCRIPT = '~5.8.3';
const BELOW_MINIMUM_TYPESCRIPT = '5.7.3';

/** Third-party versions the apps install from the registry, as a user's app would declare them. */
const THIRD_PARTY = {
  '@nestjs/common': '^11.1.0',
  '@nestjs/core': '^11.1.0',
  '@nestjs/platform-express': '^11.1.0',
  'reflect-metadata': '^0.2.2',
  rxjs: '^7.8.2',
  express: '^5.1.0',
  '@types/express': '^5.0.0',
  fastify: '^5.4.0',
  zod: '^4.1.0',
  '@types/node': '^20.19.0',
  typescript: MINIMUM_TYPESCRIPT,
  'typescript-below-minimum': `npm:typescript@${BELOW_MINIMUM_TYPESCRIPT}`,
};

/** The consumer folder in the system's temporary folder: packs, apps, node_modules, everything. */
let dir = '';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * pnpm runs the suite with its own npm_* settings in the environment (the workspace's .npmrc, lifecycle
 * variables); npm must not inherit them. Registry, cache, proxy and CA settings stay: CI's npm needs them.
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const keep = /^npm_config_(registry|cache|userconfig|globalconfig|proxy|https_proxy|noproxy|no_proxy|strict_ssl|cafile|ca|@.+:registry)$/i;
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) || keep.test(key)));
  // Whatever the tools and apps put in a temporary folder goes inside ours, and so is removed with it.
  if (dir) env.TMPDIR = join(dir, 'tmp');
  return env;
}

function run(command: string, args: string[], cwd: string, timeoutMs = 300_000, env = cleanEnv()): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: { ...env, FORCE_COLOR: '0', NO_COLOR: '1' }, timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs `tasks` at most `limit` at a time (two cores). */
async function limited<T>(limit: number, tasks: Array<() => Promise<T>>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < tasks.length) {
        const index = next++;
        results[index] = await tasks[index]!();
      }
    }),
  );
  return results;
}

const output = (r: Run) => `${r.stdout}\n${r.stderr}`.trim();

let tarballs: string[] = [];
const tarball = (name: string) => {
  const file = tarballs.find((path) => basename(path).startsWith(`${name.replace('@', '').replace('/', '-')}-`));
  if (!file) throw new Error(`no tarball for ${name} among ${tarballs.join(', ')}`);
  return `file:${file}`;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'infisical-k8s-consumer-'));
  mkdirSync(join(dir, 'tmp'));
  // release:pack runs pnpm pack: it keeps pnpm's environment (npm_execpath names the pnpm running this suite).
  const packed = await run(process.execPath, [join(root, 'scripts', 'release-pack.mjs'), '--out', join(dir, 'packs')], root, 300_000, process.env);
  if (packed.code !== 0) throw new Error(`release:pack failed:\n${output(packed)}`);
  tarballs = packed.stdout.split('\n').filter((line) => line.endsWith('.tgz'));

  cpSync(fixtures, dir, { recursive: true });
  const ours = ['node-infisical', '@infisical-k8s/core', '@infisical-k8s/nestjs', '@infisical-k8s/express', '@infisical-k8s/fastify', '@infisical-k8s/emulator'];
  // One project for the NestJS (CommonJS, own package.json type), Express 5, Fastify and plain ESM apps; Express 4
  // needs its own node_modules, or the adapter would see Express 5's types.
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'consumer-apps', private: true, type: 'module', dependencies: { ...Object.fromEntries(ours.map((name) => [name, tarball(name)])), ...THIRD_PARTY } }, null, 2),
  );
  const express4 = JSON.parse(readFileSync(join(dir, 'express4', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const name of ['node-infisical', '@infisical-k8s/core', '@infisical-k8s/express']) express4.dependencies[name] = tarball(name);
  writeFileSync(join(dir, 'express4', 'package.json'), JSON.stringify(express4, null, 2));

  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const installs = await Promise.all([dir, join(dir, 'express4')].map((cwd) => run(npm, ['install', '--no-audit', '--no-fund', '--no-package-lock'], cwd)));
  for (const install of installs) if (install.code !== 0) throw new Error(`npm install failed:\n${output(install)}`);
}, 600_000);

// Removing node_modules on a loaded machine can take a while.
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
}, 120_000);

const apps = ['nest-cjs', 'express5', 'fastify', 'esm', 'express4'] as const;

describe('the packed packages in apps outside the workspace', () => {
  it('every tarball passes publint (strict) and are-the-types-wrong (esm-only profile)', async () => {
    const checks = await limited(
      2,
      tarballs.flatMap((file) => [
        async () => ({ file, tool: 'publint', result: await run(bin('publint'), ['run', '--strict', file], dir) }),
        async () => ({ file, tool: 'attw', result: await run(bin('attw'), ['--profile', 'esm-only', '--no-definitely-typed', '--format', 'ascii', '--no-color', '--no-emoji', file], dir) }),
      ]),
    );
    expect(tarballs).toHaveLength(6);
    for (const { file, tool, result } of checks) expect(result.code, `${tool} ${basename(file)}:\n${output(result)}`).toBe(0);
  }, 300_000);

  it(`every app compiles with TypeScript ${MINIMUM_TYPESCRIPT} (the README's minimum) and typechecks with the repo's TypeScript`, async () => {
    const minimum = join(dir, 'node_modules', 'typescript', 'bin', 'tsc');
    const results = await limited(
      2,
      apps.flatMap((app) => [
        async () => ({ app, tsc: 'minimum', result: await run(process.execPath, [minimum, '-p', join(dir, app, 'tsconfig.json')], dir) }),
        // The repo's TypeScript is native and fast: it also checks every .d.ts, ours included, that the apps skip.
        async () => ({ app, tsc: 'repo', result: await run(process.execPath, [repoTsc, '-p', join(dir, app, 'tsconfig.json'), '--noEmit', '--skipLibCheck', 'false'], dir) }),
      ]),
    );
    for (const { app, tsc, result } of results) expect(result.code, `${app} with the ${tsc} TypeScript:\n${output(result)}`).toBe(0);
    const version = JSON.parse(readFileSync(join(dir, 'node_modules', 'typescript', 'package.json'), 'utf8')) as { version: string };
    expect(version.version).toMatch(/^5\.8\./);
  }, 300_000);

  it(`TypeScript ${BELOW_MINIMUM_TYPESCRIPT} rejects the CommonJS Nest app with TS1479, so the README's minimum is the real one`, async () => {
    const below = join(dir, 'node_modules', 'typescript-below-minimum', 'bin', 'tsc');
    const result = await run(process.execPath, [below, '-p', join(dir, 'nest-cjs', 'tsconfig.json'), '--noEmit'], dir);
    expect(result.code).not.toBe(0);
    expect(output(result)).toContain('TS1479');
  }, 120_000);

  it('every app runs against the packed emulator: serves the seeded value, then the changed one', async () => {
    // Built by the test above; vitest runs a file's tests in order.
    const entries = ['nest-cjs', 'express5', 'fastify', 'esm', 'express4'].map((app) => `${app}=${join(dir, app, 'dist', 'main.js')}`);
    const result = await run(process.execPath, [join(dir, 'harness.mjs'), ...entries], dir, 180_000);
    const line = /RESULTS (.+)/.exec(result.stdout)?.[1];
    expect(line, output(result)).toBeDefined();
    const results = JSON.parse(line!) as Record<string, { first?: string; changed?: string; error?: string }>;
    expect(results).toEqual({
      'nest-cjs': { first: 'hello from the tarballs', changed: 'changed live' },
      express5: { first: 'hello from the tarballs', changed: 'changed live' },
      fastify: { first: 'hello from the tarballs', changed: 'changed live' },
      esm: { first: 'hello from the tarballs' },
      express4: { first: 'hello from the tarballs', changed: 'changed live' },
    });
    expect(result.code).toBe(0);
  }, 240_000);

  it("the packed node-infisical's version is its package.json's", () => {
    const pkg = JSON.parse(readFileSync(join(dir, 'node_modules', 'node-infisical', 'package.json'), 'utf8')) as { version: string; exports: unknown };
    expect(readFileSync(join(dir, 'node_modules', 'node-infisical', 'dist', 'version.js'), 'utf8')).toContain(`VERSION = '${pkg.version}'`);
    expect(JSON.stringify(pkg.exports)).not.toContain('@infisical-k8s/source');
  });
});
