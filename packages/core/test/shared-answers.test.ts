import { afterEach, describe, expect, it } from 'vitest';
import { provision } from '@infisical-k8s/emulator';
import { createInfisicalConfig, type InfisicalConfig, type InfisicalConfigOptions } from '@infisical-k8s/core';
import { InfisicalClient } from 'node-infisical';
import { SecretSources } from '../src/secrets/secret-source.js';
import { SharedAnswers } from '../src/secrets/shared-answers.js';
import type { ResolvedSource } from '../src/options/resolve.js';
import { harness, routes, type Harness } from './helpers.js';

const INTERVAL = 60_000;
const direct = <T>(call: () => Promise<T>) => call();
let h: Harness<undefined> | undefined;
const extra: Array<InfisicalConfig<unknown>> = [];
afterEach(async () => {
  await Promise.all(extra.splice(0).map((config) => config.close()));
  await h?.close();
  h = undefined;
});

/** Another config of the same process on the harness's clock, identity and source unless `overrides` say otherwise. */
function another(t: Harness<undefined>, overrides: Partial<InfisicalConfigOptions> = {}): InfisicalConfig<unknown> {
  const config = createInfisicalConfig({
    siteUrl: t.emu.infisicalUrl,
    kubernetesAuth: { identityId: t.app.identityId, tokenPath: t.app.projected.path },
    secrets: { projectId: t.app.projectId, environment: t.app.environment, secretPath: t.app.secretPath },
    clock: t.clock!,
    logger: t.logger,
    random: () => 0.5,
    client: { retry: false },
    push: false,
    refreshIntervalMs: INTERVAL,
    shareAnswers: true,
    ...overrides,
  } as InfisicalConfigOptions) as InfisicalConfig<unknown>;
  extra.push(config);
  return config;
}

/** List requests the emulator received (a 304 counts too). */
const lists = (t: Harness<undefined>) => t.emu.counters.get(routes.list);

describe('Class: SharedAnswers (through createInfisicalConfig)', () => {
  it('two configs of one process on the same source fetch once at start and once per interval', async () => {
    h = await harness({ config: { push: false, refreshIntervalMs: INTERVAL, shareAnswers: true } });
    const second = another(h);
    await Promise.all([h.config.ready(), second.ready()]);
    expect(lists(h)).toBe(1);
    for (let i = 1; i <= 5; i++) {
      await h.clock!.advance(INTERVAL);
      expect(lists(h)).toBe(1 + i);
    }
    // A change reaches both through the one fetch.
    h.emu.setSecrets(h.app.projectId, h.app.environment, { GREETING: 'changed', PORT: '8080' }, h.app.secretPath);
    await h.clock!.advance(INTERVAL);
    expect(lists(h)).toBe(7);
    expect(h.config.snapshot).toMatchObject({ GREETING: 'changed' });
    expect(second.snapshot).toMatchObject({ GREETING: 'changed' });
  });

  it('a config started a moment later takes the recent answer, and its polls ride on the other\'s', async () => {
    h = await harness({ config: { push: false, refreshIntervalMs: INTERVAL, shareAnswers: true } });
    await h.config.ready();
    await h.clock!.advance(INTERVAL / 3);
    const later = another(h);
    expect(await later.ready()).toEqual({ GREETING: 'hello', PORT: '8080' });
    expect(lists(h)).toBe(1);
    expect(later.status.logins).toBe(0);
    await h.clock!.advance(3 * INTERVAL);
    expect(lists(h)).toBe(4);
  });

  it('refresh() always asks the server, even with a fresh shared answer', async () => {
    h = await harness({ config: { push: false, refreshIntervalMs: INTERVAL, shareAnswers: true } });
    const second = another(h);
    await Promise.all([h.config.ready(), second.ready()]);
    h.emu.setSecrets(h.app.projectId, h.app.environment, { GREETING: 'now', PORT: '8080' }, h.app.secretPath);
    expect(await second.refresh()).toMatchObject({ GREETING: 'now' });
    expect(lists(h)).toBe(2);
  });

  it('configs share only when both opt in (shareAnswers): by default each asks on its own, as separate pods do', async () => {
    h = await harness({ config: { push: false, refreshIntervalMs: INTERVAL } });
    const optedIn = another(h);
    const byDefault = another(h, { shareAnswers: undefined });
    await Promise.all([h.config.ready(), optedIn.ready(), byDefault.ready()]);
    expect(lists(h)).toBe(3);
    await h.clock!.advance(INTERVAL);
    expect(lists(h)).toBe(6);
  });

  it('two configs with different identities never share an answer', async () => {
    h = await harness({ config: { push: false, refreshIntervalMs: INTERVAL, shareAnswers: true } });
    // An identity of another project: Infisical refuses it this project's folder.
    const stranger = await provision(h.emu, { secrets: { OTHER: 'x' } });
    try {
      const theirs = another(h, { kubernetesAuth: { identityId: stranger.identityId, tokenPath: stranger.projected.path }, initialRetries: 1 });
      const [, refused] = await Promise.all([h.config.ready(), theirs.ready().catch((error: unknown) => error)]);
      expect(refused).toMatchObject({ code: 'PERMISSION_DENIED' });
      expect(() => theirs.snapshot).toThrow(/not loaded/);
      expect(h.emu.counters.get(routes.list)).toBeGreaterThanOrEqual(2);
    } finally {
      stranger.projected.stop();
    }
  });

  it('one config closing, even mid-fetch, does not stop the other', async () => {
    h = await harness({ config: { push: false, refreshIntervalMs: INTERVAL, shareAnswers: true } });
    // The first config's first list is held; the second config starts meanwhile and joins that fetch.
    h.emu.faults.inject({ route: routes.list, hang: true, times: 1 });
    const second = another(h);
    const outcome = new Promise<string>((resolve) => {
      second.errors$.subscribe((error) => resolve(`error ${error.code}`));
      second.ready().then(() => resolve('ready'), () => undefined);
    });
    await new Promise<void>((resolve) => {
      const check = () => (lists(h!) > 0 ? resolve() : setTimeout(check, 5));
      check();
    });
    await h.config.close();
    // The joined fetch died with its config: the second asks on its own, without an error.
    expect(await outcome).toBe('ready');
    expect(lists(h)).toBe(2);
    h.emu.setSecrets(h.app.projectId, h.app.environment, { GREETING: 'after', PORT: '8080' }, h.app.secretPath);
    await h.clock!.advance(2 * INTERVAL);
    expect(second.status).toMatchObject({ ready: true, closed: false, lastError: undefined });
    expect(second.snapshot).toMatchObject({ GREETING: 'after' });
  });

  it('once every config of a source closed, a new one starts afresh', async () => {
    h = await harness({ config: { push: false, refreshIntervalMs: INTERVAL, shareAnswers: true } });
    await h.config.ready();
    await h.config.close();
    h.emu.setSecrets(h.app.projectId, h.app.environment, { GREETING: 'fresh', PORT: '8080' }, h.app.secretPath);
    expect(await another(h).ready()).toMatchObject({ GREETING: 'fresh' });
  });
});

describe('Option: shareAnswers', () => {
  it('is a boolean: anything else is OPTIONS_INVALID naming the option, never the value', () => {
    expect(() => createInfisicalConfig({ kubernetesAuth: { identityId: 'i' }, secrets: { projectId: 'p', environment: 'e' }, shareAnswers: 'yes' as unknown as boolean })).toThrow(
      expect.objectContaining({ code: 'OPTIONS_INVALID', message: expect.stringMatching(/^shareAnswers must be true or false, got (?!.*yes)/) }),
    );
  });
});

describe('Class: SharedAnswers (bounded)', () => {
  it('keeps at most max answers, dropping the least recent; the kept ones still answer 304', async () => {
    h = await harness({ config: { push: false } });
    await h.config.ready();
    const client = new InfisicalClient({ baseUrl: h.emu.infisicalUrl, accessToken: h.emu.admin.accessToken, retry: false });
    const folders = ['/a', '/b', '/c'];
    for (const path of folders) h.emu.setSecrets(h.app.projectId, h.app.environment, { [`K${path.slice(1)}`]: 'v' }, path);
    const source = (secretPath: string): ResolvedSource => ({
      key: secretPath, projectId: h!.app.projectId, environment: h!.app.environment, secretPath, recursive: false, includeImports: true, expandSecretReferences: true, tagSlugs: [],
    });
    const cache = new SharedAnswers(2);
    const sources = new SecretSources(client, folders.map(source), undefined, { scope: 'test', cache });
    try {
      await sources.fetchAll(direct);
      expect(cache.size).toBe(2);
      expect(folders.filter((path) => cache.last(`test\0${path}`) !== undefined)).toHaveLength(2);
      h.emu.counters.reset();
      await sources.fetchAll(direct);
      // The evicted folder is asked without an ETag (a full answer); the two kept ones answer 304.
      expect(h.emu.counters.get(routes.list)).toBe(3);
      expect(h.emu.counters.get(`${routes.list} 304`)).toBe(2);
      expect(cache.size).toBe(2);
    } finally {
      sources.close();
      await client.close();
    }
  });
});
