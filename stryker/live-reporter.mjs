// @ts-check
// A Stryker reporter that appends each tested mutant to <report folder>/live.jsonl as it is tested, so a long run
// shows its survivors while it runs, and what was tested is not lost when the run is stopped (Stryker writes its
// own reports only at the end). Declared as the plain object declareClassPlugin() builds, so the root needs no
// @stryker-mutator/api dependency of its own.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';

class LiveReporter {
  static inject = /** @type {const} */ (['options']);

  /** @param {{ jsonReporter: { fileName: string } }} options */
  constructor(options) {
    this.file = `${dirname(options.jsonReporter.fileName)}/live.jsonl`;
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileSync(this.file, '');
  }

  /** @param {{ fileName: string, location: { start: { line: number, column: number } }, status: string, mutatorName: string, replacement?: string, testsCompleted?: number, statusReason?: string }} result */
  onMutantTested(result) {
    const { fileName, location, status, mutatorName, replacement, testsCompleted, statusReason } = result;
    const line = { file: relative(process.cwd(), fileName), line: location.start.line, column: location.start.column, status, mutatorName, replacement, testsCompleted, statusReason: statusReason?.slice(0, 200) };
    appendFileSync(this.file, `${JSON.stringify(line)}\n`);
  }
}

export const strykerPlugins = [{ kind: 'Reporter', name: 'live', injectableClass: LiveReporter }];
