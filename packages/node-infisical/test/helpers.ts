import { rm } from 'node:fs/promises';
import { afterAll, beforeAll } from 'vitest';
import { provision, startEmulator, type Emulator, type ProvisionOptions, type Provisioned, type StartEmulatorOptions } from '@infisical-k8s/emulator';
import { InfisicalClient, type InfisicalClientOptions } from 'node-infisical';

/** Fast retries: the rule is exercised without waiting in real time. */
export const FAST_RETRY = { retries: 2, baseDelayMs: 1, maxDelayMs: 20 } as const;

/** Starts one emulator (and a provisioned app) for a test file, and closes both after it. */
export function useEmulator(options: StartEmulatorOptions = {}, app: ProvisionOptions = {}): { emu: () => Emulator; app: () => Provisioned } {
  let emu: Emulator | undefined;
  let provisioned: Provisioned | undefined;
  beforeAll(async () => {
    emu = await startEmulator(options);
    provisioned = await provision(emu, app);
  });
  afterAll(async () => {
    provisioned?.projected.stop();
    await emu?.close();
    if (provisioned) await rm(provisioned.projected.dir, { recursive: true, force: true });
  });
  return { emu: () => emu!, app: () => provisioned! };
}

/** The rejection of a promise (fails the test if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** A client for the emulator with fast retries. */
export function clientFor(emu: Emulator, options: InfisicalClientOptions = {}): InfisicalClient {
  return new InfisicalClient({ baseUrl: emu.infisicalUrl, retry: FAST_RETRY, ...options });
}

/** The administrator's client (the emulator's org admin token). */
export function adminFor(emu: Emulator, options: InfisicalClientOptions = {}): InfisicalClient {
  return clientFor(emu, { accessToken: emu.admin.accessToken, ...options });
}

/** A client logged in as the provisioned app, with its projected token. */
export async function appClient(emu: Emulator, app: Provisioned, options: InfisicalClientOptions = {}): Promise<InfisicalClient> {
  const client = clientFor(emu, options);
  await client.login({ kubernetesAuth: { identityId: app.identityId, jwt: app.projected.current() } });
  return client;
}
