/**
 * Property tests (fast-check): options, secret keys and values, and schema coercion. Never a crash, never
 * a hang, never a wrong value accepted silently.
 */
import { rm } from 'node:fs/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { createInfisicalConfig, InfisicalK8sError, type InfisicalConfigOptions } from '@infisical-k8s/core';

const quiet = { warn: () => undefined, error: () => undefined };
let emu: Emulator;
let app: Provisioned;
beforeAll(async () => {
  emu = await startEmulator();
  app = await provision(emu, { secrets: { SEED: 'x' } });
});
afterAll(async () => {
  await emu.close();
  await rm(app.projected.dir, { recursive: true, force: true });
});

const base = (): InfisicalConfigOptions => ({
  siteUrl: emu.infisicalUrl,
  kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
  push: false,
  refreshIntervalMs: 0,
  initialRetries: 1,
  logger: quiet,
  env: {},
});

describe('Property: options', () => {
  it('any option values give a config or OPTIONS_INVALID, nothing else', async () => {
    const anyValue = fc.oneof(fc.anything(), fc.integer(), fc.double(), fc.string(), fc.constant(undefined), fc.constant(null));
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          siteUrl: fc.oneof(fc.constant('http://127.0.0.1:9'), fc.string(), anyValue),
          refreshIntervalMs: anyValue,
          maxStalenessMs: anyValue,
          readyTimeoutMs: anyValue,
          initialRetries: anyValue,
          backoff: anyValue,
          secrets: fc.oneof(anyValue, fc.record({ projectId: anyValue, environment: anyValue, secretPath: anyValue })),
          kubernetesAuth: fc.oneof(anyValue, fc.record({ identityId: anyValue, tokenPath: anyValue })),
          schema: fc.oneof(fc.constant(undefined), anyValue),
        }, { requiredKeys: [] }),
        async (options) => {
          let config;
          try {
            config = createInfisicalConfig({ logger: quiet, env: {}, push: false, ...(options as InfisicalConfigOptions), ...(typeof options.siteUrl === 'string' && /^https?:/.test(options.siteUrl) ? { siteUrl: 'http://127.0.0.1:9' } : {}) });
          } catch (error) {
            expect(error).toBeInstanceOf(InfisicalK8sError);
            expect((error as InfisicalK8sError).code).toBe('OPTIONS_INVALID');
            return;
          }
          await config.close();
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('Property: secret keys and values', () => {
  const key = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,40}$/);
  const value = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.constant(''),
    fc.string({ maxLength: 50 }).map((s) => `line one\n${s}\r\nline three`),
    fc.integer({ min: 1000, max: 20_000 }).map((n) => 'v'.repeat(n)),
    fc.string({ maxLength: 20 }).map((s) => `\${${s}}`),
  );

  it('come back exactly as stored, with references left alone', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(key, value, { minKeys: 1, maxKeys: 12 }), async (secrets) => {
        const project = emu.createProject({ name: 'prop' });
        emu.addIdentityToProject(project.id, app.identityId, 'viewer');
        emu.setSecrets(project.id, 'prod', secrets);
        const config = createInfisicalConfig({ ...base(), secrets: { projectId: project.id, environment: 'prod', expandSecretReferences: false } });
        try {
          expect(await config.ready()).toEqual(secrets);
        } finally {
          await config.close();
        }
      }),
      { numRuns: 25 },
    );
  });

  it('expand references, cycles included, without hanging or crashing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(key, { minLength: 2, maxLength: 6 }), async (keys) => {
        const unique = [...new Set(keys)];
        // Each key refers to the next, the last to the first: one big cycle.
        const secrets = Object.fromEntries(unique.map((k, i) => [k, `pre-\${${unique[(i + 1) % unique.length]}}`]));
        const project = emu.createProject({ name: 'cycle' });
        emu.addIdentityToProject(project.id, app.identityId, 'viewer');
        emu.setSecrets(project.id, 'prod', secrets);
        const config = createInfisicalConfig({ ...base(), secrets: { projectId: project.id, environment: 'prod' } });
        try {
          const snapshot = await config.ready();
          for (const k of unique) expect(typeof snapshot[k]).toBe('string');
        } finally {
          await config.close();
        }
      }),
      { numRuns: 15 },
    );
  });
});

describe('Property: schema coercion', () => {
  it('a coerced number is either exactly Number(value) or CONFIG_INVALID', async () => {
    const schema = z.object({ PORT: z.coerce.number().int().min(1).max(65_535) });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.integer({ min: -10, max: 70_000 }).map(String), fc.string({ maxLength: 12 }), fc.double().map(String), fc.string({ maxLength: 12 }).map((s) => `ZQ7canary${s}`)), async (raw) => {
        const project = emu.createProject({ name: 'coerce' });
        emu.addIdentityToProject(project.id, app.identityId, 'viewer');
        emu.setSecrets(project.id, 'prod', { PORT: raw });
        const config = createInfisicalConfig({ ...base(), schema, secrets: { projectId: project.id, environment: 'prod' } });
        try {
          const outcome = await config.ready().then(
            (snapshot) => ({ ok: true as const, port: snapshot.PORT }),
            (error: InfisicalK8sError) => ({ ok: false as const, code: error.code, text: JSON.stringify(error) }),
          );
          if (outcome.ok) {
            expect(outcome.port).toBe(Number(raw));
            expect(Number.isInteger(outcome.port) && outcome.port >= 1 && outcome.port <= 65_535).toBe(true);
          } else {
            expect(outcome.code).toBe('CONFIG_INVALID');
            // A distinctive value must never reach the error (short ones could be any word of the message).
            expect(outcome.text).not.toContain('ZQ7canary');
          }
        } finally {
          await config.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
