import { rm } from 'node:fs/promises';
import { startEmulator, provision, type Emulator, type Provisioned, type ProvisionOptions, type StartEmulatorOptions } from '@infisical-k8s/emulator';
import { createInfisicalConfig, type InfisicalConfigOptions, type InfisicalLogger } from '@infisical-k8s/core';
import { ManualClock } from '@infisical-k8s/core/testing';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { InfisicalClient } from 'node-infisical';

export const routes = {
  login: 'POST /api/v1/auth/kubernetes-auth/login',
  renew: 'POST /api/v1/auth/token/renew',
  revoke: 'POST /api/v1/auth/token/revoke',
  list: 'GET /api/v4/secrets',
  subscribe: 'POST /api/v1/events/subscribe/project-events',
  review: 'POST /apis/authentication.k8s.io/v1/tokenreviews',
} as const;

/** A logger that keeps every line, for assertions and leak scans. */
export function captureLogger(): InfisicalLogger & { lines: string[] } {
  const lines: string[] = [];
  const push = (level: string) => (message: string, meta?: object) => void lines.push(`${level} ${message}${meta ? ` ${JSON.stringify(meta)}` : ''}`);
  return { lines, debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
}

export interface Harness<S extends StandardSchemaV1 | undefined> {
  emu: Emulator;
  app: Provisioned;
  clock: ManualClock | undefined;
  logger: ReturnType<typeof captureLogger>;
  config: ReturnType<typeof createInfisicalConfig<S>>;
  close(): Promise<void>;
}

export async function harness<S extends StandardSchemaV1 | undefined = undefined>(
  setup: {
    emulator?: StartEmulatorOptions;
    provision?: ProvisionOptions;
    config?: Partial<InfisicalConfigOptions<S>>;
    manualClock?: boolean;
  } = {},
): Promise<Harness<S>> {
  const clock = setup.manualClock === false ? undefined : new ManualClock();
  const emu = await startEmulator({ ...(clock ? { clock } : {}), ...setup.emulator });
  const app = await provision(emu, { secrets: { GREETING: 'hello', PORT: '8080' }, ...setup.provision });
  const logger = captureLogger();
  const config = createInfisicalConfig<S>({
    siteUrl: emu.infisicalUrl,
    kubernetesAuth: { identityId: app.identityId, tokenPath: app.projected.path },
    secrets: { projectId: app.projectId, environment: app.environment, secretPath: app.secretPath },
    logger,
    ...(clock ? { clock } : {}),
    random: () => 0.5,
    client: { retry: false },
    ...setup.config,
  } as InfisicalConfigOptions<S>);
  return {
    emu,
    app,
    clock,
    logger,
    config,
    async close() {
      await config.close();
      app.projected.stop();
      await emu.close();
      await rm(app.projected.dir, { recursive: true, force: true });
    },
  };
}

/** An admin client of the emulator (org admin token), for what an operator would do mid-test. */
export function adminClient(emu: Emulator): InfisicalClient {
  return new InfisicalClient({ baseUrl: emu.infisicalUrl, accessToken: emu.admin.accessToken, retry: false });
}

/** Polls a condition in real time (for loopback I/O such as SSE); fails after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A JWT-shaped string: what no log line, error or status may contain. */
export const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/;
