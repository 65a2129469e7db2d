#!/usr/bin/env node
// A fleet behind one NAT against Infisical Cloud's published per-IP budget: pods started over a minute, one
// simulated hour on a ManualClock the emulator shares, 60 s polling, with and without push, on the Free and Pro
// presets. Every pod's request carries the same X-Forwarded-For, so the emulator (trustProxy, as the server runs)
// counts them against one client IP's read, write, secrets and global buckets.
//
//   node test/bench/budget.mjs [--quick]       this section alone (build first: pnpm -r build)
//   pnpm bench -- --only=budget [--quick]      as a section of run.mjs
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { RATE_LIMIT_PRESETS, provision, startEmulator } from '@infisical-k8s/emulator';
import { createInfisicalConfig } from '@infisical-k8s/core';
import { ManualClock } from '@infisical-k8s/core/testing';

const NAT_IP = '203.0.113.10';
const ROLLOUT_MS = 60_000;
const HOUR_MS = 3_600_000;
const POLL_MS = 60_000;
/** A value changes this often, so "the oldest snapshot served" is measured against real changes. */
const CHANGE_EVERY_MS = 600_000;
/** Ages are sampled this often (simulated). */
const SAMPLE_MS = 5_000;
/**
 * node-infisical's in-request retries sleep on the real clock (core allows it 2 retries, each wait capped at 2 s);
 * an hour of them would take hours here. Same number of attempts, waits cut to nothing: the retries land in the
 * same rate-limit window, as they do on a real server 2 s later. Core's own waits run on the ManualClock.
 */
const CLIENT_RETRY = { retries: 2, baseDelayMs: 200, maxDelayMs: 0 };
const quiet = { warn: () => undefined, error: () => undefined, info: () => undefined };
const round = (n, d = 1) => (Number.isFinite(n) ? Math.round(n * 10 ** d) / 10 ** d : n);

/**
 * A ManualClock (core hands its work to the inherited `track()`) that fires every timer due within one slice of
 * simulated time before it waits for the fleet to settle, where ManualClock settles after each timer: with 500
 * pods that wait dominates. Order is kept within a slice; a second is fine-grained against 60 s polls and
 * one-minute rate-limit windows.
 */
class SlicedClock extends ManualClock {
  #now;
  #nextId = 1;
  #timers = new Map();
  #sliceMs;

  constructor(startMs, sliceMs) {
    super(startMs);
    this.#now = startMs;
    this.#sliceMs = sliceMs;
  }

  now() {
    return this.#now;
  }

  setTimeout(fn, ms) {
    const timer = { id: this.#nextId++, at: this.#now + Math.max(0, ms), fn };
    this.#timers.set(timer.id, timer);
    return timer;
  }

  clearTimeout(timer) {
    this.#timers.delete(timer.id);
  }

  pending() {
    return this.#timers.size;
  }

  async advance(ms) {
    await this.advanceTo(this.#now + ms);
  }

  async advanceTo(target) {
    await this.settle();
    for (;;) {
      const due = [...this.#timers.values()].filter((t) => t.at <= target).toSorted((a, b) => a.at - b.at || a.id - b.id);
      if (due.length === 0) break;
      const sliceEnd = due[0].at + this.#sliceMs;
      for (const timer of due) {
        if (timer.at >= sliceEnd) break;
        // An earlier timer of this slice may have cleared it.
        if (!this.#timers.delete(timer.id)) continue;
        this.#now = Math.max(this.#now, timer.at);
        timer.fn();
      }
      await this.settle();
    }
    this.#now = Math.max(this.#now, target);
    await this.settle();
  }
}

/** The bucket a request counts against: the emulator's (and the server's) rule. */
function bucketOf(method, path) {
  if (path.startsWith('/api/v4/secrets') || path.startsWith('/api/v3/secrets')) return 'secretsLimit';
  if (path === '/api/v1/events/subscribe/project-events') return 'readLimit';
  return method === 'GET' ? 'readLimit' : 'writeLimit';
}

/**
 * Routes the pods' requests through one client IP and tallies them per simulated minute and bucket (429s too).
 * Core calls globalThis.fetch at request time, so wrapping it reaches every pod; returns the restore function.
 */
function natFetch(baseUrl, clock, t0, tally) {
  const real = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(baseUrl)) return real(input, init);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    headers.set('x-forwarded-for', NAT_IP);
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const minute = Math.floor((clock.now() - t0) / 60_000);
    const bucket = bucketOf(method, new URL(url).pathname);
    const row = (tally.perMinute[minute] ??= { readLimit: 0, writeLimit: 0, secretsLimit: 0, all: 0 });
    row[bucket] += 1;
    row.all += 1;
    if (url.includes('/auth/kubernetes-auth/login')) tally.loginAttempts += 1;
    const res = await real(input, { ...init, headers });
    if (res.status === 429) tally.refused += 1;
    return res;
  };
  return () => {
    globalThis.fetch = real;
  };
}

/** One rollout: `pods` configs behind one IP on `preset`, for one simulated hour. */
async function rollout({ preset, push, pods, progress }) {
  const limits = RATE_LIMIT_PRESETS[preset];
  const clock = new SlicedClock(Date.UTC(2026, 5, 1), 1000);
  const emu = await startEmulator({ clock, rateLimit: preset });
  const app = await provision(emu, { secrets: { GREETING: 'hello', FEATURE_FLAG: 'v0' }, token: { expirationSeconds: 2 * 3600 } });
  const t0 = clock.now();
  const tally = { perMinute: [], refused: 0, loginAttempts: 0 };
  const restore = natFetch(emu.infisicalUrl, clock, t0, tally);
  /** FEATURE_FLAG's values and when each was written: a pod serving an older one is behind since the next write. */
  const versions = [{ value: 'v0', at: t0 }];
  const fleet = [];
  let maxBehindMs = 0;
  let maxSinceSuccessMs = 0;
  try {
    for (let s = 0; s * 1000 < HOUR_MS; s++) {
      const now = clock.now();
      // Pod i starts at i/pods of the rollout minute.
      while (fleet.length < pods && Math.floor((fleet.length * ROLLOUT_MS) / pods) < (s + 1) * 1000) {
        const config = createInfisicalConfig({
          siteUrl: emu.infisicalUrl,
          kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
          secrets: { projectId: app.projectId, environment: 'prod' },
          refreshIntervalMs: POLL_MS,
          push,
          clock,
          logger: quiet,
          revokeOnClose: false,
          tokenFileCheckIntervalMs: HOUR_MS,
          client: { retry: CLIENT_RETRY },
        });
        // ready() may give up (readyTimeoutMs); readiness is read from isReady() below.
        config.ready().catch(() => undefined);
        fleet.push({ config, startedAt: now, readyAt: undefined });
      }
      if (s > 0 && (s * 1000) % CHANGE_EVERY_MS === 0) {
        const value = `v${versions.length}`;
        emu.setSecret({ projectId: app.projectId, environment: 'prod', key: 'FEATURE_FLAG', value });
        versions.push({ value, at: now });
      }
      for (const pod of fleet) if (pod.readyAt === undefined && pod.config.isReady()) pod.readyAt = now;
      if ((s * 1000) % SAMPLE_MS === 0) {
        for (const pod of fleet) {
          if (pod.readyAt === undefined) continue;
          const index = versions.findIndex((v) => v.value === pod.config.get('FEATURE_FLAG'));
          if (index >= 0 && index < versions.length - 1) maxBehindMs = Math.max(maxBehindMs, now - versions[index + 1].at);
          const { lastSuccessAt } = pod.config.status;
          if (lastSuccessAt !== undefined) maxSinceSuccessMs = Math.max(maxSinceSuccessMs, now - lastSuccessAt);
        }
      }
      if (progress && (s * 1000) % 300_000 === 0) progress(`  ${preset} ${push ? 'push' : 'poll'}: minute ${s / 60}, ${fleet.filter((p) => p.readyAt !== undefined).length} ready, ${tally.refused} refused, ${Math.round(performance.now() / 1000)} s`);
      await clock.advance(1000);
    }
    const ready = fleet.filter((p) => p.readyAt !== undefined);
    const allReadyMs = ready.length === pods ? Math.max(...ready.map((p) => p.readyAt)) - t0 : Number.NaN;
    const loginBudgetMs = (pods / limits.writeLimit) * 60_000;
    // The second half hour: the rollout is long over, this is what the fleet settles at.
    const steady = tally.perMinute.slice(30, 60).map((m) => m ?? { readLimit: 0, writeLimit: 0, secretsLimit: 0, all: 0 });
    const perMinute = (key) => steady.reduce((sum, m) => sum + m[key], 0) / steady.length;
    const budgetPercent = {
      secrets: round((100 * perMinute('secretsLimit')) / limits.secretsLimit),
      read: round((100 * perMinute('readLimit')) / limits.readLimit),
      write: round((100 * perMinute('writeLimit')) / limits.writeLimit),
      global: round((100 * perMinute('all')) / limits.globalLimit),
    };
    const logins = fleet.reduce((sum, p) => sum + p.config.status.logins, 0);
    return {
      preset,
      push,
      pods,
      limitsPerMinute: limits,
      podsReady: ready.length,
      allReadySeconds: round(allReadyMs / 1000),
      loginBudgetMinimumSeconds: round(loginBudgetMs / 1000),
      allReadyOverLoginMinimum: round(allReadyMs / loginBudgetMs, 2),
      refusedPerPodHour: round(tally.refused / pods, 1),
      steadyRequestsPerMinute: { secrets: round(perMinute('secretsLimit')), read: round(perMinute('readLimit')), write: round(perMinute('writeLimit')), all: round(perMinute('all')) },
      steadyBudgetPercent: budgetPercent,
      steadyBudgetPercentMax: Math.max(...Object.values(budgetPercent)),
      maxBehindLatestSeconds: round(maxBehindMs / 1000),
      maxSinceLastSuccessSeconds: round(maxSinceSuccessMs / 1000),
      maxStalenessSeconds: round((10 * POLL_MS) / 1000),
      loginsPerPod: round(logins / pods, 2),
      // Refused ones too (status.logins counts successes): what the rollout spent of the write budget.
      loginAttemptsPerPod: round(tally.loginAttempts / pods, 1),
      // How many pods hold an event stream at the end (push runs): the rest poll.
      podsOnPushAtEnd: fleet.filter((p) => p.config.status.mode === 'push').length,
    };
  } finally {
    await Promise.all(fleet.map((p) => p.config.close().catch(() => undefined)));
    restore();
    await emu.close();
    await rm(app.projected.dir, { recursive: true, force: true });
  }
}

/**
 * Runs every rollout (Free and Pro, polling only and with push). `quick`: 100 pods instead of 500; `runs` picks
 * some (`free-poll`, `free-push`, `pro-poll`, `pro-push`).
 *
 * @example
 * const figures = await budgetFigures({ quick: true, log: console.log });
 */
export async function budgetFigures({ quick = false, pods = quick ? 100 : 500, runs: only, log = () => undefined, progress } = {}) {
  const runs = [];
  for (const preset of ['free', 'pro']) {
    for (const push of [false, true]) {
      if (only && !only.includes(`${preset}-${push ? 'push' : 'poll'}`)) continue;
      const started = performance.now();
      const run = await rollout({ preset, push, pods, progress });
      run.benchSeconds = round((performance.now() - started) / 1000);
      log(`budget ${preset} ${push ? 'push' : 'poll'}: ${JSON.stringify(run)}`);
      runs.push(run);
    }
  }
  return { pods, simulatedMinutes: HOUR_MS / 60_000, rolloutSeconds: ROLLOUT_MS / 1000, pollSeconds: POLL_MS / 1000, natIp: NAT_IP, clientRetry: CLIENT_RETRY, runs };
}

const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // --pods=N, --runs=free-poll,pro-push (default all four), --progress: one line per simulated 5 minutes.
  const figures = await budgetFigures({
    quick: process.argv.includes('--quick'),
    ...(arg('pods') ? { pods: Number(arg('pods')) } : {}),
    ...(arg('runs') ? { runs: arg('runs').split(',') } : {}),
    log: console.log,
    ...(process.argv.includes('--progress') ? { progress: console.log } : {}),
  });
  console.log(JSON.stringify(figures, null, 2));
  process.exit(0);
}
