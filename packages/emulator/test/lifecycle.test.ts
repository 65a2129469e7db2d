import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmulatorError, startEmulator } from '@infisical-k8s/emulator';
import { main } from '../src/cli.js';
import { ManualClock, accessToken, infisical, request, setUpApp, tempDir } from './helpers.js';

const handles = () => process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'FSReqCallback');
const count = (list: string[]) => list.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r]: (acc[r] ?? 0) + 1 }), {});

describe('Option: infisicalTls', () => {
  it('serves Infisical over HTTPS with the emulator CA', async () => {
    const emu = await startEmulator({ infisicalTls: true });
    try {
      expect(emu.infisicalUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect((await infisical(emu, 'GET', '/api/status')).status).toBe(200);
      await expect(request('GET', `${emu.infisicalUrl}/api/status`)).rejects.toMatchObject({ code: expect.stringMatching(/CERT|SELF_SIGNED|UNABLE/) });
      const app = await setUpApp(emu);
      expect(await accessToken(emu, app.identityId)).toMatch(/^eyJ/);
    } finally {
      await emu.close();
    }
  });
});

describe('Method: close', () => {
  it('closes servers, SSE streams, projected-token timers and sockets; is idempotent; leaves no handles', async () => {
    const before = count(handles());
    const { dir, cleanup } = await tempDir();
    const emu = await startEmulator({ clock: new ManualClock() });
    const app = await setUpApp(emu);
    const token = await accessToken(emu, app.identityId);
    const projected = await emu.writeProjectedToken(dir);
    projected.startRotation(5);
    const stream = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      import('node:http').then(({ request: send }) => {
        const body = JSON.stringify({ projectId: app.projectId, register: [{ event: 'secret:update', conditions: { environmentSlug: 'prod' } }] });
        send(`${emu.infisicalUrl}/api/v1/events/subscribe/project-events`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, resolve)
          .on('error', reject)
          .end(body);
      }, reject);
    });
    stream.resume();
    expect(emu.events.connections()).toBe(1);
    const ended = new Promise((resolve) => stream.on('close', resolve));
    await emu.close();
    await emu.close();
    await ended;
    expect(emu.events.connections()).toBe(0);
    // Unref'd timers do not show up as handles: check the rotation timer by its effect instead.
    const version = readlinkSync(join(dir, '..data'));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(readlinkSync(join(dir, '..data'))).toBe(version);
    await cleanup();
    // Sockets finish closing on the next turns of the event loop.
    let after = count(handles());
    for (let i = 0; i < 50 && JSON.stringify(after) !== JSON.stringify(before); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      after = count(handles());
    }
    const kinds = ['TCPServerWrap', 'TCPSocketWrap', 'TLSWrap', 'Timeout'];
    expect(Object.fromEntries(kinds.map((k) => [k, Math.max(0, (after[k] ?? 0) - (before[k] ?? 0))]))).toEqual(Object.fromEntries(kinds.map((k) => [k, 0])));
  });
});

describe('Function: main (CLI)', () => {
  it('provisions a demo, prints what an app needs, and cleans up when stopped', async () => {
    const lines: string[] = [];
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    // Waits for the banner's last line itself, not a fixed 2 s of polling: on a busy machine the start (a CA, TLS
    // keys, a provisioned demo) can take longer, and only the test timeout may bound it.
    let printed!: () => void;
    const banner = new Promise<void>((resolve) => (printed = resolve));
    const running = main(['--tls', '--classic'], {
      log: (line) => {
        lines.push(line);
        if (line === 'Press Ctrl-C to stop.') printed();
      },
      stopped,
    });
    // A main() that ends (or fails) before printing it must fail the test, not leave it waiting.
    await Promise.race([banner, running.then(() => undefined)]);
    const env = Object.fromEntries(lines.filter((l) => l.startsWith('export ')).map((l) => l.slice(7).split('=') as [string, string]));
    expect(Object.keys(env)).toEqual([
      'INFISICAL_SITE_URL',
      'INFISICAL_KUBERNETES_IDENTITY_ID',
      'INFISICAL_KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH',
      'INFISICAL_PROJECT_ID',
      'INFISICAL_ENVIRONMENT',
      'INFISICAL_SECRET_PATH',
      'INFISICAL_CA_PATH',
    ]);
    expect(env.INFISICAL_SITE_URL).toMatch(/^https:/);
    expect(readFileSync(env.INFISICAL_CA_PATH!, 'utf8')).toMatch(/BEGIN CERTIFICATE/);
    const jwt = readFileSync(env.INFISICAL_KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH!, 'utf8');
    const login = await request('POST', `${env.INFISICAL_SITE_URL}/api/v1/auth/kubernetes-auth/login`, {
      ca: readFileSync(env.INFISICAL_CA_PATH!, 'utf8'),
      body: { identityId: env.INFISICAL_KUBERNETES_IDENTITY_ID, jwt },
    });
    expect(login.status).toBe(200);
    const secrets = await request('GET', `${env.INFISICAL_SITE_URL}/api/v4/secrets?projectId=${env.INFISICAL_PROJECT_ID}&environment=${env.INFISICAL_ENVIRONMENT}`, {
      ca: readFileSync(env.INFISICAL_CA_PATH!, 'utf8'),
      token: login.body.accessToken,
    });
    expect(secrets.body.secrets.map((s: { secretKey: string }) => s.secretKey)).toContain('GREETING');
    stop();
    await running;
    expect(existsSync(env.INFISICAL_CA_PATH!)).toBe(false);
    await expect(request('GET', `${env.INFISICAL_SITE_URL}/api/status`, { ca: '' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('refuses a bad port with a typed error', async () => {
    await expect(main(['--port', 'eighty'], { log: () => {} })).rejects.toMatchObject({ name: 'EmulatorCliError', code: 'EMULATOR_CLI_USAGE' });
  });
});

describe('Class: EmulatorError', () => {
  it('is thrown with a stable code by helpers used wrongly', async () => {
    const emu = await startEmulator();
    try {
      expect(() => emu.setSecret({ projectId: 'nope', environment: 'prod', key: 'A', value: 'secret-value' })).toThrow(
        expect.objectContaining({ name: 'EmulatorError', code: 'UNKNOWN_PROJECT', message: expect.not.stringContaining('secret-value') }),
      );
      expect(() => emu.addIdentityToProject('nope', emu.admin.identityId)).toThrow(EmulatorError);
    } finally {
      await emu.close();
    }
  });
});

describe('Request bodies', () => {
  it('answers 413 above 1 MiB and 400 for JSON that does not parse', async () => {
    const emu = await startEmulator();
    try {
      const big = await infisical(emu, 'POST', '/api/v1/auth/token/renew', { rawBody: JSON.stringify({ accessToken: 'x'.repeat(1_100_000) }) });
      expect(big.body).toMatchObject({ statusCode: 413, error: 'PayloadTooLarge' });
      const bad = await infisical(emu, 'POST', '/api/v1/auth/token/renew', { rawBody: '{"accessToken":' });
      expect(bad.body).toMatchObject({ statusCode: 400, error: 'BadRequest' });
    } finally {
      await emu.close();
    }
  });
});
