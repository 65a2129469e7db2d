#!/usr/bin/env node
// pnpm test:mutation [--package <name>]... [--by-folder] [--folder <name>]... [-- <extra stryker flags>]
// Runs Stryker on each package in turn (never in parallel: the machine has two cores), then prints each
// package's score (stryker/scores.mjs). core always runs one src folder at a time (--by-folder): a whole core run
// takes hours, and a run stopped midway then loses one folder, not everything.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printScores } from './scores.mjs';

const ALL = ['core', 'node-infisical', 'express', 'fastify', 'nestjs'];
const BY_FOLDER = new Set(['core']);
const args = process.argv.slice(2).filter((a) => a !== '--');
const packages = [];
const folders = [];
const extra = [];
let byFolder = false;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--package' || a === '-p') packages.push(args[++i]);
  else if (a.startsWith('--package=')) packages.push(a.slice('--package='.length));
  else if (a === '--folder') folders.push(args[++i]);
  else if (a.startsWith('--folder=')) folders.push(a.slice('--folder='.length));
  else if (a === '--by-folder') byFolder = true;
  else extra.push(a);
}
for (const p of packages) {
  if (!ALL.includes(p)) {
    console.error(`test:mutation: unknown package "${p}"; one of ${ALL.join(', ')}`);
    process.exit(2);
  }
}
if (folders.length > 0 && packages.length !== 1) {
  console.error('test:mutation: --folder names a folder of one package: add --package <name>');
  process.exit(2);
}
const root = fileURLToPath(new URL('..', import.meta.url));

/** '.' (the files at src's root) and each folder of src that holds source. */
function srcFolders(pkg) {
  const entries = readdirSync(new URL(`../packages/${pkg}/src/`, import.meta.url), { withFileTypes: true });
  return ['.', ...entries.filter((e) => e.isDirectory()).map((e) => e.name).sort()];
}

function stryker(pkg, slice) {
  const where = slice === undefined ? `reports/mutation/${pkg}` : `reports/mutation/${pkg}/by-folder/${slice === '.' ? '_root' : slice}`;
  console.log(`\n== stryker: ${pkg}${slice === undefined ? '' : ` src/${slice}`} (report: ${where}/index.html)`);
  const env = slice === undefined ? process.env : { ...process.env, MUTATION_SLICE: slice };
  return spawnSync('pnpm', ['exec', 'stryker', 'run', `stryker/${pkg}.config.mjs`, ...extra], { cwd: root, stdio: 'inherit', env }).status === 0;
}

let failed = 0;
const chosen = packages.length > 0 ? packages : ALL;
for (const p of chosen) {
  if (byFolder || folders.length > 0 || BY_FOLDER.has(p)) {
    const known = srcFolders(p);
    const unknown = folders.filter((f) => !known.includes(f));
    if (unknown.length > 0) {
      console.error(`test:mutation: ${p} has no src folder ${unknown.join(', ')}; one of ${known.join(', ')}`);
      process.exit(2);
    }
    for (const slice of folders.length > 0 ? folders : known) if (!stryker(p, slice)) failed++;
  } else if (!stryker(p)) failed++;
}
printScores(root, chosen);
process.exit(failed === 0 ? 0 : 1);
