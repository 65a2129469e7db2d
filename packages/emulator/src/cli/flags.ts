import type { ServerGeneration } from '../emulator-types.js';
import { EmulatorCliError } from './errors.js';

/** What the command line asks for. */
export interface CliOptions {
  port: number;
  kubernetesPort: number;
  generation: ServerGeneration;
  classic: boolean;
  tls: boolean;
  /** Seconds between rewrites of the service-account token file; 0: never. */
  rotateEverySeconds: number;
  help: boolean;
}

export interface FlagSpec {
  flag: string;
  alias?: string;
  /** The value's placeholder; absent for a switch. */
  arg?: string;
  help: string;
  /** Shown in `--help`. */
  defaultText: string;
  apply(options: CliOptions, value: string): void;
}

export const USAGE = 'usage: infisical-k8s-emulator [--port N] [--kubernetes-port N] [--generation current|2024] [--classic] [--tls] [--rotate-every SECONDS] [--help]';

function port(name: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65_535) throw new EmulatorCliError(`${name} needs a port number between 0 and 65535. ${USAGE}`);
  return n;
}

/** Every flag the parser accepts, and what `--help` prints: one table, so the two cannot drift. */
export const FLAGS: readonly FlagSpec[] = [
  { flag: '--port', arg: 'N', help: 'port of the emulated Infisical (0: a free port)', defaultText: '0', apply: (o, v) => (o.port = port('--port', v)) },
  { flag: '--kubernetes-port', arg: 'N', help: 'port of the emulated Kubernetes API server (0: a free port)', defaultText: '0', apply: (o, v) => (o.kubernetesPort = port('--kubernetes-port', v)) },
  {
    flag: '--generation',
    arg: 'current|2024',
    help: "the Infisical server to play: today's, or one from October 2024 (switch later with the `generation` command)",
    defaultText: 'current',
    apply: (o, v) => {
      if (v !== 'current' && v !== '2024') throw new EmulatorCliError(`--generation needs current or 2024. ${USAGE}`);
      o.generation = v;
    },
  },
  { flag: '--classic', help: 'classic token renewal (refused past createdAt + max TTL) on either generation', defaultText: 'off; a 2024 server renews classically anyway', apply: (o) => (o.classic = true) },
  { flag: '--tls', help: "serve Infisical over HTTPS with the emulator's CA (its path is printed)", defaultText: 'off', apply: (o) => (o.tls = true) },
  {
    flag: '--rotate-every',
    arg: 'SECONDS',
    help: 'rewrite the service-account token file every SECONDS, as a kubelet does (0: never; `rotate` rotates now)',
    defaultText: '600',
    apply: (o, v) => {
      const n = Number(v);
      if (v.trim() === '' || !Number.isInteger(n) || n < 0) throw new EmulatorCliError(`--rotate-every needs a whole number of seconds (0: never). ${USAGE}`);
      o.rotateEverySeconds = n;
    },
  },
  { flag: '--help', alias: '-h', help: 'print this help and exit', defaultText: '', apply: (o) => (o.help = true) },
];

/** Reads the command line; an unknown flag or a bad value is an `EmulatorCliError` naming the flag. */
export function parseFlags(argv: readonly string[]): CliOptions {
  const options: CliOptions = { port: 0, kubernetesPort: 0, generation: 'current', classic: false, tls: false, rotateEverySeconds: 600, help: false };
  for (let i = 0; i < argv.length; i++) {
    const [name = '', inline] = argv[i]!.split(/=(.*)/s, 2);
    const spec = FLAGS.find((f) => f.flag === name || f.alias === name);
    if (!spec) throw new EmulatorCliError(`unknown option ${JSON.stringify(name)}. ${USAGE}`);
    if (!spec.arg) {
      if (inline !== undefined) throw new EmulatorCliError(`${spec.flag} takes no value. ${USAGE}`);
      spec.apply(options, '');
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new EmulatorCliError(`${spec.flag} needs a value (${spec.arg}). ${USAGE}`);
    spec.apply(options, value);
  }
  return options;
}

function column(rows: Array<[string, string]>): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}

/** The `--help` text: flags from `FLAGS`, commands from the table the session runs. */
export function helpText(commands: ReadonlyArray<{ usage: string; help: string }>): string {
  const flagRows = FLAGS.map((f): [string, string] => [
    [f.alias, f.arg ? `${f.flag} ${f.arg}` : f.flag].filter(Boolean).join(', '),
    f.defaultText ? `${f.help} [default: ${f.defaultText}]` : f.help,
  ]);
  return [
    USAGE,
    '',
    'Starts a local Infisical and Kubernetes API on loopback, provisions a demo identity (Kubernetes Auth, project viewer),',
    'a project with secrets and a kubelet-style token file, prints what an app and an administrator need, and runs until',
    'Ctrl-C or SIGTERM; then it closes everything and removes its temp folder.',
    '',
    'Options:',
    ...column(flagRows),
    '',
    'Commands, typed on its standard input while it runs (one per line):',
    ...column(commands.map((c) => [c.usage, c.help])),
  ].join('\n');
}
