import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as fc from 'fast-check';
import { createInfisicalConfig, ENVIRONMENT_VARIABLES, isInfisicalK8sError, type InfisicalConfigOptions } from '@infisical-k8s/core';
import { captureLogger, harness, type Harness } from './helpers.js';

let h: Harness<undefined> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The OPTIONS_INVALID message createInfisicalConfig throws synchronously for these options. */
function invalid(options: InfisicalConfigOptions, env: Record<string, string> = {}): string {
  let thrown: unknown;
  try {
    void createInfisicalConfig({ ...options, env, logger: captureLogger() }).close();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toMatchObject({ name: 'InfisicalK8sError', code: 'OPTIONS_INVALID' });
  return (thrown as Error).message;
}

const complete = { kubernetesAuth: { identityId: 'id', tokenPath: '/nope' }, secrets: { projectId: 'p', environment: 'prod' } };

describe('Function: resolveOptions (through createInfisicalConfig)', () => {
  it('takes everything from the environment variables the README lists', async () => {
    h = await harness({ manualClock: false, config: { push: false } });
    const env = { ...h.app.env, INFISICAL_SITE_URL: '', INFISICAL_API_URL: h.emu.infisicalUrl, INFISICAL_IDENTITY_ID: 'wrong-one-has-lower-precedence' };
    const config = createInfisicalConfig({ env, push: false, logger: captureLogger() });
    try {
      expect(await config.ready()).toEqual({ GREETING: 'hello', PORT: '8080' });
    } finally {
      await config.close();
    }
    expect(Object.values(ENVIRONMENT_VARIABLES).flat()).toEqual([
      'INFISICAL_SITE_URL',
      'INFISICAL_API_URL',
      'INFISICAL_KUBERNETES_IDENTITY_ID',
      'INFISICAL_MACHINE_IDENTITY_ID',
      'INFISICAL_IDENTITY_ID',
      'INFISICAL_KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH',
      'INFISICAL_PROJECT_ID',
      'INFISICAL_ENVIRONMENT',
      'INFISICAL_SECRET_PATH',
      'INFISICAL_CA_PATH',
      'INFISICAL_SECRETS_DIR',
      'INFISICAL_UNIVERSAL_AUTH_CLIENT_ID',
      'INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET',
      'INFISICAL_TOKEN',
    ]);
  });

  it('options win over the environment', async () => {
    h = await harness({ manualClock: false, config: { push: false } });
    const env = { ...h.app.env, INFISICAL_ENVIRONMENT: 'staging', INFISICAL_SITE_URL: 'http://127.0.0.1:9' };
    const config = createInfisicalConfig({ env, siteUrl: h.emu.infisicalUrl, secrets: { environment: 'prod' }, push: false, logger: captureLogger() });
    try {
      expect(await config.ready()).toEqual({ GREETING: 'hello', PORT: '8080' });
    } finally {
      await config.close();
    }
  });

  it('throws OPTIONS_INVALID at once, naming the option and its environment variable', async () => {
    expect(invalid({ secrets: complete.secrets })).toMatch(/kubernetesAuth\.identityId .*INFISICAL_KUBERNETES_IDENTITY_ID/);
    expect(invalid({ kubernetesAuth: complete.kubernetesAuth })).toMatch(/secrets\.projectId .*INFISICAL_PROJECT_ID/);
    expect(invalid({ kubernetesAuth: complete.kubernetesAuth, secrets: { projectId: 'p' } })).toMatch(/INFISICAL_ENVIRONMENT/);
    expect(invalid({ ...complete, secrets: [complete.secrets, { projectId: 'p' }] })).toMatch(/secrets\[1\]\.environment/);
    expect(invalid({ ...complete, secrets: [] })).toMatch(/at least one source/);
    expect(invalid({ ...complete, secrets: { ...complete.secrets, secretPath: 'app' } })).toMatch(/secretPath must start with "\/"/);
    for (const secretPath of ['/a b', '/app/v1.2', '/é', '//app', '/app//x']) {
      expect(invalid({ ...complete, secrets: { ...complete.secrets, secretPath } })).toMatch(/folder name outside letters, digits/);
    }
    expect(invalid({ ...complete, siteUrl: 'ftp://x' })).toMatch(/siteUrl .*INFISICAL_SITE_URL/);
    expect(invalid({ ...complete, refreshIntervalMs: -1 })).toMatch(/refreshIntervalMs/);
    expect(invalid({ ...complete, initialRetries: 0 })).toMatch(/initialRetries/);
    expect(invalid({ ...complete, backoff: { multiplier: 0.5 } })).toMatch(/backoff\.multiplier/);
    expect(invalid({ ...complete, schema: {} as never })).toMatch(/Standard Schema/);
    expect(invalid(complete, { INFISICAL_CA_PATH: '/no/such/ca.pem' })).toMatch(/INFISICAL_CA_PATH/);
  });

  it('any value for any option gives a config or OPTIONS_INVALID, never another error', async () => {
    const anything = fc.oneof(fc.anything(), fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.func(fc.anything()));
    const options = fc.record(
      {
        siteUrl: fc.oneof(fc.constant('http://127.0.0.1:9'), anything),
        kubernetesAuth: fc.oneof(anything, fc.record({ identityId: fc.oneof(fc.constant('id'), anything), tokenPath: anything }, { requiredKeys: [] })),
        secrets: fc.oneof(anything, fc.array(anything, { maxLength: 3 }), fc.record({ projectId: fc.oneof(fc.constant('p'), anything), environment: fc.oneof(fc.constant('e'), anything), secretPath: anything, recursive: anything, tagSlugs: anything }, { requiredKeys: [] })),
        schema: anything,
        tls: fc.oneof(anything, fc.record({ ca: anything, caPath: anything, rejectUnauthorized: anything }, { requiredKeys: [] })),
        refreshIntervalMs: anything,
        push: anything,
        maxStalenessMs: anything,
        readyTimeoutMs: anything,
        initialRetries: anything,
        backoff: fc.oneof(anything, fc.record({ initialMs: anything, maxMs: anything, multiplier: anything }, { requiredKeys: [] })),
        revokeOnClose: anything,
        logger: anything,
        clock: anything,
        random: anything,
        tokenFileCheckIntervalMs: anything,
        client: fc.oneof(anything, fc.record({ timeoutMs: anything, retry: anything }, { requiredKeys: [] })),
      },
      { requiredKeys: [] },
    );
    const failures: unknown[] = [];
    await fc.assert(
      fc.asyncProperty(options, async (o) => {
        try {
          await createInfisicalConfig({ ...(o as InfisicalConfigOptions), env: {}, push: false, logger: captureLogger(), clock: undefined, random: undefined }).close();
        } catch (error) {
          if (!isInfisicalK8sError(error) || error.code !== 'OPTIONS_INVALID') failures.push(error);
        }
      }),
      { numRuns: 300 },
    );
    expect(failures).toEqual([]);
  });

  it('reads the CA from INFISICAL_CA_PATH', async () => {
    h = await harness({ manualClock: false, emulator: { infisicalTls: true }, config: { push: false, tls: { rejectUnauthorized: false } } });
    const dir = await mkdtemp(join(tmpdir(), 'core-ca-'));
    try {
      await writeFile(join(dir, 'ca.pem'), h.emu.caCert);
      const config = createInfisicalConfig({ env: { ...h.app.env, INFISICAL_CA_PATH: join(dir, 'ca.pem') }, push: false, logger: captureLogger() });
      try {
        expect(await config.ready()).toEqual({ GREETING: 'hello', PORT: '8080' });
      } finally {
        await config.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
