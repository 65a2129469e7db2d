#!/usr/bin/env node
// pnpm test:mutation [--package <name>]... [-- <extra stryker flags, e.g. --mutate "packages/core/src/token/schedule.ts">]
// Runs Stryker on each package in turn (never in parallel: the machine has two cores).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ALL = ['core', 'node-infisical', 'express', 'fastify', 'nestjs'];
const args = process.argv.slice(2).filter((a) => a !== '--');
const packages = [];
const extra = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--package' || args[i] === '-p') packages.push(args[++i]);
  else if (args[i].startsWith('--package=')) packages.push(args[i].slice('--package='.length));
  else extra.push(args[i]);
}
for (const p of packages) {
  if (!ALL.includes(p)) {
    console.error(`test:mutation: unknown package "${p}"; one of ${ALL.join(', ')}`);
    process.exit(2);
  }
}
const root = fileURLToPath(new URL('..', import.meta.url));
let failed = 0;
for (const p of packages.length > 0 ? packages : ALL) {
  console.log(`\n== stryker: ${p} (report: reports/mutation/${p}/index.html)`);
  const r = spawnSync('pnpm', ['exec', 'stryker', 'run', `stryker/${p}.config.mjs`, ...extra], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
