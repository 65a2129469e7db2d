import { inspect } from 'node:util';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import * as v from 'valibot';
import { createInfisicalConfig, InfisicalK8sError, type InfisicalConfig } from '@infisical-k8s/core';
import { harness, routes, type Harness } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
let h: Harness<any> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('Function: createInfisicalConfig', () => {
  it('1,000 concurrent ready()/refresh() callers on a cold start cause one login and one list per source', async () => {
    h = await harness({ manualClock: false, config: { push: false } });
    const calls = Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? h!.config.ready() : h!.config.refresh()));
    const results = await Promise.all(calls);
    expect(new Set(results).size).toBe(1);
    expect(h.emu.counters.get(routes.login)).toBe(1);
    expect(h.emu.counters.get(routes.list)).toBe(1);
  });

  it('merges several sources in order, later sources winning', async () => {
    h = await harness({ manualClock: false, config: { push: false } });
    h.emu.setSecrets(h.app.projectId, 'prod', { GREETING: 'from /app', ONLY_APP: 'x' }, '/app');
    await h.config.close();
    h.emu.counters.reset();
    const config = createInfisicalConfig({
      siteUrl: h.emu.infisicalUrl,
      kubernetesAuth: { identityId: h.app.identityId, tokenPath: h.app.projected.path },
      secrets: [
        { projectId: h.app.projectId, environment: 'prod', secretPath: '/' },
        { projectId: h.app.projectId, environment: 'prod', secretPath: '/app' },
      ],
      push: false,
      logger: h.logger,
    });
    try {
      expect(await config.ready()).toEqual({ GREETING: 'from /app', PORT: '8080', ONLY_APP: 'x' });
      expect(h.emu.counters.get(routes.list)).toBe(2);
    } finally {
      await config.close();
    }
  });

  it('serves a pushed change within 100 ms, without waiting for the interval', async () => {
    h = await harness({ manualClock: false, config: { refreshIntervalMs: 600_000 } });
    await h.config.ready();
    await waitFor(() => h!.emu.events.connections() === 1);
    const started = performance.now();
    const changed = new Promise<number>((resolve) => {
      h!.config.changes$.subscribe((change) => {
        if (change.changedKeys.includes('GREETING')) resolve(performance.now() - started);
      });
    });
    h.emu.setSecret({ projectId: h.app.projectId, environment: 'prod', key: 'GREETING', value: 'pushed' });
    const elapsed = await changed;
    expect(h.config.get('GREETING')).toBe('pushed');
    expect(elapsed).toBeLessThan(100);
    expect(h.config.status.mode).toBe('push');
  });

  it('falls back to polling, with one log line, when the server refuses push', async () => {
    h = await harness({ emulator: { eventSubscriptions: false }, config: { refreshIntervalMs: 60_000 } });
    await h.config.ready();
    await h.clock!.settle();
    const refused = h.logger.lines.filter((line) => line.includes('push notifications refused'));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toContain('polling every 60000 ms');
    h.emu.setSecret({ projectId: h.app.projectId, environment: 'prod', key: 'GREETING', value: 'polled' });
    await h.clock!.advance(66_000);
    expect(h.config.get('GREETING')).toBe('polled');
    expect(h.config.status.mode).toBe('polling');
  });

  it('serves the last good snapshot through an outage and recovers by itself', async () => {
    h = await harness({ config: { push: false, refreshIntervalMs: 60_000, maxStalenessMs: 300_000 } });
    await h.config.ready();
    const errors: string[] = [];
    h.config.errors$.subscribe((e) => errors.push(e.code));
    const fault = h.emu.faults.inject({ route: routes.list, status: 503 });
    await h.clock!.advance(10 * 60_000);
    expect(h.config.get('GREETING')).toBe('hello');
    expect(errors.length).toBeGreaterThan(0);
    expect(new Set(errors)).toEqual(new Set(['SERVER_ERROR']));
    expect(h.config.status.stale).toBe(true);
    expect(h.config.isReady()).toBe(false);
    // Backoff keeps the retry count well under one per second of outage.
    expect(h.emu.counters.get(routes.list)).toBeLessThan(20);
    h.emu.faults.clear(fault);
    h.emu.setSecret({ projectId: h.app.projectId, environment: 'prod', key: 'GREETING', value: 'after' });
    await h.clock!.advance(6 * 60_000);
    expect(h.config.get('GREETING')).toBe('after');
    expect(h.config.isReady()).toBe(true);
  });

  it('keeps the last good snapshot when a new value fails the schema', async () => {
    const schema = z.object({ GREETING: z.string(), PORT: z.coerce.number().int() });
    h = await harness({ config: { push: false, schema } });
    expect(await h.config.ready()).toEqual({ GREETING: 'hello', PORT: 8080 });
    h.emu.setSecret({ projectId: h.app.projectId, environment: 'prod', key: 'PORT', value: 'not-a-port-9f3b' });
    const error = await h.config.refresh().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfisicalK8sError);
    expect((error as InfisicalK8sError).code).toBe('CONFIG_INVALID');
    expect((error as InfisicalK8sError).issues?.map((i) => i.path)).toEqual(['PORT']);
    expect(h.config.get('PORT')).toBe(8080);
  });

  it('ready() rejects with the typed error after bounded retries', async () => {
    h = await harness({ manualClock: false, provision: { allowedNamespaces: 'other' }, config: { push: false, initialRetries: 2, backoff: { initialMs: 10, maxMs: 20 } } });
    const error = (await h.config.ready().catch((e: unknown) => e)) as InfisicalK8sError;
    expect(error.code).toBe('NAMESPACE_NOT_ALLOWED');
    expect(error.message).toContain("'default'");
    expect(error.hint).toContain('allowedNamespaces');
    expect(() => h!.config.snapshot).toThrow(expect.objectContaining({ code: 'NOT_READY' }));
  });

  it('close() stops every timer, watcher and stream', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length;
    h = await harness({ manualClock: false });
    await h.config.ready();
    await waitFor(() => h!.emu.events.connections() === 1);
    await h.close();
    h = undefined;
    await new Promise((r) => setTimeout(r, 50));
    const after = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length;
    expect(after).toBeLessThanOrEqual(before);
  });
});

describe('Validation: values never leak', () => {
  const seeded = 'S3CRET-VALUE-7d1c5e';

  it('scrubs valibot messages (which echo the input)', async () => {
    const schema = v.object({ GREETING: v.string(), PORT: v.pipe(v.string(), v.regex(/^\d+$/)) });
    h = await harness({ provision: { secrets: { GREETING: 'hi', PORT: seeded } }, config: { push: false, schema, initialRetries: 1 } });
    const error = (await h.config.ready().catch((e: unknown) => e)) as InfisicalK8sError;
    expect(error.code).toBe('CONFIG_INVALID');
    for (const text of [error.message, error.hint, JSON.stringify(error), inspect(error), ...h.logger.lines]) expect(text).not.toContain(seeded);
    expect(error.issues).toEqual([{ path: 'PORT', message: expect.any(String) }]);
  });

  it('scrubs zod enum messages', async () => {
    const schema = z.object({ GREETING: z.enum(['a', 'b']), PORT: z.string() });
    h = await harness({ provision: { secrets: { GREETING: seeded, PORT: '1' } }, config: { push: false, schema, initialRetries: 1 } });
    const error = (await h.config.ready().catch((e: unknown) => e)) as InfisicalK8sError;
    expect(error.issues?.[0]?.path).toBe('GREETING');
    for (const text of [error.message, JSON.stringify(error), inspect(error), ...h.logger.lines]) expect(text).not.toContain(seeded);
  });

  it('never shows values, access tokens or JWTs in inspect, JSON or logs', async () => {
    h = await harness({ provision: { secrets: { GREETING: seeded } }, config: { push: false } });
    await h.config.ready();
    h.emu.faults.inject({ route: routes.list, status: 500, times: 1 });
    await h.config.refresh().catch(() => undefined);
    const jwt = h.app.projected.current();
    const captured = [inspect(h.config), JSON.stringify(h.config), ...h.logger.lines, JSON.stringify(h.config.status)];
    for (const text of captured) {
      expect(text).not.toContain(seeded);
      expect(text).not.toContain(jwt);
      expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
    }
  });
});

describe('Types', () => {
  it('infers the snapshot type from the schema', () => {
    const zodSchema = z.object({ PORT: z.coerce.number(), URL: z.string().url() });
    const valibotSchema = v.object({ DEBUG: v.pipe(v.string(), v.transform((s) => s === 'true')) });
    type ZodConfig = InfisicalConfig<{ PORT: number; URL: string }>;
    expectTypeOf<ReturnType<typeof createInfisicalConfig<typeof zodSchema>>>().toEqualTypeOf<ZodConfig>();
    expectTypeOf<ReturnType<ReturnType<typeof createInfisicalConfig<typeof zodSchema>>['get']>>().toEqualTypeOf<number | string>();
    expectTypeOf<ReturnType<typeof createInfisicalConfig<typeof valibotSchema>>['snapshot']>().toEqualTypeOf<{ DEBUG: boolean }>();
    expectTypeOf<ReturnType<typeof createInfisicalConfig<undefined>>['snapshot']>().toEqualTypeOf<Readonly<Record<string, string>>>();
  });
});

async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
