import { afterEach, describe, expect, it } from 'vitest';
import { createInfisicalConfig, InfisicalK8sError, type InfisicalConfig } from '@infisical-k8s/core';
import { captureLogger, harness, routes, waitFor, type Harness } from './helpers.js';

// eslint-disable-next-line typescript/no-explicit-any
let h: Harness<any> | undefined;
let config: InfisicalConfig<Record<string, string>> | undefined;
afterEach(async () => {
  await config?.close();
  config = undefined;
  await h?.close();
  h = undefined;
});

/** Waits on loopback I/O (TLS, SSE) in real time; the bound only turns a hang into a failure, load cannot reach it. */
const eventually = (predicate: () => boolean) => waitFor(predicate, 60_000);

describe('Connection pool', { timeout: 120_000 }, () => {
  it('with tls.ca, close() ends a request in flight and the open push stream at once, through the one pool core owns', async () => {
    // The harness's own config cannot know the CA (the emulator makes it at start): close it, and make one that does.
    h = await harness({ manualClock: false, emulator: { infisicalTls: true }, config: { push: false, tls: { ca: '' } } });
    await h.config.close();
    const { emu, app } = h;
    config = createInfisicalConfig({
      siteUrl: emu.infisicalUrl,
      kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
      secrets: { projectId: app.projectId, environment: app.environment, secretPath: app.secretPath },
      tls: { ca: emu.caCert },
      // Ten minutes: only close() can end the hanging request within the test's timeout.
      client: { retry: false, timeoutMs: 600_000 },
      logger: captureLogger(),
    });
    expect(await config.ready()).toEqual({ GREETING: 'hello', PORT: '8080' });
    await eventually(() => config!.status.mode === 'push' && emu.events.connections() === 1);
    emu.faults.inject({ route: routes.list, hang: true });
    const lists = emu.counters.get(routes.list);
    const pending = config.refresh().catch((error: unknown) => error);
    await eventually(() => emu.counters.get(routes.list) === lists + 1);
    await config.close();
    expect(await pending).toBeInstanceOf(InfisicalK8sError);
    await eventually(() => emu.events.connections() === 0);
  });
});
