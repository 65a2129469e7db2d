import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'examples/*/vitest.config.ts', 'test/vitest.config.ts'],
    // One process per file keeps emulators, ports and clocks apart; two cores, two workers.
    pool: 'forks',
    maxWorkers: 2,
  },
});
