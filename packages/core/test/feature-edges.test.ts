/**
 * The session's new features attacked as an outsider would: values full of quotes, backslashes and newlines through
 * valibot and arktype, the other server generation, and a 200 whose body is not Infisical's answer.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { type } from 'arktype';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { createInfisicalConfig, type InfisicalConfig, type InfisicalConfigOptions } from '@infisical-k8s/core';
import { ManualClock } from '@infisical-k8s/core/testing';
import { captureLogger, routes } from './helpers.js';

/** What users keep in secrets: quotes of both kinds, backslashes, LF and CRLF, unicode, `${}` that is no reference, empty. */
const AWKWARD = {
  JSON_BLOB: '{"a":"b \\"c\\"","d":[1,2]}',
  PEM: '-----BEGIN KEY-----\nMIIB\\nAbc\n-----END KEY-----\n',
  WINDOWS: 'line one\r\nline two',
  QUOTES: `it's "quoted" and \`ticked\``,
  UNICODE: 'ünïcødé ✓ 🔑',
  DOLLAR: 'cost: $$5 and $HOME',
  EMPTY: '',
};
const KEYS = Object.keys(AWKWARD) as Array<keyof typeof AWKWARD>;
const valibotSchema = v.object(Object.fromEntries(KEYS.map((key) => [key, v.string()])) as Record<keyof typeof AWKWARD, v.StringSchema<undefined>>);
const arktypeSchema = type(Object.fromEntries(KEYS.map((key) => [key, 'string'])) as Record<keyof typeof AWKWARD, 'string'>);

let emu: Emulator | undefined;
let app: Provisioned | undefined;
let dir: string | undefined;
const configs: Array<InfisicalConfig<unknown>> = [];

afterEach(async () => {
  for (const config of configs.splice(0)) await config.close();
  app?.projected.stop();
  await emu?.close();
  if (app) await rm(app.projected.dir, { recursive: true, force: true });
  if (dir) await rm(dir, { recursive: true, force: true });
  emu = app = dir = undefined;
});

async function setUp(generation: 'current' | '2024') {
  const clock = new ManualClock();
  emu = await startEmulator({ clock, generation });
  app = await provision(emu, { secrets: AWKWARD });
  dir = await mkdtemp(join(tmpdir(), 'edges-'));
  return clock;
}

/** A config on the emulator's source; `extra` adds the schema and the feature under attack. */
function configOf(clock: ManualClock, extra: Record<string, unknown>) {
  const config = createInfisicalConfig({
    siteUrl: emu!.infisicalUrl,
    kubernetesAuth: { identityId: app!.identityId, tokenPath: app!.projected.path },
    secrets: { projectId: app!.projectId, environment: app!.environment, secretPath: app!.secretPath, expandSecretReferences: false },
    logger: captureLogger(),
    clock,
    random: () => 0.5,
    client: { retry: false },
    push: false,
    backoff: { initialMs: 1_000, maxMs: 4_000 },
    ...extra,
  } as InfisicalConfigOptions<never>);
  configs.push(config as InfisicalConfig<unknown>);
  return config;
}

describe.each(['current', '2024'] as const)('on a %s server', (generation) => {
  it('the fallback file gives back every awkward value byte for byte: written under valibot, served under arktype during an outage', async () => {
    const clock = await setUp(generation);
    const fallback = { path: join(dir!, 'secrets.enc'), key: randomBytes(32) };
    const first = configOf(clock, { schema: valibotSchema, fallback });
    expect(await first.ready()).toEqual(AWKWARD);
    await first.close();
    emu!.faults.inject({ route: generation === '2024' ? 'GET /api/v3/secrets/raw' : routes.list, status: 503 });
    const next = configOf(clock, { schema: arktypeSchema, fallback });
    expect(await next.ready()).toEqual(AWKWARD);
    expect(next.status).toMatchObject({ degraded: true, lastError: { code: 'SERVER_ERROR' } });
  });

  it('the process.env bridge writes every awkward value exactly as fetched (arktype)', async () => {
    const clock = await setUp(generation);
    const target: Record<string, string | undefined> = {};
    const config = configOf(clock, { schema: arktypeSchema, processEnv: { prefix: 'APP_', target } });
    await config.ready();
    expect(target).toEqual(Object.fromEntries(KEYS.map((key) => [`APP_${key}`, AWKWARD[key]])));
  });
});

describe('a 200 whose body is not Infisical answer, at a cold start', () => {
  it('is BAD_RESPONSE and not an outage: the fallback file is not served (Infisical, or something in its place, answered)', async () => {
    const clock = await setUp('current');
    const fallback = { path: join(dir!, 'secrets.enc'), key: randomBytes(32) };
    const first = configOf(clock, { fallback });
    await first.ready();
    await first.close();
    emu!.faults.inject({ route: routes.list, status: 200, body: { message: 'Welcome to the portal' } });
    const next = configOf(clock, { fallback, initialRetries: 1 });
    await expect(next.ready()).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
    expect(next.status).toMatchObject({ ready: false, degraded: false });
  });
});
