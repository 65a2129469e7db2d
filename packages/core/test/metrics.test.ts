/**
 * OpenTelemetry metrics: the SDK's MeterProvider with a reader collected on demand, against the emulator on a
 * manual clock. Every value is read from the config's status when the reader collects, so each step below moves the
 * clock or makes the emulator answer, then collects.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type * as OtelApi from '@opentelemetry/api';
import type * as OtelSdk from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { createInfisicalConfig, isInfisicalK8sError, type MeterProviderLike, type MetricsOptions } from '@infisical-k8s/core';
import { globalMeterProvider } from '../src/metrics/load-api.js';
import { harness, routes, waitFor, type Harness } from './helpers.js';

// Through require, as core loads it: vite would resolve the packages' `module` builds, which Node cannot run.
const load = createRequire(import.meta.url);
const { metrics } = load('@opentelemetry/api') as typeof OtelApi;
const { MeterProvider, MetricReader } = load('@opentelemetry/sdk-metrics') as typeof OtelSdk;

/** A reader the test collects from itself: no export timer. */
class OnDemandReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

type Points = Array<{ name: string; unit: string; value: number; attributes: Record<string, unknown> }>;

function pointsOf({ resourceMetrics }: OtelSdk.CollectionResult): Points {
  return resourceMetrics.scopeMetrics.flatMap((scope) =>
    scope.metrics.flatMap((metric) => metric.dataPoints.map((p) => ({ name: metric.descriptor.name, unit: metric.descriptor.unit, value: p.value as number, attributes: p.attributes }))),
  );
}

/** A collector and the provider feeding it; `value(name, attributes)` is one data point's value (undefined when absent). */
function collector() {
  const reader = new OnDemandReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    meterProvider,
    async collect() {
      const points = pointsOf(await reader.collect());
      const value = (name: string, attributes: Record<string, unknown> = {}) => points.find((p) => p.name === name && matches(p.attributes, attributes))?.value;
      return { points, value };
    },
    shutdown: () => meterProvider.shutdown(),
  };
}

function matches(actual: Record<string, unknown>, expected: Record<string, unknown>): boolean {
  return Object.entries(expected).every(([k, v]) => actual[k] === v);
}

const LOAD = '_load';

function missingModule(): never {
  throw Object.assign(new Error("Cannot find module '@opentelemetry/api'"), { code: 'MODULE_NOT_FOUND' });
}

function failingModule(): never {
  throw new Error('boom');
}

let h: Harness<undefined> | undefined;
let c: ReturnType<typeof collector> | undefined;
afterEach(async () => {
  await h?.close();
  await c?.shutdown();
  metrics.disable();
  h = c = undefined;
});

const success = { 'infisical_k8s.fetch.outcome': 'success' };

describe('Metrics: createInfisicalConfig({ metrics })', () => {
  it('follows the config as it logs in, fetches, ages, gets a 429, renews and closes', async () => {
    c = collector();
    h = await harness({
      provision: { accessTokenTTL: 3600, accessTokenMaxTTL: 86_400 },
      config: { push: false, metrics: { meterProvider: c.meterProvider, attributes: { 'service.component': 'api' } } },
    });
    await h.config.ready();
    let m = await c.collect();
    expect(m.value('infisical_k8s.logins')).toBe(1);
    expect(m.value('infisical_k8s.fetches', success)).toBe(1);
    expect(m.value('infisical_k8s.snapshot.age')).toBe(0);
    expect(m.value('infisical_k8s.access_token.time_to_expiry')).toBe(3600);
    expect(m.value('infisical_k8s.push.connected')).toBe(0);
    expect(m.value('infisical_k8s.poll.interval')).toBe(60);
    expect(m.value('infisical_k8s.ready')).toBe(1);
    expect(m.value('infisical_k8s.rate_limited')).toBe(0);
    expect(m.value('infisical_k8s.renewals', { 'infisical_k8s.renewal.outcome': 'success' })).toBe(0);
    // Every point carries the configured attributes; units follow the OpenTelemetry style.
    expect(m.points.every((p) => p.attributes['service.component'] === 'api')).toBe(true);
    expect(Object.fromEntries(m.points.map((p) => [p.name, p.unit]))).toMatchObject({ 'infisical_k8s.snapshot.age': 's', 'infisical_k8s.logins': '{login}', 'infisical_k8s.fetches': '{fetch}' });

    // Ages as the clock moves, without any timer of its own.
    await h.clock!.advance(30_000);
    m = await c.collect();
    expect(m.value('infisical_k8s.snapshot.age')).toBe(30);
    expect(m.value('infisical_k8s.access_token.time_to_expiry')).toBe(3570);

    // A refetch of unchanged secrets is a 304.
    await h.config.refresh();
    m = await c.collect();
    expect(m.value('infisical_k8s.fetches', { 'infisical_k8s.fetch.outcome': 'not_modified' })).toBe(1);
    expect(m.value('infisical_k8s.snapshot.age')).toBe(0);

    // A 429: counted, an error by code, the poll interval doubled, the snapshot ageing on.
    h.emu.faults.inject({ route: routes.list, status: 429, retryAfter: 40, times: 1 });
    await h.config.refresh().catch(() => undefined);
    await h.clock!.advance(10_000);
    m = await c.collect();
    expect(m.value('infisical_k8s.rate_limited')).toBe(1);
    expect(m.value('infisical_k8s.fetches', { 'infisical_k8s.fetch.outcome': 'error', 'error.type': 'RATE_LIMITED' })).toBe(1);
    expect(m.value('infisical_k8s.poll.interval')).toBe(120);
    expect(m.value('infisical_k8s.snapshot.age')).toBe(10);

    // The renewal at 2/3 x 0.95 of the TTL (2280 s): one more renewal, the expiry pushed back, no second login.
    await h.clock!.advanceTo(h.clock!.now() - 40_000 + 2_280_000);
    m = await c.collect();
    expect(h.emu.counters.get(routes.renew)).toBe(1);
    expect(m.value('infisical_k8s.renewals', { 'infisical_k8s.renewal.outcome': 'success' })).toBe(1);
    expect(m.value('infisical_k8s.renewals', { 'infisical_k8s.renewal.outcome': 'refused' })).toBe(0);
    expect(m.value('infisical_k8s.access_token.time_to_expiry')).toBe(3600);
    expect(m.value('infisical_k8s.logins')).toBe(1);

    // After close() the config observes nothing more: the SDK repeats the last cumulative points, which stop moving.
    const before = m.value('infisical_k8s.snapshot.age');
    await h.config.close();
    await h.clock!.advance(600_000);
    m = await c.collect();
    expect(m.value('infisical_k8s.snapshot.age')).toBe(before);
  });

  it('counts a validation failure after a good answer as that error', async () => {
    c = collector();
    const schema = { '~standard': { version: 1, vendor: 'test', validate: () => ({ issues: [{ message: 'bad', path: ['GREETING'] }] }) } } as const;
    h = await harness({ config: { push: false, schema, metrics: { meterProvider: c.meterProvider } } as never });
    await h.config.refresh().catch(() => undefined);
    const m = await c.collect();
    expect(m.value('infisical_k8s.fetches', { 'error.type': 'CONFIG_INVALID' })).toBeGreaterThanOrEqual(1);
    expect(m.value('infisical_k8s.fetches', success)).toBeUndefined();
    expect(m.value('infisical_k8s.snapshot.age')).toBeUndefined();
    expect(m.value('infisical_k8s.ready')).toBe(0);
  });

  it('reports push connected while the change-event stream is up', async () => {
    c = collector();
    h = await harness({ config: { refreshIntervalMs: 600_000, metrics: { meterProvider: c.meterProvider } } });
    await h.config.ready();
    await waitFor(() => h!.config.status.mode === 'push', 60_000);
    expect((await c.collect()).value('infisical_k8s.push.connected')).toBe(1);
  }, 120_000);

  it('metrics: true reports through the global meter provider of @opentelemetry/api', async () => {
    c = collector();
    metrics.setGlobalMeterProvider(c.meterProvider);
    h = await harness({ config: { push: false, metrics: true } });
    await h.config.ready();
    expect((await c.collect()).value('infisical_k8s.logins')).toBe(1);
  });

  it('records nothing unless asked: no metrics option, or metrics: false, leaves even a registered global provider alone', async () => {
    c = collector();
    metrics.setGlobalMeterProvider(c.meterProvider);
    h = await harness({ config: { push: false } });
    await h.config.ready();
    const off = createInfisicalConfig({ siteUrl: h.emu.infisicalUrl, kubernetesAuth: { identityId: h.app.identityId, tokenPath: h.app.projected.path }, secrets: { projectId: h.app.projectId, environment: h.app.environment }, clock: h.clock!, logger: h.logger, push: false, metrics: false });
    await off.ready();
    expect((await c.collect()).points).toEqual([]);
    await off.close();
  });

  it('metrics: true without a registered provider uses the API no-op provider: the config works, nothing is recorded', async () => {
    c = collector();
    h = await harness({ config: { push: false, metrics: true } });
    await h.config.ready();
    expect(h.config.status.logins).toBe(1);
    expect((await c.collect()).points).toEqual([]);
  });
});

describe('Metrics: options', () => {
  const base = { kubernetesAuth: { identityId: 'id', tokenPath: '/nonexistent' }, secrets: { projectId: 'p', environment: 'e' }, env: {} };
  const refusal = (metricsOption: unknown): string => {
    try {
      createInfisicalConfig({ ...base, metrics: metricsOption as never }).close();
    } catch (error) {
      if (isInfisicalK8sError(error)) return `${error.code}: ${error.message}`;
      throw error;
    }
    return 'accepted';
  };

  it('takes the API and SDK meter providers as they are typed (core only describes what it calls)', () => {
    expectTypeOf<OtelApi.MeterProvider>().toExtend<MeterProviderLike>();
    expectTypeOf<OtelSdk.MeterProvider>().toExtend<MeterProviderLike>();
    expectTypeOf<{ meterProvider: OtelApi.MeterProvider; attributes: OtelApi.Attributes & Record<string, string> }>().toExtend<MetricsOptions>();
  });

  it('refuses a bad metrics option naming it and the kind of value, never the value', () => {
    expect(refusal('yes')).toBe('OPTIONS_INVALID: metrics must be true, false or { meterProvider, attributes }, got a string');
    expect(refusal({ meterProvider: {} })).toBe('OPTIONS_INVALID: metrics.meterProvider must be an OpenTelemetry MeterProvider (with getMeter()), got an object');
    expect(refusal({ attributes: { team: { secret: 'hunter2' } } })).toMatch(/^OPTIONS_INVALID: metrics.attributes\["team"\] must be a string, number or boolean, got an object$/);
    expect(refusal({ attributes: 'team=a' })).toMatch(/^OPTIONS_INVALID: metrics.attributes must be an object/);
  });

  it('metrics: true without @opentelemetry/api installed is OPTIONS_INVALID naming the package and the fix', () => {
    expect(() => globalMeterProvider(missingModule)).toThrowError(
      expect.objectContaining({ code: 'OPTIONS_INVALID', message: expect.stringMatching(/^metrics: true needs the optional peer dependency @opentelemetry\/api: install it/) }),
    );
    // Any other failure while loading it is not hidden behind that advice.
    expect(() => globalMeterProvider(failingModule)).toThrowError('boom');
  });

  it('without @opentelemetry/api installed: a config without metrics works, metrics: true is OPTIONS_INVALID naming the fix', async () => {
    // Node's own loader, told the package is absent (as in an app that never installed the optional peer).
    // `Module._load` is what every require() goes through, after its per-caller resolution cache.
    const Module = load('node:module') as Record<typeof LOAD, (request: string, ...rest: unknown[]) => unknown>;
    const original = Module[LOAD];
    Module[LOAD] = function (this: unknown, request: string, ...rest: unknown[]) {
      if (request === '@opentelemetry/api') throw Object.assign(new Error(`Cannot find module '${request}'`), { code: 'MODULE_NOT_FOUND' });
      return original.call(this, request, ...rest);
    };
    try {
      expect(() => load('@opentelemetry/api')).toThrowError(/Cannot find module/);
      h = await harness({ config: { push: false } });
      await h.config.ready();
      expect(h.config.get('GREETING')).toBe('hello');
      expect(() => createInfisicalConfig({ ...base, metrics: true })).toThrowError(
        expect.objectContaining({ code: 'OPTIONS_INVALID', message: expect.stringContaining('install it (npm install @opentelemetry/api), or pass metrics: { meterProvider }') }),
      );
    } finally {
      Module[LOAD] = original;
    }
  });

  it('core never imports @opentelemetry/api at load time: only the metrics loader asks for it, when metrics: true', () => {
    const src = join(import.meta.dirname, '../src');
    const files = (readdirSync(src, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
    const importing = /^(?:import|export)\b[^\n]*['"]@opentelemetry\/|(?:import|require)\(\s*['"]@opentelemetry\//m;
    const importers = files.filter((f) => importing.test(readFileSync(join(src, f), 'utf8')));
    expect(importers).toEqual([]);
    // The loader asks for exactly the API package (behaviour, not source text: a mutation run rewrites the source).
    const asked: string[] = [];
    const provider = globalMeterProvider((id) => {
      asked.push(id);
      return load(id);
    });
    expect(asked).toEqual(['@opentelemetry/api']);
    expect(typeof provider.getMeter).toBe('function');
  });
});
