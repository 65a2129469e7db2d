import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from './emulator.js';
import { provision } from './provision.js';

/**
 * Thrown for a command line the CLI cannot use.
 *
 * @example
 * await main(['--port', 'eighty']).catch((e) => e instanceof EmulatorCliError && console.error(e.message));
 */
export class EmulatorCliError extends Error {
  readonly code = 'EMULATOR_CLI_USAGE';
  override readonly name = 'EmulatorCliError';
}

const USAGE = 'usage: infisical-k8s-emulator [--port N] [--kubernetes-port N] [--generation current|2024] [--classic] [--tls]';

function generationFlag(argv: string[]): 'current' | '2024' {
  const index = argv.indexOf('--generation');
  if (index < 0) return 'current';
  const value = argv[index + 1];
  if (value !== 'current' && value !== '2024') throw new EmulatorCliError(`--generation needs current or 2024. ${USAGE}`);
  return value;
}

function portFlag(argv: string[], name: string): number {
  const index = argv.indexOf(name);
  if (index < 0) return 0;
  const value = Number(argv[index + 1]);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) throw new EmulatorCliError(`${name} needs a port number between 0 and 65535. ${USAGE}`);
  return value;
}

/** What `main` needs from its surroundings; tests pass their own. */
export interface CliIo {
  log(line: string): void;
  /** Resolves when the emulator should stop (default: SIGINT or SIGTERM). */
  stopped?: Promise<unknown>;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/**
 * `infisical-k8s-emulator [--port N] [--kubernetes-port N] [--generation current|2024] [--classic] [--tls]`: starts the emulator
 * (as today's server, or one from October 2024),
 * provisions a demo identity with Kubernetes Auth, a project with secrets and a projected token, prints
 * what an app needs, and runs until Ctrl-C; then closes everything and removes its temp folder.
 *
 * @example
 * // bin/emulator.mjs
 * import { main } from '../dist/cli.js';
 * await main(process.argv.slice(2));
 */
export async function main(argv: string[], io: CliIo = { log: (line) => console.log(line) }): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.log(USAGE);
    return;
  }
  const tls = argv.includes('--tls');
  const generation = generationFlag(argv);
  const renewalMode = argv.includes('--classic') || generation === '2024' ? 'classic' : 'current';
  const emu = await startEmulator({
    generation,
    infisicalPort: portFlag(argv, '--port'),
    kubernetesPort: portFlag(argv, '--kubernetes-port'),
    renewalMode,
    infisicalTls: tls,
  });
  const dir = await mkdtemp(join(tmpdir(), 'infisical-k8s-emulator-'));
  try {
    const app = await provision(emu, {
      secrets: { GREETING: 'hello from the emulator', DATABASE_URL: 'postgres://app:app@localhost:5432/app', API_KEY: 'emulator-api-key' },
      tokenDir: join(dir, 'serviceaccount'),
    });
    const caPath = join(dir, 'ca.crt');
    await writeFile(caPath, emu.caCert);
    // A kubelet refreshes projected tokens well before they expire; so does the CLI.
    app.projected.startRotation(10 * 60_000);
    const env = { ...app.env, ...(tls ? { INFISICAL_CA_PATH: caPath } : {}) };
    io.log(`Infisical (emulated):      ${emu.infisicalUrl}`);
    io.log(`Kubernetes API (emulated): ${emu.kubernetes.host}`);
    io.log(`Emulator CA:               ${caPath}`);
    io.log(`Service-account token:     ${app.projected.path}`);
    io.log(`Identity id:               ${app.identityId}`);
    io.log(`Project id:                ${app.projectId} (environment ${app.environment}, path ${app.secretPath})`);
    io.log(`Server generation:         ${generation}`);
    io.log(`Renewal mode:              ${renewalMode}`);
    io.log('');
    io.log('Environment for an app:');
    for (const [key, value] of Object.entries(env)) io.log(`export ${key}=${value}`);
    io.log('');
    io.log('Press Ctrl-C to stop.');
    await (io.stopped ?? untilSignal());
    app.projected.stop();
  } finally {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  }
}
