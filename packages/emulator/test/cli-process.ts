import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createRequire } from 'node:module';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = join(root, 'bin', 'emulator.mjs');

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** The bin runs `dist/`: rebuild it when a source file is newer, so the test never runs stale code. */
export async function ensureBuilt(): Promise<void> {
  let built = 0;
  try {
    built = statSync(join(root, 'dist', 'cli.js')).mtimeMs;
  } catch {
    built = 0;
  }
  if (built >= newest(join(root, 'src'))) return;
  await promisify(execFile)(process.execPath, [join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { cwd: root });
}

/** A running `infisical-k8s-emulator`, read line by line (never printed: its output holds the admin token). */
export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  lines: string[];
  /** The first line (from `from` on) that matches. */
  waitFor(match: (line: string) => boolean, from?: number): Promise<string>;
  /** Sends one command and resolves with its answer (the next `ok:` or `error:` line). */
  command(line: string): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startCli(args: string[]): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffer += chunk;
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    lines.push(...parts);
    for (const wake of waiters) wake();
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  void exited.then(() => {
    for (const wake of waiters) wake();
  });
  const waitFor = (match: (line: string) => boolean, from = 0) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const found = lines.slice(from).find(match);
        if (found !== undefined) {
          waiters.delete(check);
          resolve(found);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          waiters.delete(check);
          reject(new Error(`the CLI exited (${child.exitCode ?? child.signalCode}) first; stderr: ${stderr.slice(0, 500)}`));
        }
      };
      waiters.add(check);
      check();
    });
  const command = (line: string) => {
    const from = lines.length;
    child.stdin.write(`${line}\n`);
    return waitFor((l) => l.startsWith('ok:') || l.startsWith('error:'), from);
  };
  return { child, lines, waitFor, command, exited };
}

/** `Label:   value` from the banner. */
export const value = (lines: string[], label: string): string => lines.find((l) => l.startsWith(`${label}:`))!.slice(label.length + 1).trim().split(' ')[0]!;

/** The `export KEY=value` lines as an object. */
export const exported = (lines: string[]): Record<string, string> =>
  Object.fromEntries(lines.filter((l) => l.startsWith('export ')).map((l) => [l.slice(7, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
