import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENT_VARIABLES, errorCatalog } from '@infisical-k8s/core';

const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md'), 'utf8');

describe('README', () => {
  it('opens with exactly the two set-up commands', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = firstBlock.split('\n').filter((line) => line.trim()).map((line) => line.split('#')[0]!.trim());
    expect(commands).toEqual(['npx -y pnpm@10 install && npx -y pnpm@10 demo', 'npx -y pnpm@10 install && npx -y pnpm@10 test']);
  });

  it('documents every error code', () => {
    for (const code of Object.keys(errorCatalog)) expect(readme).toContain(`| \`${code}\` |`);
  });

  it('documents every environment variable', () => {
    for (const names of Object.values(ENVIRONMENT_VARIABLES)) for (const name of names) expect(readme).toContain(name);
  });
});
