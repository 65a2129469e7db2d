import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmulatorError, startEmulator, type Emulator } from '@infisical-k8s/emulator';
import { ManualClock, infisical } from './helpers.js';

const clock = new ManualClock();
let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({ clock });
});
afterAll(async () => {
  await emu.close();
});

const LEASES = '/api/v1/dynamic-secrets/leases';
const admin = (method: string, path: string, body?: unknown) => infisical(emu, method, path, { body, token: emu.admin.accessToken });

function setup(maxTtl?: string) {
  const project = emu.createProject({ name: `dyn-${Math.random().toString(36).slice(2, 8)}` });
  emu.createDynamicSecret({ projectId: project.id, environment: 'prod', name: 'db', defaultTtl: '10m', ...(maxTtl ? { maxTtl } : {}) });
  return { projectSlug: project.slug, environmentSlug: 'prod', path: '/' };
}

describe('Method: createDynamicSecret / dynamicSecrets', () => {
  it('refuses an unknown project and a TTL that is not a duration of a minute or more', () => {
    expect(() => emu.createDynamicSecret({ projectId: 'nope', environment: 'prod', name: 'db', defaultTtl: '1h' })).toThrow(EmulatorError);
    const project = emu.createProject();
    for (const defaultTtl of ['30s', 'soon', 5 as never]) {
      const error = (() => { try { emu.createDynamicSecret({ projectId: project.id, environment: 'prod', name: 'db', defaultTtl }); } catch (e) { return e; } })();
      expect(error).toMatchObject({ code: 'INVALID_OPTIONS' });
    }
  });

  it('counts live leases per secret: expiry and revocation remove one, renewal adds none', async () => {
    const scope = setup('30m');
    const before = emu.dynamicSecrets.liveLeases();
    const a = await admin('POST', LEASES, { dynamicSecretName: 'db', ...scope });
    const b = await admin('POST', LEASES, { dynamicSecretName: 'db', ...scope, ttl: '20m' });
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(emu.dynamicSecrets.liveLeases()).toBe(before + 2);
    const idA = (a.body as { lease: { id: string } }).lease.id;
    clock.advance(9 * 60);
    expect((await admin('POST', `${LEASES}/${idA}/renew`, { ...scope, ttl: '10m' })).status).toBe(200);
    expect(emu.dynamicSecrets.liveLeases()).toBe(before + 2);
    clock.advance(2 * 60);
    expect(emu.dynamicSecrets.liveLeases()).toBe(before + 2);
    expect((await admin('DELETE', `${LEASES}/${idA}`, scope)).status).toBe(200);
    expect(emu.dynamicSecrets.liveLeases()).toBe(before + 1);
    clock.advance(10 * 60);
    expect(emu.dynamicSecrets.liveLeases()).toBe(before);
  });

  it('validates the TTL as the route refinement does (422), and faults apply to these routes', async () => {
    const scope = setup();
    const short = await admin('POST', LEASES, { dynamicSecretName: 'db', ...scope, ttl: '30s' });
    expect(short.status).toBe(422);
    expect(JSON.stringify(short.body)).toContain('TTL must be a greater than 1min');
    const long = await admin('POST', LEASES, { dynamicSecretName: 'db', ...scope, ttl: '2d' });
    expect(JSON.stringify(long.body)).toContain('TTL must be less than a day');
    emu.faults.inject({ route: `POST ${LEASES}`, status: 503, times: 1 });
    expect((await admin('POST', LEASES, { dynamicSecretName: 'db', ...scope })).status).toBe(503);
    expect((await admin('POST', LEASES, { dynamicSecretName: 'db', ...scope })).status).toBe(200);
  });
});
