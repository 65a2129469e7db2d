/**
 * OpenTelemetry metrics through the Express adapter: the core options pass through `infisical()`, and an app's own
 * `/metrics` route (here JSON from an on-demand reader; in production an exporter) follows the config.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { rm } from 'node:fs/promises';
import express from 'express';
import type * as OtelSdk from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { infisical, type InfisicalMiddleware } from '@infisical-k8s/express';

// Through require, as core loads the API: vite would resolve the `module` builds, which Node cannot run.
const { MeterProvider, MetricReader } = createRequire(import.meta.url)('@opentelemetry/sdk-metrics') as typeof OtelSdk;

class OnDemandReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

let emu: Emulator | undefined;
let app: Provisioned | undefined;
let server: Server | undefined;
let mw: InfisicalMiddleware<unknown> | undefined;
let provider: OtelSdk.MeterProvider | undefined;

afterEach(async () => {
  await mw?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  await emu?.close();
  await provider?.shutdown();
  if (app) await rm(app.projected.dir, { recursive: true, force: true });
  emu = app = server = mw = provider = undefined;
});

interface Point {
  name: string;
  value: number;
  attributes: Record<string, unknown>;
}

describe('Function: infisical with metrics', () => {
  it('serves the config metrics on the app own /metrics route: login, fetches, a 429, readiness', async () => {
    emu = await startEmulator();
    app = await provision(emu, { secrets: { GREETING: 'hello-metrics-value', PORT: '8080' } });
    const reader = new OnDemandReader();
    provider = new MeterProvider({ readers: [reader] });
    const secrets = infisical({
      siteUrl: emu.infisicalUrl,
      kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
      secrets: { projectId: app.projectId, environment: 'prod' },
      logger: { warn: () => undefined, error: () => undefined },
      push: false,
      client: { retry: false },
      metrics: { meterProvider: provider, attributes: { 'service.name': 'express-app' } },
    });
    mw = secrets as InfisicalMiddleware<unknown>;
    const web = express();
    web.get('/metrics', async (_req, res) => {
      const { resourceMetrics } = await reader.collect();
      const points = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.flatMap((m) => m.dataPoints.map((p) => ({ name: m.descriptor.name, value: p.value, attributes: p.attributes }))));
      res.json(points);
    });
    web.use(secrets);
    web.get('/', (req, res) => void res.json({ greeting: secrets.secretsOf(req).GREETING }));
    server = web.listen(0, '127.0.0.1');
    await new Promise((r) => server!.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const scrape = async () => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const points = JSON.parse(text) as Point[];
      const value = (name: string, attributes: Record<string, unknown> = {}) =>
        points.find((p) => p.name === name && Object.entries(attributes).every(([k, v]) => p.attributes[k] === v))?.value;
      return { text, value };
    };

    expect(((await (await fetch(url)).json()) as { greeting: string }).greeting).toBe('hello-metrics-value');
    let m = await scrape();
    expect(m.value('infisical_k8s.logins', { 'service.name': 'express-app' })).toBe(1);
    expect(m.value('infisical_k8s.fetches', { 'infisical_k8s.fetch.outcome': 'success' })).toBe(1);
    expect(m.value('infisical_k8s.ready')).toBe(1);
    expect(m.value('infisical_k8s.access_token.time_to_expiry')).toBeGreaterThan(3000);

    emu.faults.inject({ route: 'GET /api/v4/secrets', status: 429, retryAfter: 40, times: 1 });
    await secrets.config.refresh().catch(() => undefined);
    m = await scrape();
    expect(m.value('infisical_k8s.rate_limited')).toBe(1);
    expect(m.value('infisical_k8s.fetches', { 'infisical_k8s.fetch.outcome': 'error', 'error.type': 'RATE_LIMITED' })).toBe(1);
    expect(m.value('infisical_k8s.poll.interval')).toBe(120);
    // Counts and codes only: no value, no token.
    expect(m.text).not.toContain('hello-metrics-value');
    expect(m.text).not.toMatch(/eyJ[\w-]{5,}\./);
  });
});
