import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('pnpm demo --once', () => {
  // On 2024 the demo must provision as that server can log in on a real cluster (no allowedAudience, an API-audience token).
  it.each([[[]], [['--generation', '2024']]])('runs one full cycle %j: every app serves the changed secret after a token rotation, then exits 0', async (flags: string[]) => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(root, 'examples', 'demo', 'run.mjs'), '--once', ...flags], {
      cwd: root,
      timeout: 60_000,
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    for (const framework of ['nestjs', 'express', 'fastify']) expect(stdout).toMatch(new RegExp(`${framework}\\s+✔ "hello #1" served after \\d+ ms`));
  }, 90_000);
});
