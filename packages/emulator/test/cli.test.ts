import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS, FLAGS, main } from '../src/cli.js';
import { parseFlags } from '../src/cli/flags.js';
import { request } from './helpers.js';
import { ensureBuilt, exported, startCli, value } from './cli-process.js';

beforeAll(() => ensureBuilt(), 180_000);

/** A value each flag accepts, so every row of the table is parsed for real. */
const SAMPLE: Record<string, string> = { N: '0', 'current|2024': '2024', SECONDS: '30' };

describe('Function: main (CLI) --help', () => {
  it('lists every flag the parser accepts, with its default, and every command; the parser takes each of them', async () => {
    const lines: string[] = [];
    await main(['--help'], { log: (line) => lines.push(line) });
    const help = lines.join('\n');
    for (const flag of FLAGS) {
      const row = help.split('\n').find((l) => l.startsWith('  ') && l.includes(flag.arg ? `${flag.flag} ${flag.arg}` : flag.flag));
      expect(row).toContain(flag.defaultText ? `${flag.help} [default: ${flag.defaultText}]` : flag.help);
      expect(() => parseFlags(flag.arg ? [flag.flag, SAMPLE[flag.arg]!] : [flag.flag])).not.toThrow();
    }
    for (const command of COMMANDS) expect(help).toContain(command.usage);
    expect(parseFlags(['--rotate-every=0', '--port=0'])).toMatchObject({ rotateEverySeconds: 0, port: 0 });
  });

  it('the package README documents every flag and every command', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8').replaceAll('\\|', '|');
    for (const flag of FLAGS) expect(readme).toContain(`\`${flag.arg ? `${flag.flag} ${flag.arg}` : flag.flag}\` |`);
    for (const command of COMMANDS) expect(readme).toContain(`| \`${command.usage}\``);
  });

  it('refuses an unknown flag, a missing value and a bad number with a typed error naming the flag', () => {
    expect(() => parseFlags(['--prot', '1'])).toThrow(expect.objectContaining({ code: 'EMULATOR_CLI_USAGE', message: expect.stringContaining('unknown option "--prot"') }));
    expect(() => parseFlags(['--port'])).toThrow(/--port needs a value/);
    expect(() => parseFlags(['--rotate-every', '-5'])).toThrow(/--rotate-every needs a whole number/);
    expect(() => parseFlags(['--tls=yes'])).toThrow(/--tls takes no value/);
  });

  it('prints the help from the bin and exits 0', async () => {
    const cli = startCli(['--help']);
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.lines.join('\n')).toContain('--rotate-every SECONDS');
  });
});

describe('bin/emulator.mjs (a person at a terminal)', () => {
  it('prints the admin credentials, the seeded keys and the rotation interval; set, delete, rotate, fault and generation act on the running server; SIGTERM exits 0 and removes its folder', async () => {
    const cli = startCli(['--port', '0', '--rotate-every', '900']);
    await cli.waitFor((l) => l === 'Press Ctrl-C to stop.');
    const { lines } = cli;
    const env = exported(lines);
    const site = env.INFISICAL_SITE_URL!;
    expect(lines).toContain('Seeded secrets:            GREETING, DATABASE_URL, API_KEY');
    expect(lines.find((l) => l.startsWith('Token rotation:'))).toMatch(/every 900 s/);
    const admin = value(lines, '  Access token');
    expect(admin).toMatch(/^eyJ/);
    const tokenPath = env.INFISICAL_KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH!;
    const login = async () => (await request('POST', `${site}/api/v1/auth/kubernetes-auth/login`, { body: { identityId: env.INFISICAL_KUBERNETES_IDENTITY_ID, jwt: readFileSync(tokenPath, 'utf8') } })).body.accessToken as string;
    const token = await login();
    const v4 = `${site}/api/v4/secrets?projectId=${env.INFISICAL_PROJECT_ID}&environment=${env.INFISICAL_ENVIRONMENT}`;
    const keys = async (url = v4, as = token) => Object.fromEntries((await request('GET', url, { token: as })).body.secrets.map((s: { secretKey: string; secretValue: string }) => [s.secretKey, s.secretValue]));

    expect(await cli.command('set GREETING=changed = live')).toBe('ok: GREETING set (version 2)');
    expect(await cli.command('delete API_KEY')).toBe('ok: API_KEY deleted');
    expect(await keys()).toEqual({ GREETING: 'changed = live', DATABASE_URL: 'postgres://app:app@localhost:5432/app' });
    // The printed admin token writes through the API too.
    const written = await request('POST', `${site}/api/v3/secrets/raw/FROM_ADMIN`, { token: admin, body: { workspaceId: env.INFISICAL_PROJECT_ID, environment: env.INFISICAL_ENVIRONMENT, secretValue: 'x' } });
    expect(written.status).toBe(200);
    expect(await cli.command('delete NOPE')).toMatch(/^error: no secret NOPE/);

    const before = readFileSync(tokenPath, 'utf8');
    expect(await cli.command('rotate')).toMatch(/^ok: token file rotated/);
    expect(readFileSync(tokenPath, 'utf8')).not.toBe(before);
    expect(await login()).toMatch(/^eyJ/);

    expect(await cli.command('fault 503 secrets 1')).toBe('ok: fault 503 on secrets, the next 1 request(s)');
    expect((await request('GET', v4, { token })).status).toBe(503);
    expect((await request('GET', v4, { token })).status).toBe(200);
    expect(await cli.command('fault teapot')).toMatch(/^error: fault needs/);

    expect(await cli.command('generation 2024')).toMatch(/^ok: now an October 2024 server/);
    expect((await request('GET', v4, { token })).status).toBe(404);
    const v3 = `${site}/api/v3/secrets/raw?workspaceId=${env.INFISICAL_PROJECT_ID}&environment=${env.INFISICAL_ENVIRONMENT}`;
    expect(await keys(v3, await login())).toMatchObject({ GREETING: 'changed = live' });
    expect(await cli.command('generation current')).toMatch(/^ok: now today's server/);
    expect(await cli.command('frobnicate')).toBe('error: unknown command "frobnicate"; type help');
    expect(await cli.command('help')).toContain('set KEY=value | delete KEY | rotate |');

    cli.child.kill('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(dirname(tokenPath))).toBe(false);
    expect(existsSync(dirname(dirname(tokenPath)))).toBe(false);
  }, 120_000);

  it('rotates the token file on its own at --rotate-every, and stops cleanly on SIGINT', async () => {
    const cli = startCli(['--rotate-every', '1']);
    await cli.waitFor((l) => l === 'Press Ctrl-C to stop.');
    const tokenPath = exported(cli.lines).INFISICAL_KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH!;
    const first = readFileSync(tokenPath, 'utf8');
    // Waits on the file, not on a clock: the loop ends as soon as the kubelet-style writer has swapped it.
    for (let i = 0; i < 600 && readFileSync(tokenPath, 'utf8') === first; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(readFileSync(tokenPath, 'utf8')).not.toBe(first);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(dirname(dirname(tokenPath)))).toBe(false);
  }, 120_000);

  it('stops on `quit`, and keeps running when its input ends', async () => {
    const cli = startCli([]);
    await cli.waitFor((l) => l === 'Press Ctrl-C to stop.');
    const site = exported(cli.lines).INFISICAL_SITE_URL!;
    expect(await cli.command('quit')).toBe('ok: stopping');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    const detached = startCli([]);
    await detached.waitFor((l) => l === 'Press Ctrl-C to stop.');
    detached.child.stdin.end();
    const status = await request('GET', `${exported(detached.lines).INFISICAL_SITE_URL}/api/status`);
    expect(status.status).toBe(200);
    detached.child.kill('SIGTERM');
    expect(await detached.exited).toEqual({ code: 0, signal: null });
    await expect(request('GET', `${site}/api/status`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  }, 120_000);
});
