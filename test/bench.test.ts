import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// The benchmark is not run by the suite (it takes minutes and its figures are for reading, not asserting);
// this keeps it from rotting: a quick section runs, and the counts it reports are the exact ones.
describe('pnpm bench --quick', () => {
  it('runs the cold-start section and writes its JSON, with 1 login, 0 renewals and 1 list', async () => {
    await promisify(execFile)(process.execPath, ['--expose-gc', join(root, 'test', 'bench', 'run.mjs'), '--quick', '--only=coldstart'], {
      cwd: root,
      timeout: 60_000,
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    const results = JSON.parse(await readFile(join(root, 'bench', 'results.coldstart.json'), 'utf8'));
    expect(results.coldStart).toMatchObject({ requests: 1000, ok: 1000, logins: 1, renewals: 0, listsPerSource: 1 });
    expect(results.machine.cpus).toBeGreaterThan(0);
  }, 90_000);

  it('refuses an unknown section by name', async () => {
    const run = promisify(execFile)(process.execPath, [join(root, 'test', 'bench', 'run.mjs'), '--only=speed'], { cwd: root, timeout: 30_000 });
    await expect(run).rejects.toMatchObject({ stderr: expect.stringContaining('--only: unknown section "speed"') });
  });
});
