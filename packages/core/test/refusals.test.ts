import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InfisicalApiError, InfisicalError, InfisicalResponseError } from 'node-infisical';
import { createInfisicalConfig, DEFAULT_MAX_RESPONSE_BYTES, InfisicalK8sError, isPermanentError, type InfisicalConfigOptions, type InfisicalErrorCode } from '@infisical-k8s/core';
import { toInfisicalK8sError } from '../src/errors/map.js';
import { captureLogger, harness, routes, type Harness } from './helpers.js';

let h: Harness<undefined> | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A config next to the harness one, on the harness clock, with `initialRetries: 5` (the default). */
function second(overrides: Partial<InfisicalConfigOptions>): ReturnType<typeof createInfisicalConfig> {
  return createInfisicalConfig({
    siteUrl: h!.emu.infisicalUrl,
    kubernetesAuth: { identityId: h!.app.identityId, tokenPath: h!.app.projected.path },
    secrets: { projectId: h!.app.projectId, environment: 'prod' },
    push: false,
    logger: captureLogger(),
    clock: h!.clock!,
    random: () => 0.5,
    client: { retry: false },
    ...overrides,
  });
}

/** The error `ready()` rejected with before any timer fired (no backoff, no retry), or 'pending'. */
async function rejectedAtOnce(config: ReturnType<typeof createInfisicalConfig>): Promise<InfisicalK8sError | 'pending'> {
  let outcome: InfisicalK8sError | 'pending' = 'pending';
  const ready = config.ready().then(
    () => undefined,
    (e: unknown) => {
      outcome = e as InfisicalK8sError;
    },
  );
  // Settles the first attempt (its HTTP round trips) without moving the clock: no retry can run.
  await h!.clock!.advance(0);
  await Promise.race([ready, new Promise((r) => setTimeout(r, 50))]);
  return outcome;
}

describe('Permanent refusals reject ready() at once', () => {
  it('PROJECT_NOT_FOUND for an unknown project (the server answers 404 "Project with … not found"), after one list', async () => {
    h = await harness({ config: { push: false } });
    await h.config.ready();
    const projectId = randomUUID();
    const config = second({ secrets: { projectId, environment: 'prod' } });
    const lists = h.emu.counters.get(routes.list);
    const error = await rejectedAtOnce(config);
    await config.close();
    expect(error).toBeInstanceOf(InfisicalK8sError);
    expect(error).toMatchObject({ code: 'PROJECT_NOT_FOUND', status: 404 });
    expect((error as InfisicalK8sError).message).toContain(projectId);
    expect((error as InfisicalK8sError).hint).toMatch(/secrets\.projectId \(INFISICAL_PROJECT_ID\)/);
    expect(h.emu.counters.get(routes.list)).toBe(lists + 1);
  });

  it('the current server wording "Project with <id> not found" maps to PROJECT_NOT_FOUND too; another 404 does not', () => {
    for (const message of ['Project with 3f1e0c2a-0000-4000-8000-000000000000 not found', "Project with ID 'p' not found", 'Project not found']) {
      expect(mapApi404(message)).toBe('PROJECT_NOT_FOUND');
    }
    expect(mapApi404('Folder with path /x not found')).toBe('PERMISSION_DENIED');
    expect(isPermanentError('PROJECT_NOT_FOUND')).toBe(true);
  });

  it('TOKEN_FILE_INVALID (not a JWT) and CONFIG_INVALID (schema) reject at the first attempt, not after initialRetries', async () => {
    h = await harness({ config: { push: false } });
    await h.config.ready();
    const dir = await mkdtemp(join(tmpdir(), 'core-refusal-'));
    dirs.push(dir);
    await writeFile(join(dir, 'token'), 'not a jwt\n');
    const garbage = second({ kubernetesAuth: { identityId: h.app.identityId, tokenPath: join(dir, 'token') } });
    expect(await rejectedAtOnce(garbage)).toMatchObject({ code: 'TOKEN_FILE_INVALID' });
    await garbage.close();

    const failing = { '~standard': { version: 1 as const, vendor: 'test', validate: () => ({ issues: [{ message: 'nope', path: ['PORT'] }] }) } };
    const invalid = second({ schema: failing } as unknown as Partial<InfisicalConfigOptions>);
    expect(await rejectedAtOnce(invalid)).toMatchObject({ code: 'CONFIG_INVALID' });
    await invalid.close();
  });

  it('an unknown identity (IDENTITY_NOT_FOUND) rejects at the first login', async () => {
    h = await harness({ config: { push: false } });
    await h.config.ready();
    const logins = h.emu.counters.get(routes.login);
    const unknown = second({ kubernetesAuth: { identityId: randomUUID(), tokenPath: h.app.projected.path } });
    expect(await rejectedAtOnce(unknown)).toMatchObject({ code: 'IDENTITY_NOT_FOUND' });
    expect(h.emu.counters.get(routes.login)).toBe(logins + 1);
    await unknown.close();
  });

  it('a transient failure still gets initialRetries attempts', async () => {
    h = await harness({ config: { push: false } });
    await h.config.ready();
    h.emu.faults.inject({ route: routes.list, status: 503 });
    const config = second({});
    expect(await rejectedAtOnce(config)).toBe('pending');
    await config.close();
  });
});

describe('Option: maxResponseBytes', () => {
  it('over the cap: RESPONSE_TOO_LARGE naming the option, not retried, ready() rejects at once; a loaded snapshot stays', async () => {
    h = await harness({ config: { push: false } });
    await h.config.ready();
    const config = second({ maxResponseBytes: 4_096 });
    const snapshot = await config.ready();
    h.emu.faults.inject({ route: routes.list, oversized: 10_000 });
    const lists = h.emu.counters.get(routes.list);
    const error = (await config.refresh().catch((e: unknown) => e)) as InfisicalK8sError;
    expect(error).toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
    expect(error.message).toMatch(/maxResponseBytes \(4096 bytes\)/);
    expect(error.hint).toMatch(/Raise the maxResponseBytes option above 4096/);
    expect(h.emu.counters.get(routes.list)).toBe(lists + 1);
    expect(config.snapshot).toBe(snapshot);
    await config.close();

    const cold = second({ maxResponseBytes: 4_096 });
    expect(await rejectedAtOnce(cold)).toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
    await cold.close();
  });

  it('the default loads a folder of 17,000 secrets (over 11 MiB on the wire), which the old fixed 10 MiB cap refused', async () => {
    expect(DEFAULT_MAX_RESPONSE_BYTES).toBeGreaterThanOrEqual(50_000 * 700);
    h = await harness({ config: { push: false } });
    await h.config.ready();
    const values: Record<string, string> = {};
    for (let i = 0; i < 17_000; i++) values[`KEY_${String(i).padStart(5, '0')}`] = 'v'.repeat(420);
    h.emu.setSecrets(h.app.projectId, 'prod', values, '/big');
    const query = new URLSearchParams({ projectId: h.app.projectId, environment: 'prod', secretPath: '/big', include_imports: 'true', expandSecretReferences: 'true', recursive: 'false' });
    const wire = await fetch(`${h.emu.infisicalUrl}/api/v4/secrets?${query}`, { headers: { authorization: `Bearer ${h.emu.admin.accessToken}` } });
    const bytes = (await wire.arrayBuffer()).byteLength;
    expect(bytes).toBeGreaterThan(11 * 1024 * 1024);
    const config = second({ secrets: { projectId: h.app.projectId, environment: 'prod', secretPath: '/big' } });
    let outcome: unknown;
    const ready = config.ready().then(
      (snapshot) => (outcome = snapshot),
      (e: unknown) => (outcome = e),
    );
    await h.clock!.advance(0);
    await Promise.race([ready, new Promise((r) => setTimeout(r, 50))]);
    await config.close();
    expect(outcome).not.toBeInstanceOf(Error);
    expect(Object.keys(outcome as object)).toHaveLength(17_000);
  }, 60_000);

  it('must be a whole number of bytes', () => {
    for (const bad of [0, -1, 1.5, '10', Number.NaN]) {
      expect(() => createInfisicalConfig({ siteUrl: 'http://127.0.0.1:9', kubernetesAuth: { identityId: 'i' }, secrets: { projectId: 'p', environment: 'e' }, maxResponseBytes: bad as number })).toThrow(/maxResponseBytes must be a whole number/);
    }
  });
});

describe('Mapping of the client errors the client branch adds', () => {
  it('REDIRECT → SITE_URL_REDIRECTED naming the target; RESPONSE_TOO_LARGE by code; a 2xx BAD_RESPONSE → BAD_RESPONSE (transient)', () => {
    const redirect = Object.assign(new InfisicalError('REDIRECT', 'Infisical redirected GET /api/v4/secrets to https://new.example'), { status: 301, location: 'https://new.example' });
    const mapped = toInfisicalK8sError(redirect, { phase: 'fetch', siteUrl: 'http://old.example' });
    expect(mapped).toMatchObject({ code: 'SITE_URL_REDIRECTED', status: 301 });
    expect(mapped.message).toContain('https://new.example');
    expect(mapped.hint).toBe('Set siteUrl (INFISICAL_SITE_URL) to https://new.example, the URL the redirect names.');
    expect(isPermanentError('SITE_URL_REDIRECTED')).toBe(true);

    const tooLarge = Object.assign(new InfisicalError('RESPONSE_TOO_LARGE', 'body too large'), { limitBytes: 1234 });
    expect(toInfisicalK8sError(tooLarge, { phase: 'fetch' })).toMatchObject({ code: 'RESPONSE_TOO_LARGE', hint: expect.stringContaining('above 1234') as unknown });

    const notAList = new InfisicalResponseError(200, 'GET', '/api/v4/secrets', 'the body is not a secret list');
    expect(toInfisicalK8sError(notAList, { phase: 'fetch' })).toMatchObject({ code: 'BAD_RESPONSE', status: 200 });
    expect(isPermanentError('BAD_RESPONSE')).toBe(false);
    expect(toInfisicalK8sError(new InfisicalResponseError(502, 'GET', '/api/v4/secrets', 'an HTML page'), { phase: 'fetch' }).code).toBe('SERVER_ERROR');
  });
});

describe('siteUrl checks at start', () => {
  const base = { kubernetesAuth: { identityId: 'i', tokenPath: '/nonexistent/token' }, secrets: { projectId: 'p', environment: 'e' }, push: false };

  it('refuses an API path (/api, /api/v3) or a query as OPTIONS_INVALID, naming the site URL to use', () => {
    for (const [siteUrl, root] of [
      ['https://infisical.example/api/v3', 'https://infisical.example'],
      ['https://infisical.example/api', 'https://infisical.example'],
      ['https://proxy.example/infisical/api/v1/', 'https://proxy.example/infisical'],
      ['https://infisical.example/?x=1', 'https://infisical.example'],
    ] as const) {
      let error: unknown;
      try {
        createInfisicalConfig({ ...base, siteUrl, logger: captureLogger() });
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: 'OPTIONS_INVALID' });
      expect((error as Error).message).toContain(`use ${root} (INFISICAL_SITE_URL)`);
    }
  });

  it('warns once at start for plain http:// off loopback and for NODE_TLS_REJECT_UNAUTHORIZED=0; not for loopback', async () => {
    const logger = captureLogger();
    const remote = createInfisicalConfig({ ...base, siteUrl: 'http://infisical.invalid', logger });
    await remote.close();
    expect(logger.lines.filter((l) => l.startsWith('warn siteUrl http://infisical.invalid is plain http:// off this host'))).toHaveLength(1);

    const tls = captureLogger();
    const insecure = createInfisicalConfig({ ...base, siteUrl: 'https://infisical.invalid', env: { NODE_TLS_REJECT_UNAUTHORIZED: '0' }, logger: tls });
    await insecure.close();
    expect(tls.lines.filter((l) => l.startsWith('warn NODE_TLS_REJECT_UNAUTHORIZED=0 is set'))).toHaveLength(1);

    const local = captureLogger();
    for (const siteUrl of ['http://127.0.0.1:9', 'http://localhost:9', 'http://[::1]:9']) {
      const config = createInfisicalConfig({ ...base, siteUrl, logger: local });
      await config.close();
    }
    expect(local.lines.filter((l) => l.includes('plain http://'))).toEqual([]);
  });

  it('http:// against an HTTPS server (which just closes the connection) names https:// as the likely fix', async () => {
    h = await harness({ emulator: { infisicalTls: true }, config: { push: false, tls: { ca: '' } } });
    const config = second({ siteUrl: h.emu.infisicalUrl.replace('https:', 'http:'), initialRetries: 1 });
    const error = (await rejectedAtOnce(config)) as InfisicalK8sError;
    await config.close();
    expect(error.code).toBe('INFISICAL_UNREACHABLE');
    expect(error.hint).toMatch(/if this port serves HTTPS .*use https:\/\//);
  });

  it('https:// against a plain HTTP server says so, not "pass a CA"', async () => {
    h = await harness({ config: { push: false } });
    await h.config.ready();
    const config = second({ siteUrl: h.emu.infisicalUrl.replace('http:', 'https:'), initialRetries: 1 });
    const error = (await rejectedAtOnce(config)) as InfisicalK8sError;
    await config.close();
    expect(error.code).toBe('INFISICAL_UNREACHABLE');
    expect(error.message).toMatch(/uses https:\/\/, but the server answers plain HTTP/);
    expect(error.hint).toMatch(/not a CA problem/);
  });
});

/** What a fetch-phase 404 with this server message maps to. */
function mapApi404(serverMessage: string): InfisicalErrorCode {
  const error = new InfisicalApiError({ status: 404, serverError: 'NotFound', serverMessage, reqId: undefined, method: 'GET', path: '/api/v4/secrets', retryAfter: undefined });
  return toInfisicalK8sError(error, { phase: 'fetch', projectId: 'p' }).code;
}
