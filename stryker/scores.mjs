// @ts-check
// Each package's mutation score from its JSON reports: reports/mutation/<pkg>/mutation.json, or the union of
// reports/mutation/<pkg>/by-folder/*/mutation.json when the package ran one folder at a time.
// `node stryker/scores.mjs [pkg...]` prints them without running anything.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

/** @param {string} dir */
function reportsOf(dir) {
  const folders = join(dir, 'by-folder');
  if (existsSync(folders)) {
    return readdirSync(folders)
      .map((f) => join(folders, f, 'mutation.json'))
      .filter((f) => existsSync(f));
  }
  const whole = join(dir, 'mutation.json');
  return existsSync(whole) ? [whole] : [];
}

/**
 * @param {string} root the repository root
 * @param {string} pkg
 */
export function scoreOf(root, pkg) {
  const counts = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, Ignored: 0, RuntimeError: 0, CompileError: 0 };
  const reports = reportsOf(join(root, 'reports/mutation', pkg));
  const files = new Set();
  for (const report of reports) {
    const json = JSON.parse(readFileSync(report, 'utf8'));
    for (const [file, { mutants }] of Object.entries(json.files)) {
      files.add(file);
      for (const m of mutants) counts[/** @type {keyof typeof counts} */ (m.status)] = (counts[/** @type {keyof typeof counts} */ (m.status)] ?? 0) + 1;
    }
  }
  let detected = 0;
  let undetected = 0;
  for (const [status, n] of Object.entries(counts)) {
    if (DETECTED.has(status)) detected += n;
    if (UNDETECTED.has(status)) undetected += n;
  }
  const valid = detected + undetected;
  return { pkg, reports: reports.length, files: files.size, ...counts, score: valid === 0 ? null : Math.round((detected / valid) * 1000) / 10 };
}

/**
 * @param {string} root
 * @param {string[]} packages
 */
export function printScores(root, packages) {
  const scores = packages.map((p) => scoreOf(root, p)).filter((s) => s.reports > 0);
  if (scores.length === 0) return;
  console.log('\nmutation score (killed + timeout) / (killed + timeout + survived + no coverage):');
  for (const s of scores) {
    console.log(`  ${s.pkg.padEnd(15)} ${s.score === null ? '   -' : `${s.score.toFixed(1)} %`}  killed ${s.Killed}, timeout ${s.Timeout}, survived ${s.Survived}, no coverage ${s.NoCoverage}, ignored ${s.Ignored}, errors ${s.RuntimeError + s.CompileError}; ${s.files} files`);
  }
  writeFileSync(join(root, 'reports/mutation/scores.json'), `${JSON.stringify(scores, null, 2)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const asked = process.argv.slice(2);
  printScores(root, asked.length > 0 ? asked : ['core', 'node-infisical', 'express', 'fastify', 'nestjs']);
}
