#!/usr/bin/env node
// Build step: src/version.ts restates package.json's version, so the user-agent names the version that was
// built and published. A plain TS constant (no JSON import, no fs read at run time) keeps the module loadable
// everywhere it is today: ESM, a CommonJS app's require(esm) on Node 20.19, bundlers, and the source condition
// in tests. The file is committed; test/transport.test.ts ("sends its user-agent") fails when it drifts from package.json.
import { readFileSync, writeFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const target = new URL('../src/version.ts', import.meta.url);
const text = `// Written by scripts/write-version.mjs from package.json at build time; edit the version there.\nexport const VERSION = '${pkg.version}';\n`;
let current = '';
try {
  current = readFileSync(target, 'utf8');
} catch {
  // first build: no file yet
}
// Rewrite only on a change, so an unchanged version never touches the file (turbo's cache keys on src/**).
if (current !== text) writeFileSync(target, text);
