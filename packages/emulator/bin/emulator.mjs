#!/usr/bin/env node
import { main } from '../dist/cli.js';

main(process.argv.slice(2), { log: (line) => console.log(line), input: process.stdin }).then(
  // Standard input may still be open (a terminal): nothing else is left to wait for.
  () => process.exit(process.exitCode ?? 0),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
