import { afterEach, describe, expect, it } from 'vitest';
import { createInfisicalConfig, InfisicalK8sError, type ConfigChange } from '@infisical-k8s/core';
import { harness, routes, type Harness } from './helpers.js';

let h: Harness<undefined> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Simulated ms until the first poll after the initial load, and from it to the second, with every draw pinned. */
async function firstPollAt(draw: number): Promise<{ first: number; second: number }> {
  const t = await harness({ config: { push: false, refreshIntervalMs: 60_000, random: () => draw } });
  try {
    await t.config.ready();
    // Simulated ms until the list request counter moves past `seen`, two minutes at most.
    const untilList = async (seen: number) => {
      let waited = 0;
      while (t.emu.counters.get(routes.list) === seen && waited < 120_000) {
        await t.clock!.advance(1_000);
        waited += 1_000;
      }
      return waited;
    };
    const lists = t.emu.counters.get(routes.list);
    const first = await untilList(lists);
    return { first, second: await untilList(lists + 1) };
  } finally {
    await t.close();
  }
}

describe('Function: createInfisicalConfig', () => {
  describe('Method: ready / refresh', () => {
    it('1,000 concurrent ready()/refresh() callers on a cold start: exactly 1 login and 1 list request per source', async () => {
      h = await harness({ manualClock: false });
      h.emu.setSecrets(h.app.projectId, 'prod', { ONLY_APP: 'x' }, '/app');
      await h.config.close();
      h.emu.counters.reset();
      const config = createInfisicalConfig({
        siteUrl: h.emu.infisicalUrl,
        kubernetesAuth: { identityId: h.app.identityId, tokenPath: h.app.projected.path },
        secrets: [
          { projectId: h.app.projectId, environment: 'prod', secretPath: '/' },
          { projectId: h.app.projectId, environment: 'prod', secretPath: '/app' },
        ],
        logger: h.logger,
        client: { retry: false },
      });
      try {
        const calls = Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? config.ready() : config.refresh()));
        const results = await Promise.all(calls);
        expect(new Set(results).size).toBe(1);
        expect(results[0]).toEqual({ GREETING: 'hello', PORT: '8080', ONLY_APP: 'x' });
        expect(h.emu.counters.get(routes.login)).toBe(1);
        expect(h.emu.counters.get(routes.list)).toBe(2);
      } finally {
        await config.close();
      }
    });

    it('merges sources in order (later wins) and imports before the folder own secrets', async () => {
      h = await harness({ config: { push: false } });
      h.emu.setSecrets(h.app.projectId, 'prod', { GREETING: 'from /app', ONLY_APP: 'x' }, '/app');
      h.emu.setSecrets(h.app.projectId, 'staging', { GREETING: 'imported', IMPORTED: 'i', PORT: 'imported port' }, '/base');
      h.emu.addImport({ projectId: h.app.projectId, environment: 'prod', secretPath: '/', importEnvironment: 'staging', importPath: '/base' });
      await h.config.close();
      const config = createInfisicalConfig({
        siteUrl: h.emu.infisicalUrl,
        kubernetesAuth: { identityId: h.app.identityId, tokenPath: h.app.projected.path },
        secrets: [
          { projectId: h.app.projectId, environment: 'prod', secretPath: '/' },
          { projectId: h.app.projectId, environment: 'prod', secretPath: '/app' },
        ],
        push: false,
        clock: h.clock!,
        logger: h.logger,
      });
      try {
        expect(await config.ready()).toEqual({ GREETING: 'from /app', PORT: '8080', IMPORTED: 'i', ONLY_APP: 'x' });
      } finally {
        await config.close();
      }
    });

    it('ready() shares one load; snapshot throws NOT_READY before it and CLOSED after close()', async () => {
      h = await harness({ config: { push: false } });
      expect(() => h!.config.snapshot).toThrow(expect.objectContaining({ code: 'NOT_READY' }));
      expect(() => h!.config.get('GREETING')).toThrow(InfisicalK8sError);
      const [a, b] = await Promise.all([h.config.ready(), h.config.ready()]);
      expect(a).toBe(b);
      expect(await h.config.ready()).toBe(a);
      await h.config.close();
      expect(() => h!.config.snapshot).toThrow(expect.objectContaining({ code: 'CLOSED' }));
      await expect(h.config.ready()).rejects.toMatchObject({ code: 'CLOSED' });
      await expect(h.config.refresh()).rejects.toMatchObject({ code: 'CLOSED' });
      await h.config.close(); // idempotent
      expect(h.config.status).toMatchObject({ closed: true, ready: false });
      expect(h.config.isReady()).toBe(false);
    });

    it('ready() rejects with the typed error after initialRetries attempts of a transient failure, loading carries on', async () => {
      h = await harness({ config: { push: false, initialRetries: 3, backoff: { initialMs: 1000, maxMs: 5000 } } });
      h.emu.faults.inject({ route: routes.list, status: 503 });
      const ready = h.config.ready().then(
        () => undefined,
        (e: unknown) => ({ error: e as InfisicalK8sError, lists: h!.emu.counters.get(routes.list) }),
      );
      await h.clock!.advance(10_000);
      const { error, lists } = (await ready)!;
      expect(error).toBeInstanceOf(InfisicalK8sError);
      expect(error.code).toBe('SERVER_ERROR');
      expect(lists).toBe(3);
      // Loading carries on in the background, with backoff.
      expect(h.emu.counters.get(routes.list)).toBeGreaterThan(3);
    });

    it('a permanent refusal rejects ready() at its first occurrence (not after initialRetries), loading carries on', async () => {
      h = await harness({ provision: { allowedNamespaces: 'other' }, config: { push: false, initialRetries: 3, backoff: { initialMs: 1000, maxMs: 5000 } } });
      const ready = h.config.ready().then(
        () => undefined,
        (e: unknown) => ({ error: e as InfisicalK8sError, logins: h!.emu.counters.get(routes.login), at: h!.clock!.now() }),
      );
      const started = h.clock!.now();
      await h.clock!.advance(0);
      const { error, logins, at } = (await ready)!;
      expect(error).toBeInstanceOf(InfisicalK8sError);
      expect(error.code).toBe('NAMESPACE_NOT_ALLOWED');
      expect(logins).toBe(1);
      expect(at - started).toBe(0);
      expect(error.message).toContain("'default'");
      expect(error.hint).toContain('allowedNamespaces');
      // Loading carries on in the background, with backoff: a fix is picked up without a restart.
      await h.clock!.advance(10_000);
      expect(h.emu.counters.get(routes.login)).toBeGreaterThan(1);
    });

    it('after a failed login every retry waits out the login backoff window, so each one reaches Infisical and recovery takes at most one backoff cap', async () => {
      // Alternate the draws: long login windows, short fetch retries. A retry scheduled inside the window would
      // fail fast without asking Infisical, and recovery would wait for the retry after it.
      let draw = 0;
      const backoff = { initialMs: 1000, maxMs: 60_000 };
      h = await harness({ config: { push: false, initialRetries: 2, backoff, random: () => (draw++ % 2 === 0 ? 1 : 0) } });
      const failures: string[] = [];
      h.config.errors$.subscribe((e) => failures.push(e.code));
      h.emu.faults.inject({ route: routes.login, status: 503 });
      const ready = h.config.ready().catch((e: unknown) => e);
      await h.clock!.advance(10 * 60_000);
      expect(await ready).toMatchObject({ code: 'SERVER_ERROR' });
      expect(failures.length).toBeGreaterThan(5);
      expect(failures).toHaveLength(h.emu.counters.get(routes.login));
      h.emu.faults.clear();
      await h.clock!.advance(backoff.maxMs);
      expect(h.config.snapshot).toEqual({ GREETING: 'hello', PORT: '8080' });
    });

    it('ready() rejects after readyTimeoutMs with the last error when Infisical does not answer', async () => {
      h = await harness({ config: { push: false, readyTimeoutMs: 5_000, initialRetries: 1000 } });
      h.emu.faults.inject({ route: routes.login, status: 503 });
      const ready = h.config.ready().catch((e: unknown) => e);
      await h.clock!.advance(5_000);
      const error = (await ready) as InfisicalK8sError;
      expect(error.code).toBe('SERVER_ERROR');
      expect(error.message).toMatch(/^No secrets after 5000 ms \(readyTimeoutMs\)/);
    });

    it('a failed refresh rejects, emits on errors$, keeps the last good snapshot, and never rejects unhandled', async () => {
      h = await harness({ config: { push: false } });
      const first = await h.config.ready();
      const errors: InfisicalK8sError[] = [];
      h.config.errors$.subscribe((e) => errors.push(e));
      h.emu.faults.inject({ route: routes.list, status: 500, times: 1 });
      await expect(h.config.refresh()).rejects.toMatchObject({ code: 'SERVER_ERROR', status: 500 });
      expect(errors.map((e) => e.code)).toEqual(['SERVER_ERROR']);
      expect(h.config.snapshot).toBe(first);
      expect(h.config.status.lastError).toMatchObject({ code: 'SERVER_ERROR' });
      expect(h.logger.lines.filter((l) => l.startsWith('error [SERVER_ERROR]'))).toHaveLength(1);
      // The retry with backoff repairs it on its own.
      await h.clock!.advance(2_000);
      expect(h.config.status.lastError).toBeUndefined();
    });
  });

  describe('Property: changes$ / snapshot$', () => {
    it('emit only when a value changed, with the changed keys; identity is stable otherwise; snapshots are frozen', async () => {
      h = await harness({ config: { push: false } });
      const changes: Array<ConfigChange<Readonly<Record<string, string>>>> = [];
      h.config.changes$.subscribe((c) => changes.push(c));
      const first = await h.config.ready();
      expect(Object.isFrozen(first)).toBe(true);
      expect(() => {
        (first as Record<string, string>).GREETING = 'mutated';
      }).toThrow(TypeError);
      expect(await h.config.refresh()).toBe(first);
      h.emu.setSecret({ projectId: h.app.projectId, environment: 'prod', key: 'GREETING', value: 'hi' });
      h.emu.setSecret({ projectId: h.app.projectId, environment: 'prod', key: 'NEW', value: 'n' });
      const second = await h.config.refresh();
      expect(second).not.toBe(first);
      expect(changes.map((c) => [c.reason, c.changedKeys])).toEqual([
        ['initial', ['GREETING', 'PORT']],
        ['manual', ['GREETING', 'NEW']],
      ]);
      expect(changes[1]).toMatchObject({ previous: first, snapshot: second, at: h.clock!.now() });
      const seen: unknown[] = [];
      h.config.snapshot$.subscribe((s) => seen.push(s)).unsubscribe();
      expect(seen).toEqual([second]);
    });

    it('draws the first poll over a whole interval (0.5x to 1.5x), then keeps within +-10 %', async () => {
      // Pods of one rollout start together; where each one's polls fall is decided by its first wait.
      expect(await firstPollAt(0)).toEqual({ first: 30_000, second: 54_000 });
      expect(await firstPollAt(0.999)).toEqual({ first: 90_000, second: 66_000 });
    });

    it('polls on the interval, with jitter, and only emits when something changed', async () => {
      h = await harness({ config: { push: false, refreshIntervalMs: 60_000 } });
      await h.config.ready();
      const reasons: string[] = [];
      h.config.changes$.subscribe((c) => reasons.push(c.reason));
      await h.clock!.advance(5 * 60_000);
      expect(h.emu.counters.get(routes.list)).toBe(6);
      expect(reasons).toEqual([]);
      h.emu.setSecret({ projectId: h.app.projectId, environment: 'prod', key: 'PORT', value: '9090' });
      await h.clock!.advance(60_000);
      expect(reasons).toEqual(['interval']);
      expect(h.config.get('PORT')).toBe('9090');
    });
  });

  describe('Property: status', () => {
    it('goes stale after maxStalenessMs of failures (readiness false), and fresh again on success', async () => {
      h = await harness({ config: { push: false, refreshIntervalMs: 60_000, maxStalenessMs: 5 * 60_000 } });
      await h.config.ready();
      expect(h.config.status).toMatchObject({ ready: true, stale: false, mode: 'polling', logins: 1 });
      const fault = h.emu.faults.inject({ route: routes.list, status: 502 });
      await h.clock!.advance(4 * 60_000);
      expect(h.config.isReady()).toBe(true);
      await h.clock!.advance(2 * 60_000);
      expect(h.config.status.stale).toBe(true);
      expect(h.config.isReady()).toBe(false);
      h.emu.faults.clear(fault);
      await h.config.refresh();
      expect(h.config.isReady()).toBe(true);
    });

    it('is not stale when nothing is due: polling off and no failure', async () => {
      h = await harness({ config: { push: false, refreshIntervalMs: 0, maxStalenessMs: 60_000 } });
      await h.config.ready();
      await h.clock!.advance(30 * 60_000);
      expect(h.config.status.stale).toBe(false);
    });
  });
});
