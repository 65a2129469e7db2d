// Which Infisical server generations the peer clients run against, and a start helper that proves the
// emulator really is that generation (a '2024' emulator without the switch would silently be 'current').
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { startEmulator, type Emulator, type StartEmulatorOptions } from '@infisical-k8s/emulator';

/** The status of a GET, trusting the emulator's CA when Infisical is served over HTTPS. */
function statusOf(emu: Emulator, path: string): Promise<number> {
  const url = new URL(path, emu.infisicalUrl);
  const get = url.protocol === 'https:' ? httpsGet : httpGet;
  return new Promise((resolve, reject) => {
    get(url, { ca: emu.caCert }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

export type Generation = 'current' | '2024';
export const GENERATIONS: readonly Generation[] = ['current', '2024'];

/** A hand-driven clock: tokens, TTLs and renewal budgets move only when a test moves them. */
export interface ManualEmulatorClock {
  t: number;
  now(): number;
}

export function manualClock(start = Date.UTC(2026, 0, 5, 9, 0, 0)): ManualEmulatorClock {
  return {
    t: start,
    now() {
      return this.t;
    },
  };
}

/**
 * Starts the emulator as the given generation and checks the tell-tale route: an October 2024 server has no
 * `/api/v4/secrets` (router 404), a current one has it (401 without a token).
 */
export async function startGeneration(generation: Generation, options: StartEmulatorOptions = {}): Promise<Emulator> {
  const emu = await startEmulator({ ...options, generation });
  const status = await statusOf(emu, '/api/v4/secrets?projectId=x&environment=dev');
  const expected = generation === '2024' ? 404 : 401;
  if (status !== expected) {
    await emu.close();
    throw new Error(`the emulator did not start as the '${generation}' generation: GET /api/v4/secrets answered ${status}, expected ${expected}`);
  }
  emu.counters.reset();
  return emu;
}
