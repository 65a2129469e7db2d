/**
 * Reliability: every fault the emulator can inject, at every phase of a config's life; the token file in
 * every bad state; TLS; and a 30-day soak with faults and rotations. Time is a ManualClock shared with the
 * emulator, so backoff and token lifetimes play out in simulated time.
 *
 * No outcome here may depend on how fast this machine is: healthy requests get the default timeouts (seconds,
 * against a loopback round trip of milliseconds), and the only short real-time deadlines are the ones a hang row
 * needs to turn its hang into a timeout. In those rows a busy machine can also time out a healthy request; the
 * test waits on the config (its first snapshot, its errors) rather than on a fixed amount of simulated time where
 * that could matter, and every wait it grants is earned by a failure it observed.
 */
import { rm, writeFile, unlink } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, provision, EmulatorError, type Emulator, type FaultSpec, type Provisioned, type ProvisionOptions, type StartEmulatorOptions } from '@infisical-k8s/emulator';
import { createInfisicalConfig, InfisicalK8sError, type InfisicalConfig, type InfisicalConfigOptions } from '@infisical-k8s/core';
import { ManualClock } from '@infisical-k8s/core/testing';

const LOGIN = 'POST /api/v1/auth/kubernetes-auth/login';
const RENEW = 'POST /api/v1/auth/token/renew';
const LIST = 'GET /api/v4/secrets';
const REVIEW = 'POST /apis/authentication.k8s.io/v1/tokenreviews';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const REFRESH_INTERVAL = 10 * MINUTE;
const BACKOFF = { initialMs: 1000, maxMs: 5 * MINUTE, multiplier: 2 };
/** A test's real-time budget: only a hang fails it (a row takes seconds idle, a few times that on a busy machine). */
const GENEROUS = 300_000;

interface World {
  emu: Emulator;
  app: Provisioned;
  clock: ManualClock;
  config: InfisicalConfig<Readonly<Record<string, string>>>;
  errors: string[];
  logs: string[];
}
let world: World | undefined;
afterEach(async () => {
  if (!world) return;
  await world.config.close();
  world.app.projected.stop();
  await world.emu.close();
  await rm(world.app.projected.dir, { recursive: true, force: true });
  world = undefined;
});

/**
 * `provision()`, again while the emulator's Kubernetes deadline (short only where a row injects a hang there)
 * times out its attach-time probe of the cluster: a busy machine decides how many tries it takes, never the outcome.
 */
async function provisionPatiently(emu: Emulator, options: ProvisionOptions): Promise<Provisioned> {
  for (;;) {
    try {
      return await provision(emu, options);
    } catch (error) {
      if (!(error instanceof EmulatorError && error.message.includes('KubernetesConnectionTimeout'))) throw error;
    }
  }
}

async function build(o: { emulator?: StartEmulatorOptions; provision?: ProvisionOptions; config?: Partial<InfisicalConfigOptions> } = {}): Promise<World> {
  const clock = new ManualClock(Date.now());
  const emu = await startEmulator({ clock, ...o.emulator });
  const app = await provisionPatiently(emu, { secrets: { GREETING: 'hello' }, accessTokenTTL: HOUR / 1000, accessTokenMaxTTL: DAY / 1000, token: { expirationSeconds: 40 * 86_400 }, ...o.provision });
  const errors: string[] = [];
  const logs: string[] = [];
  const config = createInfisicalConfig({
    siteUrl: emu.infisicalUrl,
    kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
    secrets: { projectId: app.projectId, environment: 'prod' },
    clock,
    push: false,
    refreshIntervalMs: REFRESH_INTERVAL,
    initialRetries: 3,
    readyTimeoutMs: HOUR,
    backoff: BACKOFF,
    // The client's default timeout (10 s): a healthy loopback request on a busy machine stays far inside it.
    client: { retry: false },
    // The 2026-11-29 cap: the oversized rows send 11 MiB, over it (core's default, 48 MiB, would take them in).
    maxResponseBytes: 10 * 1024 * 1024,
    logger: { warn: (m) => void logs.push(m), error: (m) => void logs.push(m) },
    ...o.config,
  });
  config.errors$.subscribe((e) => errors.push(e.code));
  world = { emu, app, clock, config, errors, logs };
  return world;
}

/** A fault to inject: its name in the test title, what the emulator does, and the code core must report. */
type FaultRow = [name: string, fault: Omit<FaultSpec, 'route'>, code: string];

/**
 * Real-time deadlines only where a row hangs a route: the client's for a hang in Infisical, the emulator's
 * (Infisical's own call to Kubernetes) for a hang in Kubernetes, with the client's then left long so the server's
 * deadline is the one that fires. Every other row runs with the defaults, which no busy machine reaches.
 */
function deadlinesFor(route: string, fault: Omit<FaultSpec, 'route'>): { emulator?: StartEmulatorOptions; config?: Partial<InfisicalConfigOptions> } {
  if (!fault.hang) return {};
  if (route === REVIEW) return { emulator: { kubernetesTimeoutMs: 100 } };
  return { config: { client: { retry: false, timeoutMs: 200 } } };
}

/** Advances simulated time until the first snapshot: a healthy request a hang row's short deadline cut off is retried. */
async function firstSnapshot(w: World): Promise<void> {
  const ready = w.config.ready().catch(() => undefined);
  while (!w.config.status.ready) await w.clock.advance(BACKOFF.maxMs);
  await ready;
}

/**
 * Advances one window (a backoff cap and a minute: where a failing fetch retries) at a time until `recovered()`.
 * Another window is granted only for a failure seen in the last one (a hang row's short deadline catching a healthy
 * request on a busy machine), so "recovers within one window of its last failure" holds exactly.
 */
async function recovery(w: World, windowMs: number, recovered: () => boolean): Promise<void> {
  // Bounded, so a config that fails for ever fails the test rather than spinning to its timeout.
  for (let window = 0; window < 10; window++) {
    const failures = w.errors.length;
    await w.clock.advance(windowMs);
    if (recovered() || w.errors.length === failures) return;
  }
}

const faults: FaultRow[] = [
  ['500', { status: 500 }, 'SERVER_ERROR'],
  ['502', { status: 502 }, 'SERVER_ERROR'],
  ['503', { status: 503 }, 'SERVER_ERROR'],
  ['429 with Retry-After', { status: 429, retryAfter: 30 }, 'RATE_LIMITED'],
  ['a hang past the timeout', { hang: true }, 'INFISICAL_UNREACHABLE'],
  ['a connection reset', { reset: true }, 'INFISICAL_UNREACHABLE'],
  ['a malformed JSON body', { malformed: true }, 'BAD_RESPONSE'],
  ['an HTML error page', { html: true }, 'SERVER_ERROR'],
  ['an oversized body', { oversized: 11 * 1024 * 1024 }, 'RESPONSE_TOO_LARGE'],
];

/** Kubernetes-side faults: what the API server can do to Infisical's TokenReview call, and the code each becomes. */
const kubernetesFaults: FaultRow[] = [
  ['500 (etcd timed out)', { status: 500, body: { kind: 'Status', status: 'Failure', message: 'etcdserver: request timed out', code: 500 } }, 'TOKEN_REVIEW_FAILED'],
  ['429 (API priority and fairness)', { status: 429, retryAfter: 1, body: { kind: 'Status', status: 'Failure', message: 'Too many requests, please try again later.', reason: 'TooManyRequests', code: 429 } }, 'TOKEN_REVIEW_FAILED'],
  ['401 (the reviewer JWT expired)', { status: 401, body: { kind: 'Status', status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 } }, 'TOKEN_REVIEW_FAILED'],
  ['403 (the reviewer lost system:auth-delegator)', { status: 403, body: { kind: 'Status', status: 'Failure', message: 'tokenreviews.authentication.k8s.io is forbidden', reason: 'Forbidden', code: 403 } }, 'TOKEN_REVIEW_FAILED'],
  ['a connection reset', { reset: true }, 'KUBERNETES_UNREACHABLE'],
  ["a hang past the server's timeout", { hang: true }, 'KUBERNETES_UNREACHABLE'],
];

/**
 * The most attempts one retry loop can make in `spanMs`: full-jitter backoff never waits less than a tenth of
 * its ceiling (initial x multiplier^n, capped), so the shortest draws every time give this many and no more.
 */
function maxAttempts(spanMs: number): number {
  let attempts = 1;
  for (let waited = 0, n = 0; ; n++) {
    waited += 0.1 * Math.min(BACKOFF.maxMs, BACKOFF.initialMs * BACKOFF.multiplier ** n);
    if (waited > spanMs) return attempts;
    attempts += 1;
  }
}

describe('Faults before the first snapshot', () => {
  const places: Array<[string, string, FaultRow[]]> = [
    ['the login', LOGIN, faults],
    ['the secrets list', LIST, faults],
    ["the login's TokenReview (Kubernetes side)", REVIEW, kubernetesFaults],
  ];
  for (const [where, route, table] of places) {
    it.each(table)(`%s on ${where}: bounded retries, then the typed error`, async (_name, fault, code) => {
      const w = await build(deadlinesFor(route, fault));
      w.emu.faults.inject({ route, ...fault });
      const outcome = w.config.ready().catch((e: unknown) => e);
      await w.clock.advance(10 * MINUTE);
      const error = (await outcome) as InfisicalK8sError;
      expect(error).toBeInstanceOf(InfisicalK8sError);
      expect(error.code).toBe(code);
      // Full-jitter backoff from 1 s, x2, capped at 5 min, never under a tenth of its ceiling: even with the
      // shortest draws that is 0.1 + 0.2 + ... + 25.6 s, then 30 s steps, 28 attempts in ten minutes at most.
      expect(w.emu.counters.get(route)).toBeGreaterThan(1);
      expect(w.emu.counters.get(route)).toBeLessThanOrEqual(maxAttempts(10 * MINUTE));
      w.emu.faults.clear();
      await recovery(w, BACKOFF.maxMs + MINUTE, () => w.config.status.ready);
      expect(w.config.snapshot).toEqual({ GREETING: 'hello' });
    }, GENEROUS);
  }
});

describe('Faults after the first snapshot', () => {
  // The TokenReview happens only inside a login, so the Kubernetes side has one phase after the first snapshot.
  const phases: Array<[string, string, number, FaultRow[]]> = [
    ['steady refresh', LIST, 30 * MINUTE, faults],
    ['renewal', RENEW, 2 * HOUR, faults],
    ['re-login', LOGIN, DAY + HOUR, faults],
    ['re-login (TokenReview)', REVIEW, DAY + HOUR, kubernetesFaults],
  ];
  for (const [phase, route, span, table] of phases) {
    it.each(table)(`%s during ${phase}: the last good snapshot served throughout, retries within the backoff cap, then recovery`, async (_name, fault) => {
      const w = await build(deadlinesFor(route, fault));
      await firstSnapshot(w);
      const before = w.emu.counters.get(route);
      w.emu.faults.inject({ route, ...fault });
      for (let elapsed = 0; elapsed < span; elapsed += 10 * MINUTE) {
        await w.clock.advance(Math.min(10 * MINUTE, span - elapsed));
        expect(w.config.get('GREETING')).toBe('hello');
      }
      const attempts = w.emu.counters.get(route) - before;
      expect(attempts).toBeGreaterThan(0);
      expect(attempts).toBeLessThanOrEqual(maxAttempts(span));
      w.emu.faults.clear();
      w.emu.setSecret({ projectId: w.app.projectId, environment: 'prod', key: 'GREETING', value: 'recovered' });
      // A failing fetch retries within one backoff cap (not at the next poll, 10 min away); where the fetch never
      // failed (a fault on the token's side, which a login works around), the new value comes with the next poll:
      // 10 min +- 10 %.
      const window = route === LIST ? BACKOFF.maxMs + MINUTE : Math.max(BACKOFF.maxMs, 1.1 * REFRESH_INTERVAL) + MINUTE;
      await recovery(w, window, () => w.config.get('GREETING') === 'recovered');
      expect(w.config.get('GREETING')).toBe('recovered');
      expect(w.config.isReady()).toBe(true);
    }, GENEROUS);
  }
});

describe('The token file', { timeout: GENEROUS }, () => {
  it.each([
    ['missing', async (path: string) => unlink(path), 'TOKEN_FILE_MISSING'],
    ['empty', async (path: string) => writeFile(path, ''), 'TOKEN_FILE_MISSING'],
    ['garbage', async (path: string) => writeFile(path, 'not a token\n'), 'TOKEN_FILE_INVALID'],
  ] as const)('%s at start: the typed error, and it recovers when a token appears', async (_name, spoil, code) => {
    const w = await build();
    await w.config.close();
    const path = `${w.app.projected.dir}/plain-token`;
    await writeFile(path, w.app.projected.current());
    await spoil(path);
    const config = createInfisicalConfig({
      siteUrl: w.emu.infisicalUrl,
      kubernetesAuth: { identityId: w.app.identityId, tokenPath: path },
      secrets: { projectId: w.app.projectId, environment: 'prod' },
      clock: w.clock,
      push: false,
      initialRetries: 2,
      logger: { warn: () => undefined, error: () => undefined },
    });
    const outcome = config.ready().catch((e: unknown) => e);
    await w.clock.advance(MINUTE);
    expect(((await outcome) as InfisicalK8sError).code).toBe(code);
    await writeFile(path, w.app.projected.current());
    await w.clock.advance(10 * MINUTE);
    expect(config.snapshot).toEqual({ GREETING: 'hello' });
    await config.close();
  });

  it('expired: the login fails typed; a rotated token restores service', async () => {
    const w = await build({ provision: { token: { expirationSeconds: 600 } } });
    await w.config.ready();
    await w.clock.advance(DAY + HOUR);
    expect(w.errors).toContain('TOKEN_EXPIRED');
    expect(w.config.get('GREETING')).toBe('hello');
    await w.app.projected.rotate({ expirationSeconds: 40 * 86_400 });
    w.emu.setSecret({ projectId: w.app.projectId, environment: 'prod', key: 'GREETING', value: 'fresh' });
    // Within one polling period (10 min ± 10 %) of the rotation.
    await w.clock.advance(12 * MINUTE);
    expect(w.config.get('GREETING')).toBe('fresh');
  });

  it('replaced by a token for another namespace: NAMESPACE_NOT_ALLOWED, the last good snapshot kept', async () => {
    const w = await build();
    await w.config.ready();
    await w.app.projected.rotate({ namespace: 'intruders' });
    await w.clock.advance(MINUTE);
    expect(w.errors).toContain('NAMESPACE_NOT_ALLOWED');
    expect(w.logs.join('\n')).toContain("'intruders'");
    expect(w.config.get('GREETING')).toBe('hello');
  });

  it('rotated while a request is in flight: no failure, one extra login', async () => {
    const w = await build();
    await w.config.ready();
    const before = w.emu.counters.get(LOGIN);
    w.emu.faults.inject({ route: LIST, delayMs: 50, times: 1 });
    const refresh = w.config.refresh();
    await w.app.projected.rotate();
    await refresh;
    await w.clock.advance(MINUTE);
    expect(w.emu.counters.get(LOGIN)).toBe(before + 1);
    expect(w.errors).toEqual([]);
  });
});

describe('TLS', { timeout: GENEROUS }, () => {
  it('verifies by default, trusts a custom CA, and fails a wrong CA with the typed error', async () => {
    const w = await build({ emulator: { infisicalTls: true } });
    const outcome = w.config.ready().catch((e: unknown) => e);
    await w.clock.advance(MINUTE);
    const error = (await outcome) as InfisicalK8sError;
    expect(error.code).toBe('INFISICAL_UNREACHABLE');
    expect(error.hint).toContain('tls.ca');

    const other = await startEmulator();
    const base = {
      siteUrl: w.emu.infisicalUrl,
      kubernetesAuth: { identityId: w.app.identityId, tokenPath: w.app.projected.path },
      secrets: { projectId: w.app.projectId, environment: 'prod' },
      push: false,
      initialRetries: 1,
      logger: { warn: () => undefined, error: () => undefined },
    };
    try {
      const trusted = createInfisicalConfig({ ...base, tls: { ca: w.emu.caCert } });
      expect(await trusted.ready()).toEqual({ GREETING: 'hello' });
      await trusted.close();
      const wrong = createInfisicalConfig({ ...base, tls: { ca: other.caCert } });
      expect(await wrong.ready().catch((e: InfisicalK8sError) => e.code)).toBe('INFISICAL_UNREACHABLE');
      await wrong.close();
    } finally {
      await other.close();
    }
  });
});

describe('Soak', () => {
  it('30 simulated days with a fault every 6 hours and a rotation every hour: always served, exact login count', async () => {
    const w = await build({ config: { refreshIntervalMs: 30 * MINUTE, tokenFileCheckIntervalMs: 5 * MINUTE } });
    await w.config.ready();
    const handlesBefore = process.getActiveResourcesInfo().length;
    for (let hour = 1; hour <= 30 * 24; hour++) {
      if (hour % 6 === 0) w.emu.faults.inject({ route: LIST, status: 503, times: 2 });
      await w.app.projected.rotate();
      await w.clock.advance(HOUR);
      expect(w.config.get('GREETING')).toBe('hello');
    }
    // Every rotation is one login (the file changed); no other login is needed, since a rotation comes
    // before any token reaches its max TTL: 1 initial + 720 rotations.
    expect(w.emu.counters.get(LOGIN)).toBe(1 + 30 * 24);
    expect(w.config.isReady()).toBe(true);
    expect(process.getActiveResourcesInfo().length).toBeLessThanOrEqual(handlesBefore + 2);
  }, 2 * GENEROUS);
});

/** How many of `refs` still reach their target. */
const alive = (refs: Array<WeakRef<object>>) => refs.filter((r) => r.deref() !== undefined).length;

describe('Memory', () => {
  it('is bounded: 2,000 refreshes with changes, faults and rotations leave no superseded snapshot or error reachable', async () => {
    // Heap figures belong to the benchmark (`pnpm bench`, a fresh process each); here the question is exact:
    // does anything keep what it no longer needs? WeakRefs answer it without noise.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const w = await build({ config: { refreshIntervalMs: 0 } });
    await w.config.ready();
    const snapshots: Array<WeakRef<object>> = [];
    const failures: Array<WeakRef<object>> = [];
    w.config.changes$.subscribe((change) => snapshots.push(new WeakRef(change.snapshot)));
    w.config.errors$.subscribe((error) => failures.push(new WeakRef(error)));
    for (let cycle = 1; cycle <= 2000; cycle++) {
      w.emu.setSecret({ projectId: w.app.projectId, environment: 'prod', key: 'GREETING', value: `cycle-${cycle}` });
      if (cycle % 50 === 0) w.emu.faults.inject({ route: LIST, status: 503, times: 1 });
      if (cycle % 100 === 0) await w.app.projected.rotate();
      await w.config.refresh().catch(() => undefined);
    }
    expect(snapshots.length).toBeGreaterThan(1900);
    expect(failures).toHaveLength(40);
    for (let i = 0; i < 3; i++) {
      // A WeakRef's target lives until the end of the job that read it: collect across turns.
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    // The current snapshot is held, and so may be the latest error (status.lastError keeps its code only).
    expect(alive(snapshots)).toBeLessThanOrEqual(1);
    expect(alive(failures)).toBeLessThanOrEqual(1);
    await w.config.refresh();
    expect(w.config.get('GREETING')).toBe('cycle-2000');
  }, GENEROUS);
});
