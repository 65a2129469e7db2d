import type { Emulator } from '../emulator-types.js';
import type { FaultSpec } from '../http/faults.js';
import type { Provisioned } from '../provision.js';

/** What the commands act on. */
export interface CommandTarget {
  emu: Emulator;
  app: Provisioned;
  /** Ends the session (as Ctrl-C does). */
  stop(): void;
}

interface CommandSpec {
  name: string;
  usage: string;
  help: string;
  /** The answer, one line. */
  run(target: CommandTarget, rest: string): string | Promise<string>;
}

/** Named route sets a fault can hit; anything else is taken as a route key, e.g. `GET /api/v1/folders`. */
const FAULT_ROUTES: Record<string, string | RegExp> = {
  secrets: /^GET \/api\/(v4\/secrets|v3\/secrets\/raw)$/,
  login: 'POST /api/v1/auth/kubernetes-auth/login',
  renew: 'POST /api/v1/auth/token/renew',
  events: 'POST /api/v1/events/subscribe/project-events',
  tokenreview: 'POST /apis/authentication.k8s.io/v1/tokenreviews',
  all: /./,
};

const FAULT_KINDS: Record<string, Omit<FaultSpec, 'route'>> = { reset: { reset: true }, hang: { hang: true }, html: { html: true }, malformed: { malformed: true } };

function faultSpec(kind: string): Omit<FaultSpec, 'route'> | undefined {
  // A 429 or 503 says when to come back, as Infisical's rate limiter and proxies do.
  if (/^[1-5]\d\d$/.test(kind)) return { status: Number(kind), ...(kind === '429' || kind === '503' ? { retryAfter: 1 } : {}) };
  const delay = /^delay=(\d+)$/.exec(kind);
  if (delay) return { delayMs: Number(delay[1]) };
  return FAULT_KINDS[kind];
}

/** `KIND [ROUTE] [COUNT]`, where ROUTE may be a route key with a space (`GET /api/v1/folders`), quoted or not. */
function parseFault(rest: string): { kind: string; routeName: string; timesText: string } {
  const tokens = rest.split(/\s+/).filter(Boolean);
  const kind = tokens.shift() ?? '';
  const timesText = tokens.length > 0 && /^(\d+|always)$/.test(tokens.at(-1)!) ? tokens.pop()! : '1';
  const routeName = tokens.join(' ').replace(/^["']|["']$/g, '') || 'secrets';
  return { kind, routeName, timesText };
}

function fault(target: CommandTarget, rest: string): string {
  const { kind, routeName, timesText } = parseFault(rest);
  if (kind === 'clear') {
    target.emu.faults.clear();
    return 'ok: every fault cleared';
  }
  const spec = faultSpec(kind);
  if (!spec) return 'error: fault needs a status (e.g. 503), reset, hang, html, malformed, delay=MS or clear';
  const times = timesText === 'always' ? undefined : Number(timesText);
  if (times !== undefined && times < 1) return 'error: the fault count is a whole number from 1, or always';
  const route = FAULT_ROUTES[routeName] ?? (/^[A-Z]+ \/\S*$/.test(routeName) ? routeName : undefined);
  if (route === undefined) return `error: unknown route ${JSON.stringify(routeName)}: use ${Object.keys(FAULT_ROUTES).join(', ')}, or a route key such as "GET /api/v1/folders"`;
  target.emu.faults.inject({ ...spec, route, ...(times ? { times } : {}) });
  return `ok: fault ${kind} on ${routeName}, ${times ? `the next ${times} request(s)` : 'every request until `fault clear`'}`;
}

function set(target: CommandTarget, rest: string): string {
  const at = rest.indexOf('=');
  const key = at < 0 ? '' : rest.slice(0, at).trim();
  if (!key || /\s/.test(key)) return 'error: set needs KEY=value (a key without spaces)';
  const { app } = target;
  const { version } = target.emu.setSecret({ projectId: app.projectId, environment: app.environment, secretPath: app.secretPath, key, value: rest.slice(at + 1) });
  // The value stays out of the answer: a terminal's scrollback is a log too.
  return `ok: ${key} set (version ${version})`;
}

function remove(target: CommandTarget, rest: string): string {
  const key = rest.trim();
  if (!key) return 'error: delete needs a KEY';
  const { app } = target;
  const existed = target.emu.deleteSecret({ projectId: app.projectId, environment: app.environment, secretPath: app.secretPath, key });
  return existed ? `ok: ${key} deleted` : `error: no secret ${key} in ${app.environment} ${app.secretPath}`;
}

function generation(target: CommandTarget, rest: string): string {
  const wanted = rest.trim();
  if (wanted !== 'current' && wanted !== '2024') return 'error: generation needs current or 2024';
  target.emu.setGeneration(wanted);
  return wanted === '2024'
    ? 'ok: now an October 2024 server (no /api/v4/secrets, no event stream, classic renewal, rate limits on)'
    : "ok: now today's server (/api/v4/secrets and the event stream are back)";
}

/** Every command the session accepts; `--help` and `help` print this table. */
export const COMMANDS: readonly CommandSpec[] = [
  { name: 'set', usage: 'set KEY=value', help: "create or update a secret in the demo project's environment and path", run: set },
  { name: 'delete', usage: 'delete KEY', help: 'delete a secret', run: remove },
  {
    name: 'rotate',
    usage: 'rotate',
    help: 'rewrite the service-account token file now (a new JWT, as the kubelet does)',
    run: async ({ app }) => {
      await app.projected.rotate();
      return `ok: token file rotated (${app.projected.path})`;
    },
  },
  {
    name: 'fault',
    usage: 'fault KIND [ROUTE] [COUNT]',
    help: `KIND: an HTTP status (503, 429, ...), reset, hang, html, malformed, delay=MS, or clear; ROUTE: ${Object.keys(FAULT_ROUTES).join('|')} (default secrets); COUNT: a number or always (default 1)`,
    run: fault,
  },
  { name: 'generation', usage: 'generation current|2024', help: 'switch the server generation in place; data and tokens stay', run: generation },
  { name: 'help', usage: 'help', help: 'list these commands', run: () => `ok: commands: ${COMMANDS.map((c) => c.usage).join(' | ')} (--help explains them)` },
  {
    name: 'quit',
    usage: 'quit',
    help: 'stop, as Ctrl-C does',
    run: (target) => {
      target.stop();
      return 'ok: stopping';
    },
  },
];

/** Runs one line of input; never throws: a bad command answers `error: ...`. */
export async function runCommand(line: string, target: CommandTarget): Promise<string | undefined> {
  const trimmed = line.trim();
  if (!trimmed || trimmed.startsWith('#')) return undefined;
  const [name = ''] = trimmed.split(/\s/, 1);
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) return `error: unknown command ${JSON.stringify(name)}; type help`;
  try {
    return await command.run(target, trimmed.slice(name.length).trim());
  } catch (error) {
    return `error: ${error instanceof Error ? error.message : String(error)}`;
  }
}
