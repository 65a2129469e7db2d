// Loaded before every test file (vitest setupFiles): keeps a copy of everything written to the console and to
// stdout/stderr, so the leak scan at the end of the run can check that no token or secret was ever printed.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';

const dir = process.env.INFISICAL_K8S_CAPTURE_DIR;
if (dir) {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `output-${process.pid}.log`);
  const keep = (text: string) => {
    try {
      appendFileSync(file, `${text}\n`);
    } catch {
      // capture is best effort; the scan reports what it has
    }
  };
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]) => {
      keep(format(...args));
      original(...args);
    };
  }
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      keep(typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
      return original(chunk, ...rest);
    }) as typeof stream.write;
  }
}
