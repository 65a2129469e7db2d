import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const demo = join(root, 'examples', 'demo', 'run.mjs');

// Each run gets its own TMPDIR, so "the demo left nothing behind" is an exact check, not a guess among other runs.
const tmpdirs: string[] = [];
function ownTmpdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'demo-test-'));
  tmpdirs.push(dir);
  return dir;
}
// A run that failed its checks still must not outlive the test.
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) continue;
    try {
      process.kill(-child.pid, 'SIGKILL'); // the detached pnpm run: its whole group
    } catch {
      child.kill('SIGKILL');
    }
  }
  for (const dir of tmpdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('pnpm demo --once', () => {
  // On 2024 the demo must provision as that server can log in on a real cluster (no allowedAudience, an API-audience token).
  it.each([[[]], [['--generation', '2024']]])('runs one full cycle %j: every app serves the changed secret after a token rotation, then exits 0', async (flags: string[]) => {
    const tmp = ownTmpdir();
    const { stdout } = await promisify(execFile)(process.execPath, [demo, '--once', ...flags], {
      cwd: root,
      timeout: 60_000,
      env: { ...process.env, FORCE_COLOR: '0', TMPDIR: tmp },
    });
    for (const framework of ['nestjs', 'express', 'fastify']) expect(stdout).toMatch(new RegExp(`${framework}\\s+✔ "hello #1" served after \\d+ ms`));
    const lines = stdout.trimEnd().split('\n');
    // It says what it will do first, and never how to stop a loop it does not run.
    expect(lines[0]).toMatch(/^One cycle on Infisical (current|2024): .*print a summary, stop\.$/);
    expect(stdout).not.toMatch(/Every .* s:|Ctrl-C/);
    // The last line sums the cycle up, with every app's latency.
    expect(lines.at(-1)).toMatch(/^✔ summary: every app served "hello #1" \(nestjs \d+ ms, express \d+ ms, fastify \d+ ms\)$/);
    expect(readdirSync(tmp)).toEqual([]);
  }, 90_000);
});

describe('pnpm demo, stopped by a signal', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s: closes the apps, removes its temporary folder and exits 0', async (signal) => {
    const tmp = ownTmpdir();
    const child = spawn(process.execPath, [demo], { cwd: root, env: { ...process.env, FORCE_COLOR: '0', TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, sig) => resolve({ code, signal: sig })));
    // Wait for the loop to be running: every app has served the first change, the token folder exists.
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (/fastify\s+✔ "hello #1"/.test(stdout)) resolve();
      });
      void exited.then(() => reject(new Error(`demo ended before its first cycle:\n${stdout}\n${stderr}`)));
    });
    expect(stdout).toContain('Ctrl-C stops.');
    expect(readdirSync(tmp).some((name) => name.startsWith('infisical-k8s-demo-'))).toBe(true);
    child.kill(signal);
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(readdirSync(tmp)).toEqual([]);
    expect(stderr).toBe('');
  }, 90_000);
});

describe('pnpm demo, Ctrl-C in a terminal', () => {
  // Ctrl-C signals the whole foreground process group: pnpm, the shell running the script, and node. A shell that
  // sees SIGINT while waiting (dash) dies of it even when node exits 0, and pnpm then prints ELIFECYCLE.
  it('the whole process group gets SIGINT: pnpm exits 0 and prints no ELIFECYCLE', async () => {
    const tmp = ownTmpdir();
    const execPath = process.env.npm_execpath;
    const [command, prefix] = execPath && /pnpm\.c?js$/.test(execPath) ? [process.execPath, [execPath]] : ['pnpm', []];
    const child = spawn(command, [...prefix, 'demo'], {
      cwd: root,
      detached: true, // its own process group, as a terminal's foreground job has
      env: { ...process.env, FORCE_COLOR: '0', TMPDIR: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, sig) => resolve({ code, signal: sig })));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (/fastify\s+✔ "hello #1"/.test(output)) resolve();
      });
      void exited.then(() => reject(new Error(`pnpm demo ended before its first cycle:\n${output}`)));
    });
    process.kill(-child.pid!, 'SIGINT');
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(output).not.toMatch(/ELIFECYCLE|Command failed/);
    expect(readdirSync(tmp)).toEqual([]);
  }, 120_000);
});
