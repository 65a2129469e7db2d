// @ts-check
/**
 * One Stryker config per package, all built here. Each package is mutated with its own vitest project
 * (its own tests only), so a package's score is what its own suite notices; the cross-package e2e
 * project is left out because a run would take hours on two cores.
 *
 * Run from the repository root (`pnpm test:mutation [--package core]`): the sandbox copies the whole
 * workspace, since every package's vitest config reaches `vitest.shared.ts` and `test/support/`.
 */

/**
 * @param {string} pkg folder name under packages/
 * @param {Partial<import('@stryker-mutator/api/core').PartialStrykerOptions>} [extra]
 * @returns {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export function packageConfig(pkg, extra = {}) {
  // MUTATION_SLICE (set by run.mjs --by-folder) narrows a run to one folder of src ('.' = the files at its root),
  // with its own incremental file and report: a run stopped midway loses one folder, not hours.
  const slice = process.env.MUTATION_SLICE;
  const reports = slice ? `reports/mutation/${pkg}/by-folder/${slice === '.' ? '_root' : slice}` : `reports/mutation/${pkg}`;
  const mutate = !slice
    ? [`packages/${pkg}/src/**/*.ts`]
    : slice === '.'
      ? [`packages/${pkg}/src/*.ts`]
      : [`packages/${pkg}/src/${slice}/**/*.ts`];
  return {
    packageManager: 'pnpm',
    testRunner: 'vitest',
    plugins: ['@stryker-mutator/vitest-runner', './stryker/live-reporter.mjs'],
    vitest: { configFile: `packages/${pkg}/vitest.config.ts`, dir: `packages/${pkg}`, related: true },
    mutate: [...mutate, `!packages/${pkg}/src/**/*.test.ts`],
    // Types only, or the barrel: nothing runs there.
    ignorePatterns: ['bench', 'reports', 'examples/*/dist', '**/dist', '.turbo', 'coverage'],
    coverageAnalysis: 'perTest',
    // Two cores are shared with other work; one runner keeps timing-sensitive tests honest.
    concurrency: 1,
    timeoutMS: 20_000,
    timeoutFactor: 2,
    // The dry run is the package's whole suite in one runner: minutes on a loaded machine.
    dryRunTimeoutMinutes: 60,
    incremental: true,
    incrementalFile: `${reports}/stryker-incremental.json`,
    reporters: ['clear-text', 'progress', 'html', 'json', 'live'],
    htmlReporter: { fileName: `${reports}/index.html` },
    jsonReporter: { fileName: `${reports}/mutation.json` },
    tempDirName: `reports/mutation/.tmp-${pkg}${slice ? '-slice' : ''}`,
    cleanTempDir: 'always',
    thresholds: { high: 85, low: 80, break: null },
    ...extra,
  };
}
