// vitest globalSetup: clears the captured output before the run and scans it after. A JWT (access token or
// service-account token) or a seeded secret value anywhere in the output fails the run.
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(process.cwd(), '.tmp', 'captured-output');
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/;
/** Distinctive values that tests seed as secrets; none may ever be printed. */
export const SEEDED_SECRETS = ['S3CRET-VALUE-7d1c5e', 'seeded-value-4f1e', 'demo-password', 'key-12345678'];

export function setup(): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  process.env.INFISICAL_K8S_CAPTURE_DIR = dir;
}

export function teardown(): void {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const lines = readFileSync(join(dir, name), 'utf8').split('\n');
    for (const line of lines) {
      if (JWT.test(line)) found.push(`a JWT in ${name}: ${line.slice(0, 80).replace(JWT, '<jwt>')}`);
      for (const value of SEEDED_SECRETS) if (line.includes(value)) found.push(`a seeded secret in ${name}`);
    }
  }
  if (found.length > 0) {
    // A throw here is only logged by vitest; the exit code is what fails CI.
    process.exitCode = 1;
    throw new Error(`leak scan: ${found.length} line(s) of test output hold a token or a secret:\n${found.slice(0, 10).join('\n')}`);
  }
}
