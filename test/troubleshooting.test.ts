/**
 * The seed's troubleshooting table, row by row, reproduced against the emulator: each row is a distinct
 * typed error whose hint names the fix. (The server answers 401 where the seed's table says 403 for a
 * refused namespace or name; we follow the server and map on its message.)
 */
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, provision, type Emulator, type Provisioned, type ProvisionOptions } from '@infisical-k8s/emulator';
import { createInfisicalConfig, InfisicalK8sError, type InfisicalConfigOptions } from '@infisical-k8s/core';
import { ManualClock } from '@infisical-k8s/core/testing';

let emu: Emulator | undefined;
let app: Provisioned | undefined;
afterEach(async () => {
  await emu?.close();
  if (app) await rm(app.projected.dir, { recursive: true, force: true });
  emu = app = undefined;
});

async function failure(setup: {
  provision?: ProvisionOptions;
  before?: (emu: Emulator, app: Provisioned, clock: ManualClock) => Promise<void> | void;
  config?: Partial<InfisicalConfigOptions>;
}): Promise<InfisicalK8sError> {
  const clock = new ManualClock(Date.now());
  emu = await startEmulator({ clock });
  app = await provision(emu, { secrets: { A: '1' }, ...setup.provision });
  await setup.before?.(emu, app, clock);
  const lines: string[] = [];
  const config = createInfisicalConfig({
    siteUrl: emu.infisicalUrl,
    kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
    secrets: { projectId: app.projectId, environment: 'prod' },
    initialRetries: 1,
    push: false,
    clock,
    logger: { warn: (m) => void lines.push(m), error: (m) => void lines.push(m) },
    client: { retry: false },
    ...setup.config,
    ...(setup.config?.kubernetesAuth ? { kubernetesAuth: { identityId: app.identityId, ...setup.config.kubernetesAuth } } : {}),
  });
  const error = await config.ready().catch((e: unknown) => e);
  await config.close();
  expect(error).toBeInstanceOf(InfisicalK8sError);
  const jwt = app.projected.current();
  for (const text of [...lines, JSON.stringify(error), String(error)]) expect(text).not.toContain(jwt);
  return error as InfisicalK8sError;
}

const rows: Array<[string, string, Parameters<typeof failure>[0], RegExp]> = [
  ['401 Unauthorized: expired service-account token', 'TOKEN_EXPIRED', { provision: { token: { expirationSeconds: 600 } }, before: (_e, _a, clock) => clock.advance(700_000) }, /TTL|expirationSeconds|rotat/],
  ['403 Forbidden: namespace not in the allowed list', 'NAMESPACE_NOT_ALLOWED', { provision: { token: { namespace: 'apps' } } }, /allowedNamespaces/],
  ['403 Forbidden: service-account name not allowed', 'NAME_NOT_ALLOWED', { provision: { token: { name: 'someone-else' } } }, /allowedNames/],
  ['Token review fails: reviewer JWT lacks system:auth-delegator', 'TOKEN_REVIEW_FAILED', { before: (e) => e.kubernetes.unbindAuthDelegator('default', 'infisical-token-reviewer') }, /reviewer|auth-delegator/],
  ['Cannot reach the Kubernetes API', 'KUBERNETES_UNREACHABLE', { before: (e) => void e.faults.inject({ route: 'POST /apis/authentication.k8s.io/v1/tokenreviews', reset: true }) }, /kubernetesHost|CA/],
  ['Audience mismatch', 'AUDIENCE_MISMATCH', { provision: { token: { audience: 'not-infisical' } } }, /audience/],
  ['Token not mounted', 'TOKEN_FILE_MISSING', { config: { kubernetesAuth: { tokenPath: '/var/run/secrets/nowhere/token' } } }, /projected|mount/],
];

describe('Seed: troubleshooting table', () => {
  it.each(rows)('%s → %s', async (_row, code, setup, fix) => {
    const error = await failure(setup);
    expect(error.code).toBe(code);
    expect(`${error.message} ${error.hint}`).toMatch(fix);
  });

  it('gives every row its own code', () => {
    expect(new Set(rows.map((r) => r[1])).size).toBe(rows.length);
  });
});
