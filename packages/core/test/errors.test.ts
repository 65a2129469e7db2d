import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InfisicalApiError } from 'node-infisical';
import { createInfisicalConfig, errorCatalog, InfisicalK8sError, type InfisicalConfigOptions } from '@infisical-k8s/core';
import { toInfisicalK8sError } from '../src/errors/map.js';
import { captureLogger, harness, routes, type Harness } from './helpers.js';

let h: Harness<undefined> | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** The typed error `ready()` rejects with, after a single attempt. */
async function firstError(setup: Parameters<typeof harness<undefined>>[0] = {}): Promise<InfisicalK8sError> {
  const current = await harness<undefined>({ manualClock: false, ...setup, config: { push: false, initialRetries: 1, ...setup.config } });
  h = current;
  const error = await current.config.ready().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InfisicalK8sError);
  return error as InfisicalK8sError;
}

/** A second config next to the harness one, e.g. with another token file. */
async function readyError(overrides: Partial<InfisicalConfigOptions>): Promise<InfisicalK8sError> {
  const config = createInfisicalConfig({
    siteUrl: h!.emu.infisicalUrl,
    kubernetesAuth: { identityId: h!.app.identityId, tokenPath: h!.app.projected.path },
    secrets: { projectId: h!.app.projectId, environment: 'prod' },
    push: false,
    initialRetries: 1,
    logger: captureLogger(),
    client: { retry: false },
    ...overrides,
  });
  try {
    return (await config.ready().then(
      () => undefined,
      (e: unknown) => e,
    )) as InfisicalK8sError;
  } finally {
    await config.close();
  }
}

describe('Class: InfisicalK8sError (mapped from what Infisical and Kubernetes answer)', () => {
  it('NAMESPACE_NOT_ALLOWED names the namespace found in the token and the fix (the server says 401, the guide 403)', async () => {
    const error = await firstError({ provision: { allowedNamespaces: 'apps' } });
    expect(error).toMatchObject({ code: 'NAMESPACE_NOT_ALLOWED', status: 401, name: 'InfisicalK8sError' });
    expect(error.message).toContain("'default'");
    expect(error.hint).toMatch(/Add 'default' to allowedNamespaces with identityAuth\.kubernetes\.update/);
  });

  it('NAME_NOT_ALLOWED names the service account', async () => {
    const error = await firstError({ provision: { allowedNames: 'someone-else' } });
    expect(error).toMatchObject({ code: 'NAME_NOT_ALLOWED', status: 401 });
    expect(error.hint).toContain("'infisical-auth'");
  });

  it('AUDIENCE_MISMATCH names the audience of the token', async () => {
    const error = await firstError({ provision: { allowedAudience: 'vault' } });
    expect(error.code).toBe('AUDIENCE_MISMATCH');
    expect(error.message).toContain('(infisical)');
  });

  it('AUDIENCE_MISMATCH from Kubernetes itself names the audience it reviewed for, and the fix for either server generation', () => {
    const refused = new InfisicalApiError({
      status: 401,
      serverError: 'KubernetesTokenReviewError',
      serverMessage: '[invalid bearer token, token audiences ["infisical"] is invalid for the target audiences ["https://kubernetes.default.svc.cluster.local"]]',
      reqId: undefined,
      method: 'POST',
      path: '/api/v1/auth/kubernetes-auth/login',
      retryAfter: undefined,
    });
    const error = toInfisicalK8sError(refused, { phase: 'login', audiences: ['infisical'] });
    expect(error.code).toBe('AUDIENCE_MISMATCH');
    expect(error.message).toContain('reviewed for the audience "https://kubernetes.default.svc.cluster.local"');
    expect(error.hint).toContain('Mount a token for "https://kubernetes.default.svc.cluster.local"');
    expect(error.hint).toContain('leave allowedAudience empty');
  });

  it('TOKEN_REVIEW_FAILED when the reviewer lost system:auth-delegator', async () => {
    h = await harness({ manualClock: false, config: { push: false, initialRetries: 1 } });
    await h.config.ready();
    h.emu.kubernetes.unbindAuthDelegator('default', 'infisical-token-reviewer');
    const error = await readyError({});
    expect(error.code).toBe('TOKEN_REVIEW_FAILED');
    expect(error.hint).toContain('system:auth-delegator');
  });

  it('TOKEN_EXPIRED when Kubernetes says the service-account token expired', async () => {
    h = await harness({ provision: { token: { expirationSeconds: 600 } }, config: { push: false } });
    await h.config.ready();
    await h.clock!.advance(3600_000);
    const error = await readyError({ clock: h.clock! });
    expect(error.code).toBe('TOKEN_EXPIRED');
    expect(error.hint).toContain('expirationSeconds');
  });

  it('UNAUTHORIZED when the cluster does not trust the token at all', async () => {
    h = await harness({ manualClock: false, config: { push: false } });
    await h.config.ready();
    await h.app.projected.rotate({ signedWith: 'foreign' });
    expect((await readyError({})).code).toBe('UNAUTHORIZED');
  });

  it('KUBERNETES_UNREACHABLE when Infisical cannot talk to the API server', async () => {
    h = await harness({ manualClock: false, config: { push: false } });
    await h.config.ready();
    h.emu.faults.inject({ route: routes.review, reset: true });
    const error = await readyError({});
    expect(error.code).toBe('KUBERNETES_UNREACHABLE');
    expect(error.hint).toContain('kubernetesHost');
  });

  it('IDENTITY_NOT_FOUND for an identity without Kubernetes Auth', async () => {
    h = await harness({ manualClock: false, config: { push: false } });
    await h.config.ready();
    const error = await readyError({ kubernetesAuth: { identityId: '00000000-0000-4000-8000-000000000000', tokenPath: h.app.projected.path } });
    expect(error).toMatchObject({ code: 'IDENTITY_NOT_FOUND', status: 404 });
  });

  it('ACCESS_DENIED_IP from trusted IPs is surfaced, not retried with a new login', async () => {
    const error = await firstError({ provision: { accessTokenTrustedIps: [{ ipAddress: '10.0.0.0/8' }] } });
    expect(error).toMatchObject({ code: 'ACCESS_DENIED_IP', status: 403 });
    expect(error.hint).toContain('accessTokenTrustedIps');
    expect(h!.emu.counters.get(routes.login)).toBe(1);
  });

  it('PERMISSION_DENIED when the identity may not read the project', async () => {
    const error = await firstError({ provision: { role: 'no-access' } });
    expect(error).toMatchObject({ code: 'PERMISSION_DENIED', status: 403 });
    expect(h!.emu.counters.get(routes.login)).toBe(1);
  });

  it('RATE_LIMITED, SERVER_ERROR (5xx, HTML error page), BAD_RESPONSE (a 200 with malformed JSON)', async () => {
    h = await harness({ manualClock: false, config: { push: false } });
    await h.config.ready();
    const cases = [
      [{ route: routes.list, status: 429, retryAfter: 7 }, 'RATE_LIMITED', /retry after 7 s/],
      [{ route: routes.list, status: 503 }, 'SERVER_ERROR', /HTTP 503/],
      [{ route: routes.list, html: true }, 'SERVER_ERROR', /HTML/],
      [{ route: routes.list, malformed: true }, 'BAD_RESPONSE', /malformed JSON/],
    ] as const;
    for (const [fault, code, message] of cases) {
      const id = h.emu.faults.inject({ ...fault, times: 1 });
      const error = (await h.config.refresh().catch((e: unknown) => e)) as InfisicalK8sError;
      h.emu.faults.clear(id);
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
    }
  });

  it('INFISICAL_UNREACHABLE names the site URL', async () => {
    h = await harness({ manualClock: false, config: { push: false } });
    const error = await readyError({ siteUrl: 'http://127.0.0.1:9' });
    expect(error.code).toBe('INFISICAL_UNREACHABLE');
    expect(error.message).toContain('http://127.0.0.1:9');
  });

  it('TOKEN_FILE_MISSING names the path and the projected volume; TOKEN_FILE_INVALID for garbage', async () => {
    h = await harness({ manualClock: false, config: { push: false } });
    const dir = await mkdtemp(join(tmpdir(), 'core-token-'));
    dirs.push(dir);
    const missing = await readyError({ kubernetesAuth: { identityId: h.app.identityId, tokenPath: join(dir, 'token') } });
    expect(missing.code).toBe('TOKEN_FILE_MISSING');
    expect(missing.message).toContain(`The service-account token file ${join(dir, 'token')} cannot be read (ENOENT): mount a projected serviceAccountToken volume at ${dir} with path: token`);
    expect(missing.hint).toMatch(/projected.*serviceAccountToken/);
    await writeFile(join(dir, 'empty'), '\n');
    expect((await readyError({ kubernetesAuth: { identityId: h.app.identityId, tokenPath: join(dir, 'empty') } })).code).toBe('TOKEN_FILE_MISSING');
    await writeFile(join(dir, 'garbage'), 'not a jwt\n');
    const invalid = await readyError({ kubernetesAuth: { identityId: h.app.identityId, tokenPath: join(dir, 'garbage') } });
    expect(invalid.code).toBe('TOKEN_FILE_INVALID');
    expect((await readyError({ kubernetesAuth: { identityId: h.app.identityId, tokenPath: dir } })).code).toBe('TOKEN_FILE_INVALID');
    expect(h.emu.counters.get(routes.login)).toBe(1);
  });

  it('serialises to name, code, message, hint, status, issues only', async () => {
    const error = await firstError({ provision: { allowedNamespaces: 'apps' } });
    expect(Object.keys(JSON.parse(JSON.stringify(error)) as object).toSorted()).toEqual(['code', 'hint', 'message', 'name', 'status']);
    expect(error.cause).toBeDefined();
    expect(Object.keys(error)).not.toContain('cause');
  });

  it('every code has a catalogue entry with when and hint', () => {
    for (const [code, entry] of Object.entries(errorCatalog)) {
      expect(code).toMatch(/^[A-Z_]+$/);
      expect(entry.when.length).toBeGreaterThan(10);
      expect(entry.hint.length).toBeGreaterThan(10);
    }
    expect(Object.keys(errorCatalog)).toHaveLength(24);
  });
});
