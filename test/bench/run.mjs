#!/usr/bin/env node
// `pnpm bench`: what the suite costs an app, each figure a ratio against its baseline measured in the same run.
// Writes bench/results.json and prints a table. Run with --expose-gc (the script does) for the memory figures.
import { execFileSync, fork } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import express from 'express';
import { startEmulator, provision } from '@infisical-k8s/emulator';
import { createInfisicalConfig } from '@infisical-k8s/core';
import { ManualClock } from '@infisical-k8s/core/testing';
import { infisical } from '@infisical-k8s/express';
import { InfisicalClient } from 'node-infisical';
import { expressPair, fastifyPair, nestPair } from './servers.mjs';
import { schemaErrors } from './schema-errors.mjs';
import { sseFigures } from './sse.mjs';
import { budgetFigures } from './budget.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const quick = process.argv.includes('--quick');
const DURATION = quick ? 1 : 3;
/** A B B A blocks per comparison. */
const BLOCKS = quick ? 2 : 5;
const quiet = { warn: () => undefined, error: () => undefined };
const SECRETS = { GREETING: 'hello', DATABASE_URL: 'postgres://db/app', API_KEY: 'key-12345678' };
const results = { machine: { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30) }, loadRunSeconds: DURATION, blocksPerComparison: BLOCKS };
const log = (line) => console.log(line);
const round = (n, d = 3) => Math.round(n * 10 ** d) / 10 ** d;

// `pnpm bench -- --only=memory,fleet` runs some sections; all by default.
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const SECTIONS = ['overhead', 'naive', 'coldstart', 'reads', 'latency', 'memory', 'fleet', 'schemaerrors', 'sse', 'budget'];
for (const name of only ?? []) if (!SECTIONS.includes(name)) throw new Error(`--only: unknown section "${name}" (one of ${SECTIONS.join(', ')})`);
const want = (section) => !only || only.includes(section);

/**
 * The median busiest second of `seconds` seconds when requests arrive independently at `mean` a second
 * (Poisson): what perfectly unsynchronised clients would show, so the fleet's figure is read against it.
 */
function poissonMax(mean, seconds) {
  let atMost = 0;
  let p = Math.exp(-mean);
  for (let k = 0; ; k++) {
    atMost += p;
    if (atMost ** seconds >= 0.5) return k;
    p *= mean / (k + 1);
  }
}

/** Mean ns per operation of each task of a finished tinybench run, by task name. */
const nsPerOp = (bench) => Object.fromEntries(bench.tasks.map((t) => [t.name, round(t.result.latency.mean * 1e6, 1)]));

/** Runs one memory measurement in a fresh process; the parent answers its requests to change a secret. */
function inChild(job) {
  return new Promise((resolve, reject) => {
    const child = fork(join(here, 'memory.mjs'), { execArgv: ['--expose-gc'] });
    child.on('message', (message) => {
      if (message.result) return resolve(message.result);
      emu.setSecret({ projectId: app.projectId, environment: 'prod', key: 'GREETING', value: message.setGreeting });
      child.send({ done: true });
    });
    child.once('exit', (code) => code !== 0 && reject(new Error(`memory child exited with ${code}`)));
    child.send(job);
  });
}

const loader = fork(join(here, 'load.mjs'));
// With two cores or more, the servers and the load generator get a core each: left to the scheduler they
// take turns on both, and that contention was most of the noise (an A/A control spread over +-14 %).
function pin(pid, cpu) {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
results.machine.pinned = cpus().length >= 2 && pin(process.pid, 0) && pin(loader.pid, 1);
function load(url, connections = 10) {
  return new Promise((resolve) => {
    loader.once('message', resolve);
    loader.send({ url, duration: DURATION, connections });
  });
}

/**
 * A warm-up of each, then blocks of A B B A: within a block the order cancels linear drift (JIT warm-up, a
 * busy neighbour); across blocks the median ratio resists the bursts of noise a shared 2-core machine has.
 */
async function compare(adapterUrl, baselineUrl) {
  await load(adapterUrl);
  await load(baselineUrl);
  const blocks = [];
  for (let i = 0; i < BLOCKS; i++) {
    const a1 = await load(adapterUrl);
    const b1 = await load(baselineUrl);
    const b2 = await load(baselineUrl);
    const a2 = await load(adapterUrl);
    blocks.push({
      rps: (a1.requests + a2.requests) / (b1.requests + b2.requests),
      p99: (a1.p99 + a2.p99) / Math.max(b1.p99 + b2.p99, 1),
      adapterRps: (a1.requests + a2.requests) / 2,
      baselineRps: (b1.requests + b2.requests) / 2,
      errors: a1.errors + a2.errors + b1.errors + b2.errors,
    });
  }
  const median = (values) => {
    const sorted = [...values].sort((x, y) => x - y);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  const rps = blocks.map((b) => b.rps);
  return {
    rpsRatio: round(median(rps)),
    rpsRatioRange: [round(Math.min(...rps)), round(Math.max(...rps))],
    p99Ratio: round(median(blocks.map((b) => b.p99))),
    adapterRps: Math.round(median(blocks.map((b) => b.adapterRps))),
    baselineRps: Math.round(median(blocks.map((b) => b.baselineRps))),
    errors: blocks.reduce((sum, b) => sum + b.errors, 0),
    blocks: BLOCKS,
  };
}

const emu = await startEmulator();
const app = await provision(emu, { secrets: SECRETS });
const options = {
  siteUrl: emu.infisicalUrl,
  kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
  secrets: { projectId: app.projectId, environment: 'prod' },
};

try {
  // 1. Request overhead, per framework.
  if (want('overhead')) {
    results.requestOverhead = {};
    for (const [name, pair] of [['express', expressPair], ['fastify', fastifyPair], ['nestjs', nestPair]]) {
      const servers = await pair(options);
      results.requestOverhead[name] = await compare(servers.adapter, servers.baseline);
      await servers.close();
      log(`1. ${name}: rps ratio ${results.requestOverhead[name].rpsRatio} (blocks ${results.requestOverhead[name].rpsRatioRange.join('-')}), p99 ratio ${results.requestOverhead[name].p99Ratio}`);
    }
    // Express's per-layer cost, told apart from the adapter's: the same app with a middleware that does nothing.
    const express = await expressPair(options);
    results.requestOverhead.expressVsNoopLayer = await compare(express.adapter, express.noopLayer);
    await express.close();
    log(`1. express, adapter vs a no-op middleware: rps ratio ${results.requestOverhead.expressVsNoopLayer.rpsRatio} (blocks ${results.requestOverhead.expressVsNoopLayer.rpsRatioRange.join('-')})`);
    // A/A control: two identical plain Express apps, measured the same way. Its distance from 1 is this
    // machine's noise, the band the ratios above are read within.
    const control = await expressPair(options);
    const twin = await expressPair(options);
    results.requestOverhead.control = await compare(control.baseline, twin.baseline);
    await control.close();
    await twin.close();
    log(`1. A/A control (plain vs plain): rps ratio ${results.requestOverhead.control.rpsRatio} (blocks ${results.requestOverhead.control.rpsRatioRange.join('-')}), p99 ratio ${results.requestOverhead.control.p99Ratio}`);
  }

  // 2. Against fetching from Infisical on every request (an SDK without a cache).
  if (want('naive')) {
    const client = new InfisicalClient({ baseUrl: emu.infisicalUrl });
    await client.login({ kubernetesAuth: { identityId: app.identityId, jwt: app.projected.current() } });
    const naive = express().get('/', async (_req, res) => {
      const { secrets } = await client.secrets.list({ projectId: app.projectId, environment: 'prod' });
      const map = Object.fromEntries(secrets.map((s) => [s.secretKey, s.secretValue]));
      res.json({ a: map.GREETING, b: map.DATABASE_URL, c: map.API_KEY });
    });
    const servers = await expressPair(options);
    const naiveServer = naive.listen(0, '127.0.0.1');
    await new Promise((r) => naiveServer.once('listening', r));
    const cmp = await compare(servers.adapter, `http://127.0.0.1:${naiveServer.address().port}`);
    results.againstNaive = { adapterRps: cmp.adapterRps, naiveRps: cmp.baselineRps, throughputRatio: round(cmp.rpsRatio, 1), range: cmp.rpsRatioRange.map((r) => round(r, 1)) };
    naiveServer.close();
    naiveServer.closeAllConnections();
    await servers.close();
    log(`2. adapter vs fetch-per-request: ${results.againstNaive.throughputRatio}x the throughput`);
  }

  // 3. Cold-start stampede: 1,000 requests before the first snapshot.
  if (want('coldstart')) {
    emu.counters.reset();
    emu.faults.inject({ route: 'POST /api/v1/auth/kubernetes-auth/login', delayMs: 200, times: 1 });
    const secrets = infisical({ ...options, push: false, logger: quiet, waitForSecretsMs: 10_000 });
    const server = express().use(secrets).get('/', (req, res) => res.json(req.secrets.GREETING)).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${server.address().port}`;
    const waits = await Promise.all(
      Array.from({ length: 1000 }, async () => {
        const started = performance.now();
        const res = await fetch(url);
        await res.text();
        return { ms: performance.now() - started, ok: res.status === 200 };
      }),
    );
    const sorted = waits.map((w) => w.ms).sort((a, b) => a - b);
    results.coldStart = {
      requests: 1000,
      ok: waits.filter((w) => w.ok).length,
      logins: emu.counters.get('POST /api/v1/auth/kubernetes-auth/login'),
      renewals: emu.counters.get('POST /api/v1/auth/token/renew'),
      listsPerSource: emu.counters.get('GET /api/v4/secrets'),
      p99WaitMs: round(sorted[Math.floor(sorted.length * 0.99) - 1], 1),
    };
    server.close();
    server.closeAllConnections();
    await secrets.close();
    log(`3. cold start: ${results.coldStart.logins} login, ${results.coldStart.renewals} renewals, ${results.coldStart.listsPerSource} list; p99 wait ${results.coldStart.p99WaitMs} ms`);
  }

  // 4. Read cost.
  if (want('reads')) {
    const config = createInfisicalConfig({ ...options, push: false, logger: quiet });
    await config.ready();
    const frozen = Object.freeze({ ...SECRETS });
    let sink;
    const bench = new Bench({ time: quick ? 200 : 1000 });
    bench
      .add('plain frozen object .KEY', () => {
        sink = frozen.GREETING;
      })
      .add('config.snapshot.KEY', () => {
        sink = config.snapshot.GREETING;
      })
      .add("config.get('KEY')", () => {
        sink = config.get('GREETING');
      });
    await bench.run();
    void sink;
    const ns = nsPerOp(bench);
    const base = ns['plain frozen object .KEY'];
    results.readCost = { nsPerOp: ns, snapshotRatio: round(ns['config.snapshot.KEY'] / base, 1), getRatio: round(ns["config.get('KEY')"] / base, 1) };
    await config.close();
    log(`4. reads (ns/op): ${JSON.stringify(ns)}`);

    // The Express middleware's own work per request (fresh req and res objects each call), against a no-op one.
    const middleware = infisical({ ...options, push: false, logger: quiet });
    await middleware.ready();
    const noop = (_req, _res, next) => next();
    const next = () => undefined;
    const perRequest = new Bench({ time: quick ? 200 : 1000 });
    perRequest.add('no-op middleware', () => noop({}, { locals: {} }, next)).add('Express adapter middleware', () => middleware({}, { locals: {} }, next));
    await perRequest.run();
    const mw = nsPerOp(perRequest);
    results.readCost.expressMiddlewareNsPerRequest = { noop: mw['no-op middleware'], adapter: mw['Express adapter middleware'] };
    await middleware.close();
    log(`4. Express middleware per request (ns): ${JSON.stringify(mw)}`);
  }

  // 5. Refresh latency: secret write → new value served.
  if (want('latency')) {
    const measure = async (configOptions, afterWrite) => {
      const config = createInfisicalConfig({ ...options, logger: quiet, ...configOptions });
      await config.ready();
      const deadline = Date.now() + 5000;
      if (configOptions.push !== false) while (emu.events.connections() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      const value = `v-${Math.random()}`;
      const started = performance.now();
      const seen = new Promise((resolve) => config.changes$.subscribe((c) => c.snapshot.GREETING === value && resolve(performance.now() - started)));
      emu.setSecret({ projectId: app.projectId, environment: 'prod', key: 'GREETING', value });
      await afterWrite?.();
      const timeout = new Promise((resolve) => setTimeout(() => resolve(Number.NaN), 15_000).unref());
      const ms = await Promise.race([seen, timeout]);
      await config.close();
      return round(ms, 1);
    };
    results.refreshLatencyMs = {
      push: await measure({ push: true, refreshIntervalMs: 600_000 }),
      interval1s: await measure({ push: false, refreshIntervalMs: 1000 }),
      tokenRotation: await measure({ push: false, refreshIntervalMs: 0, tokenFileCheckIntervalMs: 600_000 }, () => app.projected.rotate()),
    };
    log(`5. refresh latency (ms): ${JSON.stringify(results.refreshLatencyMs)}`);
  }

  // 6. Memory, each figure in a fresh process of its own (memory.mjs) with the emulator left here.
  if (want('memory')) {
    const big = emu.createProject({ name: 'big' });
    emu.addIdentityToProject(big.id, app.identityId, 'viewer');
    emu.setSecrets(big.id, 'prod', Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`KEY_${i}`, `value-${i}-${'x'.repeat(32)}`])));
    const size = await inChild({ kind: 'snapshot', options, bigSecrets: { projectId: big.id, environment: 'prod' } });
    // Growth is read at checkpoints: warm-up settles in the first, a leak keeps climbing through the last.
    const cycles = quick ? 5_000 : 50_000;
    const growth = await inChild({ kind: 'refresh', options, cycles, checkpoints: 5, warmUp: 1_000 });
    const samples = growth.samples.map((s) => ({ cycles: s.cycles, heapKiB: round(s.heapBytes / 1024, 1) }));
    const first = growth.samples[0];
    const last = growth.samples.at(-1);
    results.memory = {
      tenThousandSecrets: {
        secrets: size.secrets,
        heapMiB: round(size.heapBytes / 2 ** 20, 2),
        bytesPerSecret: Math.round(size.heapBytes / size.secrets),
        overKeyAndValueBytes: round(size.heapBytes / size.rawBytes, 1),
      },
      refresh: {
        cycles,
        warmUpCycles: growth.warmUpCycles,
        changesPublished: growth.changes,
        samples,
        // Growth from the first checkpoint to the last, per cycle: ~0 when memory is bounded.
        bytesPerCycleAfterFirstCheckpoint: round((last.heapBytes - first.heapBytes) / (last.cycles - first.cycles), 2),
      },
    };
    log(`6. memory: ${JSON.stringify(results.memory)}`);
  }

  // 7. Fleet: 500 clients, one emulator, one simulated hour.
  if (want('fleet')) {
    const clock = new ManualClock(Date.now());
    const fleetEmu = await startEmulator({ clock });
    const fleetApp = await provision(fleetEmu, { secrets: SECRETS, token: { expirationSeconds: 7200 } });
    const clients = Array.from({ length: 500 }, () =>
      createInfisicalConfig({
        siteUrl: fleetEmu.infisicalUrl,
        kubernetesAuth: { identityId: fleetApp.identityId, tokenPath: fleetApp.projected.path },
        secrets: { projectId: fleetApp.projectId, environment: 'prod' },
        push: false,
        clock,
        logger: quiet,
        tokenFileCheckIntervalMs: 3_600_000,
      }),
    );
    await Promise.all(clients.map((c) => c.ready()));
    fleetEmu.counters.reset();
    const perSecond = [];
    let last = 0;
    for (let s = 0; s < 3600; s++) {
      // A value changes every 10 minutes, so the 304 share below is read against real changes, not a frozen folder.
      if (s % 600 === 300) fleetEmu.setSecret({ projectId: fleetApp.projectId, environment: 'prod', key: 'FEATURE_FLAG', value: `v${s}` });
      await clock.advance(1000);
      const now = fleetEmu.counters.get('GET /api/v4/secrets');
      perSecond.push(now - last);
      last = now;
    }
    const all = fleetEmu.counters.all();
    // `… 304` keys count a subset of their route's requests again: leave them out of the total.
    const total = Object.entries(all).filter(([k]) => k.includes('/api/') && !k.endsWith(' 304')).reduce((s, [, v]) => s + v, 0);
    const lists = fleetEmu.counters.get('GET /api/v4/secrets');
    // Every client starts in the same second; what matters is how far apart they have drifted half an hour on.
    const steady = perSecond.slice(1800);
    const mean = steady.reduce((a, b) => a + b, 0) / steady.length;
    results.fleet = {
      clients: 500,
      simulatedMinutes: 60,
      requestsPerClientPerMinute: round(total / 500 / 60, 2),
      listsPerClientPerMinute: round(lists / 500 / 60, 2),
      // Polls sent with the last ETag that Infisical answered 304 Not Modified (no body, no validation).
      notModifiedShare: round(fleetEmu.counters.get('GET /api/v4/secrets 304') / lists, 3),
      lastHalfHourPerSecond: { mean: round(mean, 1), max: Math.max(...steady), maxOverMean: round(Math.max(...steady) / mean, 2), randomFleetMax: poissonMax(mean, steady.length) },
      firstMinuteMaxPerSecond: Math.max(...perSecond.slice(0, 60)),
    };
    await Promise.all(clients.map((c) => c.close()));
    await fleetEmu.close();
    await rm(fleetApp.projected.dir, { recursive: true, force: true });
    log(`7. fleet: ${JSON.stringify(results.fleet)}`);
  }

  // 8. Building CONFIG_INVALID for many failing keys (linear, not quadratic).
  if (want('schemaerrors')) {
    results.schemaErrors = await schemaErrors({ root, quick });
    log(`8. schema errors: ${JSON.stringify(results.schemaErrors)}`);
  }

  // 9. A hostile event stream (an endless line; a million empty data lines): bounded heap, no long stall, a typed error.
  if (want('sse')) {
    results.sse = await sseFigures();
    log(`9. sse: ${JSON.stringify(results.sse)}`);
  }

  // 10. A fleet behind one NAT against the published Free and Pro budgets (budget.mjs): one simulated hour each.
  if (want('budget')) {
    results.budget = await budgetFigures({ quick, log: (line) => log(`10. ${line}`) });
  }
} finally {
  loader.kill();
  await emu.close();
  await rm(app.projected.dir, { recursive: true, force: true });
}

const file = only ? `results.${only.join('-')}.json` : 'results.json';
await mkdir(join(root, 'bench'), { recursive: true });
await writeFile(join(root, 'bench', file), `${JSON.stringify(results, null, 2)}\n`);
const r = results;
const OVERHEAD_LABELS = { control: 'A/A control, plain vs plain: rps / p99 ratio', expressVsNoopLayer: 'express, adapter vs a no-op middleware: rps / p99' };
const rows = [
  ...Object.entries(r.requestOverhead ?? {}).map(([k, v]) => [
    OVERHEAD_LABELS[k] ?? `${k}: rps / p99 ratio (target rps >= 0.97)`,
    `${v.rpsRatio} / ${v.p99Ratio} (rps blocks ${v.rpsRatioRange.join('-')})`,
  ]),
  r.againstNaive && ['adapter vs fetch-per-request throughput', `${r.againstNaive.throughputRatio}x`],
  r.coldStart && ['cold start: logins / renewals / lists', `${r.coldStart.logins} / ${r.coldStart.renewals} / ${r.coldStart.listsPerSource}`],
  r.coldStart && ['cold start: p99 wait', `${r.coldStart.p99WaitMs} ms`],
  r.readCost && ['read: snapshot.KEY / get(KEY) vs plain', `${r.readCost.snapshotRatio}x / ${r.readCost.getRatio}x`],
  r.readCost && ['Express middleware per request: adapter / no-op', `${r.readCost.expressMiddlewareNsPerRequest.adapter} / ${r.readCost.expressMiddlewareNsPerRequest.noop} ns`],
  r.refreshLatencyMs && ['refresh latency push / 1 s interval / rotation', `${r.refreshLatencyMs.push} / ${r.refreshLatencyMs.interval1s} / ${r.refreshLatencyMs.tokenRotation} ms`],
  r.memory && ['heap: 10,000 secrets', `${r.memory.tenThousandSecrets.heapMiB} MiB (${r.memory.tenThousandSecrets.bytesPerSecret} B/secret, ${r.memory.tenThousandSecrets.overKeyAndValueBytes}x the keys and values)`],
  r.memory && [`heap growth at ${r.memory.refresh.samples.map((s) => s.cycles).join(' / ')} refreshes`, `${r.memory.refresh.samples.map((s) => s.heapKiB).join(' / ')} KiB`],
  r.memory && ['heap growth per refresh after the first checkpoint', `${r.memory.refresh.bytesPerCycleAfterFirstCheckpoint} B`],
  r.fleet && ['fleet: requests per client per minute', `${r.fleet.requestsPerClientPerMinute}`],
  r.fleet && ['fleet, last 30 min: busiest second / mean', `${r.fleet.lastHalfHourPerSecond.max} / ${r.fleet.lastHalfHourPerSecond.mean} (independent arrivals: ~${r.fleet.lastHalfHourPerSecond.randomFleetMax})`],
  r.fleet && ['fleet, first minute: busiest second', `${r.fleet.firstMinuteMaxPerSecond}`],
  r.fleet && ['fleet: polls answered 304 Not Modified (a value changes every 10 min)', `${Math.round(r.fleet.notModifiedShare * 1000) / 10} %`],
  r.schemaErrors && ['CONFIG_INVALID for 20,000 failing keys', `${r.schemaErrors.medianMs[20000]} ms (${r.schemaErrors.nsPerKeyAt20000} ns/key; 20k vs 5k keys: ${r.schemaErrors.growth20000Over5000}x, linear = 4x)`],
  ...Object.entries(r.sse ?? {}).map(([k, v]) => [`event stream, ${k}: peak heap / longest stall`, `${v.peakHeapUsedMiB} MiB / ${v.longestStallMs} ms (${v.error.split(':')[0]})`]),
  ...(r.budget?.runs ?? []).map((b) => [
    `${b.pods} pods, one IP, ${b.preset} ${b.push ? 'push' : 'poll'}: all ready / login minimum`,
    `${b.podsReady === b.pods ? `${b.allReadySeconds} s` : `${b.podsReady}/${b.pods} ready after 60 min`} / ${b.loginBudgetMinimumSeconds} s${b.podsReady === b.pods ? ` (${b.allReadyOverLoginMinimum}x)` : ''}; ${b.refusedPerPodHour} 429s per pod-hour; steady ${b.steadyBudgetPercentMax} % of budget; behind latest <= ${b.maxBehindLatestSeconds} s; ${b.loginsPerPod} logins (${b.loginAttemptsPerPod} attempts)/pod`,
  ]),
].filter(Boolean);
console.log(`\n${'figure'.padEnd(56)} value`);
for (const [k, v] of rows) console.log(`${k.padEnd(56)} ${v}`);
console.log(`\nwritten to bench/${file}`);
process.exit(0);
