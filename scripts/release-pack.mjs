#!/usr/bin/env node
// `pnpm release:pack [--out DIR]`: an installable tarball of every public package in one folder (default
// dist-packages/). `pnpm pack` does the packing because it applies publishConfig (exports without the
// @infisical-k8s/source condition) and rewrites workspace:* to real versions; `npm pack` would do neither.
// Every tarball is checked before it counts: LICENSE inside, no source condition, no workspace: range, no map
// without its sources. Prints one tarball path a line on stdout; exits 1 naming the first problem.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outIndex = process.argv.indexOf('--out');
const out = resolve(outIndex >= 0 && process.argv[outIndex + 1] ? process.argv[outIndex + 1] : join(root, 'dist-packages'));
const SOURCE_CONDITION = '@infisical-k8s/source';

/** pnpm itself when a pnpm script started us (CI may have it only through npx), else the one on PATH. */
function pnpm(args, cwd) {
  const execPath = process.env.npm_execpath;
  const [command, prefix] = execPath && /pnpm\.c?js$/.test(execPath) ? [process.execPath, [execPath]] : ['pnpm', []];
  return execFileSync(command, [...prefix, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function withoutSourceCondition(value) {
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => key !== SOURCE_CONDITION).map(([key, v]) => [key, withoutSourceCondition(v)]));
}

function fail(message) {
  console.error(`release:pack: ${message}`);
  process.exit(1);
}

function tarList(tarball) {
  return execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

function tarRead(tarball, path) {
  return execFileSync('tar', ['-xzOf', tarball, path], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

function check(tarball, name, main) {
  const files = tarList(tarball);
  if (!files.includes('package/LICENSE')) fail(`${name}: no LICENSE in ${tarball}`);
  if (!files.includes(`package/${main.replace(/^\.\//, '')}`)) fail(`${name}: no ${main} in ${tarball}: run pnpm build first`);
  const manifest = tarRead(tarball, 'package/package.json');
  if (manifest.includes(SOURCE_CONDITION)) fail(`${name}: the packed package.json still names ${SOURCE_CONDITION}`);
  if (manifest.includes('workspace:')) fail(`${name}: the packed package.json still has a workspace: range`);
  for (const map of files.filter((file) => file.endsWith('.map'))) {
    const parsed = JSON.parse(tarRead(tarball, map));
    const complete = Array.isArray(parsed.sourcesContent) && parsed.sourcesContent.length === parsed.sources.length && parsed.sourcesContent.every((s) => typeof s === 'string');
    if (!complete) fail(`${name}: ${map} points at sources the tarball does not ship`);
  }
}

const packages = readdirSync(join(root, 'packages'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => join(root, 'packages', entry.name))
  .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
  .filter(({ pkg }) => !pkg.private);

mkdirSync(out, { recursive: true });
for (const file of readdirSync(out)) if (file.endsWith('.tgz')) rmSync(join(out, file));

for (const { dir, pkg } of packages) {
  // publishConfig.exports replaces exports in the tarball: a subpath added to one and not the other would vanish.
  const expected = JSON.stringify(withoutSourceCondition(pkg.exports));
  if (JSON.stringify(pkg.publishConfig?.exports) !== expected) {
    fail(`${pkg.name}: publishConfig.exports must be exports without the ${SOURCE_CONDITION} condition: ${expected}`);
  }
  const before = new Set(readdirSync(out));
  pnpm(['pack', '--pack-destination', out], dir);
  const made = readdirSync(out).filter((file) => file.endsWith('.tgz') && !before.has(file));
  if (made.length !== 1) fail(`${pkg.name}: pnpm pack wrote ${made.length} tarballs`);
  const tarball = join(out, made[0]);
  check(tarball, pkg.name, pkg.main);
  console.log(tarball);
}
