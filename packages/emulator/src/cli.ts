import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from './emulator.js';
import { provision } from './provision.js';
import { banner } from './cli/banner.js';
import { COMMANDS } from './cli/commands.js';
import { parseFlags, helpText, type CliOptions } from './cli/flags.js';
import { runSession, untilSignal } from './cli/session.js';

export { EmulatorCliError } from './cli/errors.js';
export { FLAGS, type CliOptions } from './cli/flags.js';
export { COMMANDS } from './cli/commands.js';

/** What `main` needs from its surroundings; tests pass their own. */
export interface CliIo {
  log(line: string): void;
  /** Resolves when the emulator should stop (default: SIGINT or SIGTERM). */
  stopped?: Promise<unknown>;
  /** Where commands come from, one per line (the bin passes standard input); none: no commands. */
  input?: NodeJS.ReadableStream;
}

const DEMO_SECRETS = { GREETING: 'hello from the emulator', DATABASE_URL: 'postgres://app:app@localhost:5432/app', API_KEY: 'emulator-api-key' };

/** A token outlives two rotation intervals, so the file never holds an expired one; without rotation it lasts a day. */
const tokenLifetime = (options: CliOptions): number => (options.rotateEverySeconds > 0 ? Math.max(3600, 2 * options.rotateEverySeconds) : 86_400);

/**
 * `infisical-k8s-emulator [flags]` (`--help` lists them): starts the emulator (as today's server, or one from
 * October 2024), provisions a demo identity with Kubernetes Auth, a project with secrets and a projected token,
 * prints what an app and an administrator need, runs commands from `io.input` (set, delete, rotate, fault,
 * generation) until Ctrl-C or SIGTERM; then closes everything and removes its temp folder.
 *
 * @example
 * // bin/emulator.mjs
 * import { main } from '../dist/cli.js';
 * await main(process.argv.slice(2), { log: (line) => console.log(line), input: process.stdin });
 */
export async function main(argv: string[], io: CliIo = { log: (line) => console.log(line) }): Promise<void> {
  const options = parseFlags(argv);
  if (options.help) {
    io.log(helpText(COMMANDS));
    return;
  }
  // Listening from the start: a Ctrl-C during start-up still cleans up.
  const signals = io.stopped ? undefined : untilSignal();
  const stopped = io.stopped ?? signals!.stopped;
  const renewalMode = options.classic || options.generation === '2024' ? 'classic' : 'current';
  const emu = await startEmulator({
    generation: options.generation,
    infisicalPort: options.port,
    kubernetesPort: options.kubernetesPort,
    // Left to follow the generation unless asked for, so the `generation` command switches renewal too.
    ...(options.classic ? { renewalMode: 'classic' as const } : {}),
    infisicalTls: options.tls,
  });
  let dir: string | undefined;
  try {
    dir = await mkdtemp(join(tmpdir(), 'infisical-k8s-emulator-'));
    const tokenLifetimeSeconds = tokenLifetime(options);
    const app = await provision(emu, {
      secrets: DEMO_SECRETS,
      tokenDir: join(dir, 'serviceaccount'),
      // Both generations accept this login, so the `generation` command never locks the app out: no audience
      // restriction, and a token for the API server's own audiences (as a 2024 server needs).
      allowedAudience: '',
      token: { namespace: 'default', name: 'infisical-auth', expirationSeconds: tokenLifetimeSeconds },
    });
    const caPath = join(dir, 'ca.crt');
    await writeFile(caPath, emu.caCert);
    if (options.rotateEverySeconds > 0) app.projected.startRotation(options.rotateEverySeconds * 1000);
    const env = { ...app.env, ...(options.tls ? { INFISICAL_CA_PATH: caPath } : {}) };
    const facts = { options, renewalMode, caPath, keys: Object.keys(DEMO_SECRETS), tokenLifetimeSeconds, env, commands: Boolean(io.input) } as const;
    for (const line of banner(emu, app, facts)) io.log(line);
    await runSession(io.input, stopped, { emu, app }, io.log);
    app.projected.stop();
  } finally {
    signals?.dispose();
    await emu.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}
