import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'examples/*/vitest.config.ts', 'test/vitest.config.ts'],
    // Everything printed during the run is scanned for tokens and seeded secrets at the end.
    globalSetup: ['test/support/leak-scan.ts'],
    // One process per file keeps emulators, ports and clocks apart; two cores, two workers.
    pool: 'forks',
    maxWorkers: 2,
  },
});
