import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { createInfisicalConfig, InfisicalK8sError, redact } from '@infisical-k8s/core';
import { captureLogger, harness, JWT_PATTERN, routes, waitFor, type Harness } from './helpers.js';

// eslint-disable-next-line typescript/no-explicit-any
let h: Harness<any> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const SEEDED = { GREETING: 'GREETING-VALUE-b7e24c', PORT: 'PORT-VALUE-91aa0f', DATABASE_URL: 'postgres://app:pa55-WORD-3f9e@db/app' };

/** Active resources by type, e.g. { TCPSocketWrap: 2, Timeout: 1 }, keys sorted. */
function countResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo().toSorted()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

const boom = () => {
  throw new Error('logger broke');
};

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

describe('Safety', () => {
  it('leak scan: no secret value, access token or JWT in errors, logs, status, inspect or JSON, across every failure path', async () => {
    const schema = v.object({ GREETING: v.string(), PORT: v.string(), DATABASE_URL: v.pipe(v.string(), v.url()) });
    h = await harness({ provision: { secrets: SEEDED }, config: { schema, refreshIntervalMs: 60_000, maxStalenessMs: 120_000 } });
    const errors: InfisicalK8sError[] = [];
    h.config.errors$.subscribe((e) => errors.push(e));
    await h.config.ready();
    // Each kind of failure, one after another: server error, token errors, rate limit, HTML page, bad JSON, schema, rotation to a bad token.
    const revoked = { reqId: 'r', statusCode: 401, message: 'Failed to authorize: token has been revoked', error: 'UnauthorizedError' };
    const steps = [
      [{ route: routes.list, status: 500 }],
      [{ route: routes.list, status: 403, body: { reqId: 'r', statusCode: 403, message: 'Your token has expired. Please re-authenticate.', error: 'TokenError' } }],
      [{ route: routes.list, status: 429, retryAfter: 1 }],
      [{ route: routes.list, html: true }],
      [{ route: routes.list, malformed: true }],
      [
        { route: routes.list, status: 401, body: revoked, times: 1 },
        { route: routes.login, status: 401, body: { reqId: 'r', statusCode: 401, message: 'Access denied: K8s name not allowed.', error: 'UnauthorizedError' } },
      ],
    ];
    for (const faults of steps) {
      const ids = faults.map((fault) => h!.emu.faults.inject({ times: 2, ...fault }));
      await h.config.refresh().catch(() => undefined);
      for (const id of ids) h.emu.faults.clear(id);
      await h.clock!.advance(120_000);
    }
    h.emu.setSecret({ projectId: h.app.projectId, environment: 'prod', key: 'DATABASE_URL', value: 'not a url 5e1-LEAK-c0de' });
    await h.config.refresh().catch(() => undefined);
    await h.app.projected.rotate({ signedWith: 'foreign' });
    await h.clock!.advance(60_000);
    const readyError = await createInfisicalConfig({ siteUrl: h.emu.infisicalUrl, kubernetesAuth: { identityId: h.app.identityId, tokenPath: h.app.projected.path }, secrets: { projectId: h.app.projectId, environment: 'prod' }, push: false, initialRetries: 1, logger: captureLogger(), client: { retry: false } })
      .ready()
      .catch((e: unknown) => e as InfisicalK8sError);

    const codes = new Set(errors.map((e) => e.code));
    expect(codes).toEqual(new Set(['SERVER_ERROR', 'TOKEN_EXPIRED', 'RATE_LIMITED', 'BAD_RESPONSE', 'NAME_NOT_ALLOWED', 'CONFIG_INVALID', 'UNAUTHORIZED']));
    expect(readyError.code).toBe('UNAUTHORIZED');
    const jwt = h.app.projected.current();
    const captured = [
      inspect(h.config),
      inspect(h.config, { showHidden: true, depth: 10 }),
      JSON.stringify(h.config),
      JSON.stringify(h.config.status),
      ...h.logger.lines,
      ...[...errors, readyError].flatMap((e) => [e.message, e.hint, String(e.stack), JSON.stringify(e), inspect(e), inspect(e, { showHidden: true, depth: 10 })]),
    ];
    for (const text of captured) {
      for (const value of [...Object.values(SEEDED), 'not a url 5e1-LEAK-c0de', jwt, h.emu.admin.accessToken]) expect(text).not.toContain(value);
      expect(text).not.toMatch(JWT_PATTERN);
    }
  });

  it('a logger that throws changes nothing: errors still surface typed, loading still works', async () => {
    h = await harness({ manualClock: false, config: { push: false, logger: { warn: boom, error: boom, info: boom, debug: boom } } });
    await h.config.ready();
    h.emu.faults.inject({ route: routes.list, status: 500, times: 1 });
    await expect(h.config.refresh()).rejects.toMatchObject({ code: 'SERVER_ERROR' });
    await expect(h.config.refresh()).resolves.toEqual({ GREETING: 'hello', PORT: '8080' });
  });

  it('close() ends a request that hangs at once, instead of waiting for its timeout', async () => {
    // A timeout far beyond the bound below, so a loaded machine's slowness cannot pass for waiting on it.
    h = await harness({ manualClock: false, config: { push: false, client: { retry: false, timeoutMs: 120_000 } } });
    await h.config.ready();
    h.emu.faults.inject({ route: routes.list, hang: true });
    const pending = h.config.refresh().catch((e: unknown) => e);
    await waitFor(() => h!.emu.counters.get(routes.list) === 2);
    const started = performance.now();
    await h.config.close();
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(await pending).toBeInstanceOf(InfisicalK8sError);
  });

  it('redact() removes every occurrence of every value, longest first', () => {
    expect(redact('a=secret-long b=secret c=x', ['secret', 'secret-long', 'x'])).toBe('a=[redacted] b=[redacted] c=x');
  });

  it('close() leaves no active handles: timers, fs watcher, sockets, SSE stream', async () => {
    h = await harness({ manualClock: false });
    const { emu, app } = h;
    await h.config.close();
    await waitFor(() => emu.events.connections() === 0);
    await new Promise((r) => setTimeout(r, 200));
    const before = countResources();
    const config = createInfisicalConfig({
      siteUrl: emu.infisicalUrl,
      kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
      secrets: { projectId: app.projectId, environment: 'prod' },
      refreshIntervalMs: 1_000,
      logger: captureLogger(),
    });
    await config.ready();
    await waitFor(() => config.status.mode === 'push');
    const during = countResources();
    expect(total(during)).toBeGreaterThan(total(before));
    await config.close();
    await waitFor(() => emu.events.connections() === 0);
    // Sockets close asynchronously on both ends, later on a loaded machine, and the first harness's may still be
    // closing when `before` was taken: demand no type above its count before, waiting for it rather than a fixed time.
    const excess = () => Object.fromEntries(Object.entries(countResources()).filter(([type, n]) => n > (before[type] ?? 0)));
    await waitFor(() => Object.keys(excess()).length === 0, 15_000).catch(() => undefined);
    expect(excess()).toEqual({});
  });
});

describe('TLS', () => {
  it('talks HTTPS to a self-hosted Infisical with tls.ca, and fails typed without it (verification stays on)', async () => {
    h = await harness({ manualClock: false, emulator: { infisicalTls: true }, config: { push: false, tls: { ca: '' } } });
    await h.config.close();
    const base = { siteUrl: h.emu.infisicalUrl, kubernetesAuth: { identityId: h.app.identityId, tokenPath: h.app.projected.path }, secrets: { projectId: h.app.projectId, environment: 'prod' }, push: false, client: { retry: false as const } };
    const withCa = createInfisicalConfig({ ...base, tls: { ca: h.emu.caCert }, logger: captureLogger() });
    const withoutCa = createInfisicalConfig({ ...base, initialRetries: 1, logger: captureLogger() });
    try {
      expect(await withCa.ready()).toEqual({ GREETING: 'hello', PORT: '8080' });
      const error = (await withoutCa.ready().catch((e: unknown) => e)) as InfisicalK8sError;
      expect(error.code).toBe('INFISICAL_UNREACHABLE');
      expect(error.hint).toMatch(/tls\.ca|INFISICAL_CA_PATH/);
    } finally {
      await withCa.close();
      await withoutCa.close();
    }
  });

  it('rejectUnauthorized: false works but logs one loud warning', async () => {
    h = await harness({ manualClock: false, emulator: { infisicalTls: true }, config: { push: false, tls: { rejectUnauthorized: false } } });
    expect(await h.config.ready()).toEqual({ GREETING: 'hello', PORT: '8080' });
    const warnings = h.logger.lines.filter((l) => l.startsWith('warn ') && l.includes('VERIFICATION IS OFF'));
    expect(warnings).toHaveLength(1);
  });
});
