import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'examples/*', 'test'],
    // One process per file keeps emulators, ports and clocks apart; two cores, two workers.
    pool: 'forks',
    maxWorkers: 2,
  },
});
