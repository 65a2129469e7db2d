import { afterEach, describe, expect, it } from 'vitest';
import { createInfisicalConfig, InfisicalK8sError } from '@infisical-k8s/core';
import { ManualClock } from '@infisical-k8s/core/testing';
import { firstSnapshot, readinessResponse, readyOrClose, startConfig } from '@infisical-k8s/core/adapter-kit';
import { harness, routes, type Harness } from './helpers.js';

let h: Harness<undefined> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Options of a config that can never log in (no such identity): its first snapshot fails for good. */
function refusedOptions(t: Harness<undefined>) {
  return {
    siteUrl: t.emu.infisicalUrl,
    kubernetesAuth: { identityId: 'no-such-identity', tokenPath: t.app.projected.path },
    secrets: { projectId: t.app.projectId, environment: t.app.environment },
    clock: t.clock!,
    logger: t.logger,
    client: { retry: false as const },
    push: false,
  };
}

describe('Module: adapter-kit', () => {
  describe('Function: readinessResponse', () => {
    it('answers 503 before the first snapshot and 200 with core\'s report once it is loaded', async () => {
      h = await harness({ config: { push: false } });
      // The first list answers late (real time): long enough to ask before it.
      h.emu.faults.inject({ route: routes.list, delayMs: 300, times: 1 });
      const before = readinessResponse(h.config);
      expect(before).toEqual({ statusCode: 503, body: h.config.readiness() });
      expect(before.body.status).toBe('not-ready');
      await h.config.ready();
      expect(readinessResponse(h.config)).toEqual({ statusCode: 200, body: { status: 'ready', stale: false } });
    });
  });

  describe('Function: readyOrClose / startConfig', () => {
    it('closes a config whose first snapshot fails, then rejects with core\'s typed error', async () => {
      h = await harness({ config: { push: false } });
      const config = createInfisicalConfig(refusedOptions(h));
      const error = await readyOrClose(config).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InfisicalK8sError);
      expect(config.status.closed).toBe(true);
      await expect(startConfig(refusedOptions(h))).rejects.toBeInstanceOf(InfisicalK8sError);
    });

    it('with awaitClose: false rejects before closing has finished, and closing still completes', async () => {
      h = await harness({ config: { push: false } });
      const config = createInfisicalConfig(refusedOptions(h));
      let settled = false;
      const closing = new Promise<void>((resolve) => config.snapshot$.subscribe({ complete: resolve }));
      void closing.then(() => (settled = true));
      await expect(readyOrClose(config, { awaitClose: false })).rejects.toBeInstanceOf(InfisicalK8sError);
      // close() has started (every retry stopped) but its awaited steps have not run yet.
      expect(config.status.closed).toBe(true);
      expect(settled).toBe(false);
      await closing;
    });

    it('startConfig resolves with a loaded config', async () => {
      h = await harness({ config: { push: false } });
      const config = await startConfig({ ...refusedOptions(h), kubernetesAuth: { identityId: h.app.identityId, tokenPath: h.app.projected.path } });
      try {
        expect(config.snapshot).toEqual({ GREETING: 'hello', PORT: '8080' });
      } finally {
        await config.close();
      }
    });
  });

  describe('Function: firstSnapshot', () => {
    it('gives up after its own deadline with NOT_READY while Infisical has not answered, and resolves once loaded', async () => {
      h = await harness({ config: { push: false } });
      h.emu.faults.inject({ route: routes.list, delayMs: 300, times: 1 });
      const deadline = new ManualClock();
      const waiting = firstSnapshot(h.config, 100, deadline);
      const outcome = waiting.then(
        () => 'resolved',
        (error: InfisicalK8sError) => error.code,
      );
      await deadline.advance(100);
      expect(await outcome).toBe('NOT_READY');
      await h.config.ready();
      await expect(firstSnapshot(h.config, 100, deadline)).resolves.toEqual({ GREETING: 'hello', PORT: '8080' });
    });

    it('names the last failure\'s code when the deadline passes after a failed attempt', async () => {
      h = await harness({ config: { push: false } });
      const config = createInfisicalConfig({ ...refusedOptions(h), initialRetries: 100 });
      try {
        await new Promise<void>((resolve) => config.errors$.subscribe(() => resolve()));
        const deadline = new ManualClock();
        const waiting = firstSnapshot(config, 100, deadline).catch((error: InfisicalK8sError) => error);
        await deadline.advance(100);
        const error = await waiting;
        expect(error).toBeInstanceOf(InfisicalK8sError);
        expect((error as InfisicalK8sError).code).toBe(config.status.lastError?.code);
        expect((error as InfisicalK8sError).code).not.toBe('NOT_READY');
      } finally {
        await config.close();
      }
    });

    it('rejects with ready()\'s own error before its deadline (close())', async () => {
      h = await harness({ config: { push: false } });
      h.emu.faults.inject({ route: routes.list, hang: true, times: 1 });
      const waiting = firstSnapshot(h.config, 60_000, new ManualClock());
      await h.config.close();
      await expect(waiting).rejects.toMatchObject({ code: 'CLOSED' });
    });
  });
});
