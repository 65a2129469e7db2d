import { readFile } from 'node:fs/promises';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createInfisicalConfig, type InfisicalConfigOptions } from '@infisical-k8s/core';
import { harness, type Harness } from './helpers.js';

// A seeded value (test/support/leak-scan.ts): printed anywhere, it fails the run.
const SECRET = 'S3CRET-VALUE-7d1c5e';

let h: Harness<undefined> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

type Target = Record<string, string | undefined>;

async function bridged(processEnv: NonNullable<InfisicalConfigOptions['processEnv']>, extra: { schema?: z.ZodType; secrets?: Record<string, string> } = {}) {
  h = await harness({
    provision: { secrets: extra.secrets ?? { GREETING: 'hello', PORT: '8080', API_KEY: SECRET } },
    // The snapshot's type does not matter here: the target is what is checked.
    config: { push: false, processEnv, ...(extra.schema ? { schema: extra.schema } : {}) } as never,
  });
  const app = h.app;
  const set = (key: string, value: string) => h!.emu.setSecret({ projectId: app.projectId, environment: app.environment, key, value });
  const remove = (key: string) => h!.emu.deleteSecret({ projectId: app.projectId, environment: app.environment, key });
  return { config: h.config, logger: h.logger, set, remove };
}

describe('Option: processEnv', () => {
  it('is off by default: nothing reaches process.env', async () => {
    h = await harness({ provision: { secrets: { ENVBRIDGE_OFF_CHECK: SECRET } } });
    await h.config.ready();
    expect(process.env.ENVBRIDGE_OFF_CHECK).toBeUndefined();
  });

  it('writes every fetched key, prefixed, as the fetched strings once the schema passed (keys it strips stay out)', async () => {
    const target: Target = {};
    const schema = z.object({ GREETING: z.string(), PORT: z.coerce.number() });
    const { config } = await bridged({ prefix: 'APP_', target }, { schema });
    const snapshot = await config.ready();
    expect((snapshot as Record<string, unknown>).PORT).toBe(8080);
    expect(target).toEqual({ APP_GREETING: 'hello', APP_PORT: '8080' });
  });

  it('writes nothing when the snapshot fails validation', async () => {
    const target: Target = {};
    const { config } = await bridged({ target }, { schema: z.object({ PORT: z.coerce.number(), GREETING: z.enum(['bye']) }) });
    await expect(config.ready()).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    expect(target).toEqual({});
  });

  it('live: follows changes of the chosen keys and deletes a key removed from Infisical', async () => {
    const target: Target = {};
    const { config, set, remove } = await bridged({ keys: ['GREETING', 'API_KEY'], target });
    await config.ready();
    expect(target).toEqual({ GREETING: 'hello', API_KEY: SECRET });
    set('GREETING', 'changed');
    // A changes$ subscriber already sees the new value in the environment.
    const seen: Array<string | undefined> = [];
    config.changes$.subscribe(() => seen.push(target.GREETING));
    await config.refresh();
    expect(seen).toEqual(['changed']);
    remove('API_KEY');
    await config.refresh();
    expect(target).toEqual({ GREETING: 'changed' });
    expect(Object.hasOwn(target, 'API_KEY')).toBe(false);
  });

  it('once: writes the first snapshot and nothing after', async () => {
    const target: Target = {};
    const { config, set, remove } = await bridged({ mode: 'once', keys: ['GREETING', 'PORT'], target });
    await config.ready();
    set('GREETING', 'changed');
    remove('PORT');
    await config.refresh();
    expect(config.snapshot.GREETING).toBe('changed');
    expect(target).toEqual({ GREETING: 'hello', PORT: '8080' });
  });

  it('never overwrites or deletes a variable it did not write', async () => {
    const target: Target = { GREETING: 'from the deployment' };
    const { config, logger, set, remove } = await bridged({ target });
    await config.ready();
    expect(target).toEqual({ GREETING: 'from the deployment', PORT: '8080', API_KEY: SECRET });
    expect(logger.lines.join('\n')).toContain('GREETING was already set and is left as it is (set processEnv.override');
    // The app takes PORT over after the bridge wrote it: the removal leaves the app's value.
    target.PORT = 'the app';
    remove('GREETING');
    remove('PORT');
    set('API_KEY', 'rotated');
    await config.refresh();
    expect(target).toEqual({ GREETING: 'from the deployment', PORT: 'the app', API_KEY: 'rotated' });
  });

  it('override: replaces a variable set before, and restores it when the key goes', async () => {
    const target: Target = { GREETING: 'from the deployment' };
    const { config, remove } = await bridged({ override: true, keys: ['GREETING'], target });
    await config.ready();
    expect(target.GREETING).toBe('hello');
    remove('GREETING');
    await config.refresh();
    expect(target.GREETING).toBe('from the deployment');
  });

  it('skips fetched INFISICAL_* keys and values that are an access token or a service-account token', async () => {
    const target: Target = {};
    h = await harness({ config: { push: false, processEnv: { target } } });
    await h.config.ready();
    const app = h.app;
    const serviceAccountJwt = (await readFile(app.projected.path, 'utf8')).trim();
    h.emu.setSecrets(app.projectId, app.environment, { INFISICAL_TOKEN: 'plain', POD_TOKEN: serviceAccountJwt, ADMIN_TOKEN: h.emu.admin.accessToken, OTHER_JWT: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0aGlyZC1wYXJ0eSJ9.c2ln' });
    await h.config.refresh();
    expect(Object.keys(target).toSorted()).toEqual(['GREETING', 'OTHER_JWT', 'PORT']);
    const lines = h.logger.lines.join('\n');
    expect(lines).toContain('INFISICAL_TOKEN is not written');
    expect(lines).toContain('POD_TOKEN is not written: its value is an access token or a service-account token');
    expect(lines).toContain('ADMIN_TOKEN is not written');
  });

  it('never shows a value in a log line, util.inspect or JSON.stringify of the config', async () => {
    const target: Target = { API_KEY: 'set before' };
    const { config, logger, set } = await bridged({ target, keys: ['API_KEY', 'MISSING'] });
    await config.ready();
    set('API_KEY', `${SECRET}-2`);
    await config.refresh();
    const shown = [logger.lines.join('\n'), inspect(config, { depth: 10, showHidden: true }), JSON.stringify(config)].join('\n');
    expect(logger.lines.join('\n')).toContain('MISSING is in processEnv.keys but not among the fetched secrets');
    expect(shown).not.toContain(SECRET);
    expect(shown).not.toContain('set before');
  });

  it('warns through the default console logger, which the suite\'s leak scan reads, without a value', async () => {
    // Every bridge warning fires here, on the real console: a value in any of them fails the run (test/support/leak-scan.ts).
    const target: Target = { GREETING: SECRET };
    h = await harness({ provision: { secrets: { GREETING: 'hello', API_KEY: SECRET, INFISICAL_TOKEN: SECRET } }, config: { push: false, logger: undefined, processEnv: { target } } });
    const app = h.app;
    await h.config.ready();
    target.API_KEY = `${SECRET}-app`;
    h.emu.setSecret({ projectId: app.projectId, environment: app.environment, key: 'API_KEY', value: `${SECRET}-2` });
    await h.config.refresh();
    expect(target).toEqual({ GREETING: SECRET, API_KEY: `${SECRET}-app` });
  });

  it.each([
    [{ keys: ['INFISICAL_TOKEN'] }, 'processEnv.keys must not write INFISICAL_* variables'],
    [{ keys: ['TOKEN'], prefix: 'infisical_' }, 'processEnv.prefix must not start with INFISICAL_'],
    [{ keys: 'some' }, "processEnv.keys must be 'all' or an array of secret keys, got a string"],
    [{ keys: ['A=B'] }, 'processEnv.keys[0] must be a variable name'],
    [{ mode: 'always' }, "processEnv.mode must be 'once' or 'live', got a string"],
    [{ override: 'yes' }, 'processEnv.override must be true or false'],
    [{ target: 'env' }, 'processEnv.target must be an object'],
    [true, 'processEnv must be an object'],
  ])('refuses %j with OPTIONS_INVALID naming the option', (processEnv, message) => {
    const create = () => createInfisicalConfig({ secrets: { files: '/nonexistent' }, processEnv: processEnv as never });
    expect(create).toThrow(expect.objectContaining({ code: 'OPTIONS_INVALID', message: expect.stringContaining(message) }));
  });
});
