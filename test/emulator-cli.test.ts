// `pnpm emulator` as a person uses it: start the bin, type commands on its standard input, and watch the change
// through node-infisical, as an app would see it. Needs the emulator built (the bin runs dist/), as `pnpm test` does.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InfisicalClient } from 'node-infisical';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'emulator', 'bin', 'emulator.mjs');

describe('pnpm emulator (bin) and its commands', () => {
  it('shows a live change to node-infisical: set, delete, generation switch; SIGTERM exits 0 and removes its folder', async () => {
    const child = spawn(process.execPath, [bin, '--rotate-every', '0'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const lines: string[] = [];
    const waiting: Array<() => void> = [];
    let buffer = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const parts = (buffer + chunk).split('\n');
      buffer = parts.pop()!;
      lines.push(...parts);
      for (const wake of waiting.splice(0)) wake();
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => {
        resolve(code);
        for (const wake of waiting.splice(0)) wake();
      }),
    );
    // Output is never printed here: it holds the administrator's token.
    const next = async (match: (line: string) => boolean, from = 0): Promise<string> => {
      for (;;) {
        const found = lines.slice(from).find(match);
        if (found !== undefined) return found;
        if (child.exitCode !== null) throw new Error(`the emulator exited with ${child.exitCode}`);
        await new Promise<void>((resolve) => waiting.push(resolve));
      }
    };
    const command = (line: string) => {
      const from = lines.length;
      child.stdin.write(`${line}\n`);
      return next((l) => /^(ok|error):/.test(l), from);
    };
    try {
      await next((l) => l === 'Press Ctrl-C to stop.');
      const env = Object.fromEntries(lines.filter((l) => l.startsWith('export ')).map((l) => [l.slice(7, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      const client = new InfisicalClient({ baseUrl: env.INFISICAL_SITE_URL! });
      const jwt = () => readFileSync(env.INFISICAL_KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH!, 'utf8');
      await client.login({ kubernetesAuth: { identityId: env.INFISICAL_KUBERNETES_IDENTITY_ID!, jwt: jwt() } });
      const where = { projectId: env.INFISICAL_PROJECT_ID!, environment: env.INFISICAL_ENVIRONMENT!, secretPath: env.INFISICAL_SECRET_PATH! };
      const values = async () => Object.fromEntries((await client.secrets.list(where)).secrets.map((s) => [s.secretKey, s.secretValue]));
      expect(await values()).toMatchObject({ GREETING: 'hello from the emulator' });

      expect(await command('set GREETING=hello, live')).toMatch(/^ok:/);
      expect(await command('delete API_KEY')).toMatch(/^ok:/);
      expect(await values()).toEqual({ GREETING: 'hello, live', DATABASE_URL: 'postgres://app:app@localhost:5432/app' });

      // An October 2024 server: node-infisical falls back to /api/v3/secrets/raw and still sees the same data.
      expect(await command('generation 2024')).toMatch(/^ok:/);
      expect(await command('set GREETING=from 2024')).toMatch(/^ok:/);
      expect(await values()).toMatchObject({ GREETING: 'from 2024' });

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(existsSync(dirname(dirname(env.INFISICAL_KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH!)))).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);
});
