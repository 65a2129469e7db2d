/**
 * Dynamic-secret leases (`client.dynamicSecrets.leases`) against the emulator, on its clock: create, renew (from the
 * lease's end, capped at max TTL), revoke, get, typed errors and argument checks.
 */
import { describe, expect, it } from 'vitest';
import { InfisicalApiError, InfisicalResponseError, InfisicalValidationError } from 'node-infisical';
import { adminFor, appClient, rejectionOf, useEmulator } from './helpers.js';

const clock = { t: Date.UTC(2026, 0, 1), now() { return this.t; } };
const env = useEmulator({ clock });
const HOUR = 3_600_000;

/** A fresh project with a dynamic secret `orders-db` (1 h default, 3 h max) in `/db`. */
function setup() {
  const emu = env.emu();
  const project = emu.createProject({ name: `dyn-${Math.random().toString(36).slice(2, 8)}` });
  emu.createDynamicSecret({ projectId: project.id, environment: 'prod', secretPath: '/db', name: 'Orders-DB', defaultTtl: '1h', maxTtl: '3h' });
  const scope = { projectSlug: project.slug, environmentSlug: 'prod', path: '/db' };
  return { emu, project, scope, leases: adminFor(emu).dynamicSecrets.leases };
}

describe('Method: dynamicSecrets.leases.create', () => {
  it('mints a username/password pair that lives until expireAt (default TTL), named case-insensitively', async () => {
    const { emu, scope, leases } = setup();
    const before = emu.dynamicSecrets.liveLeases('orders-db');
    const { lease, data, dynamicSecret } = await leases.create({ dynamicSecretName: 'ORDERS-db', ...scope });
    expect(lease.expireAtMs).toBe(clock.t + HOUR);
    expect(lease.expireAt).toBe(new Date(clock.t + HOUR).toISOString());
    expect(dynamicSecret).toMatchObject({ name: 'orders-db', defaultTTL: '1h', maxTTL: '3h' });
    expect(typeof data.DB_USERNAME).toBe('string');
    expect(emu.dynamicSecrets.accepts(data.DB_USERNAME as string, data.DB_PASSWORD as string)).toBe(true);
    expect(emu.dynamicSecrets.liveLeases('orders-db')).toBe(before + 1);
  });

  it('takes a TTL in seconds or as the server duration string', async () => {
    const { leases, scope } = setup();
    expect((await leases.create({ dynamicSecretName: 'orders-db', ...scope, ttl: 120 })).lease.expireAtMs).toBe(clock.t + 120_000);
    expect((await leases.create({ dynamicSecretName: 'orders-db', ...scope, ttl: '30m' })).lease.expireAtMs).toBe(clock.t + 1_800_000);
  });

  it('an unknown dynamic secret, project or folder is a typed 404', async () => {
    const { leases, scope } = setup();
    const missing = (await rejectionOf(leases.create({ dynamicSecretName: 'nope', ...scope }))) as InfisicalApiError;
    expect(missing).toBeInstanceOf(InfisicalApiError);
    expect([missing.status, missing.serverMessage]).toEqual([404, 'Dynamic secret not found']);
    const project = (await rejectionOf(leases.create({ dynamicSecretName: 'orders-db', ...scope, projectSlug: 'no-such-project' }))) as InfisicalApiError;
    expect([project.status, project.serverMessage]).toEqual([404, 'Project not found']);
    const folder = (await rejectionOf(leases.create({ dynamicSecretName: 'orders-db', ...scope, path: '/elsewhere' }))) as InfisicalApiError;
    expect([folder.status, folder.serverMessage]).toEqual([404, 'Folder not found']);
  });

  it('refuses bad arguments before any request, naming the field and never the value', async () => {
    const { leases, scope, emu } = setup();
    emu.counters.reset();
    for (const ttl of [59, 86_401, 1.5, 'soon', true] as const) {
      const error = await rejectionOf(leases.create({ dynamicSecretName: 'orders-db', ...scope, ttl: ttl as never }));
      expect(error).toBeInstanceOf(InfisicalValidationError);
      expect((error as Error).message).toContain('ttl');
    }
    expect(await rejectionOf(leases.create({ dynamicSecretName: '', ...scope }))).toBeInstanceOf(InfisicalValidationError);
    expect(await rejectionOf(leases.create({ dynamicSecretName: 'orders-db', ...scope, projectSlug: undefined as never }))).toBeInstanceOf(InfisicalValidationError);
    expect(emu.counters.get('POST /api/v1/dynamic-secrets/leases')).toBe(0);
  });

  it('a TTL past the max TTL is the server 400', async () => {
    const { leases, scope, emu, project } = setup();
    emu.createDynamicSecret({ projectId: project.id, environment: 'prod', secretPath: '/db', name: 'short', defaultTtl: '1h', maxTtl: '2h' });
    const error = (await rejectionOf(leases.create({ dynamicSecretName: 'short', ...scope, ttl: '3h' }))) as InfisicalApiError;
    expect([error.status, error.serverMessage]).toEqual([400, 'TTL cannot be larger than max TTL']);
  });
});

describe('Method: dynamicSecrets.leases.renew / revoke / get', () => {
  it('renew adds the TTL to the lease end, and is refused past creation + max TTL', async () => {
    const { leases, scope } = setup();
    const created = clock.t;
    const { lease } = await leases.create({ dynamicSecretName: 'orders-db', ...scope });
    clock.t += 40 * 60_000;
    const renewed = await leases.renew({ leaseId: lease.id, ...scope });
    expect(renewed.lease.expireAtMs).toBe(created + 2 * HOUR);
    expect((await leases.renew({ leaseId: lease.id, ...scope, ttl: '1h' })).lease.expireAtMs).toBe(created + 3 * HOUR);
    const refused = (await rejectionOf(leases.renew({ leaseId: lease.id, ...scope, ttl: 60 }))) as InfisicalApiError;
    expect([refused.status, refused.serverMessage]).toEqual([400, 'TTL cannot be larger than max ttl']);
    expect((await leases.get({ leaseId: lease.id, ...scope })).lease.expireAtMs).toBe(created + 3 * HOUR);
  });

  it('an expired lease is gone: its credential no longer works, get and renew are 404', async () => {
    const { leases, scope, emu } = setup();
    const { lease, data } = await leases.create({ dynamicSecretName: 'orders-db', ...scope, ttl: '2m' });
    clock.t += 2 * 60_000;
    expect(emu.dynamicSecrets.accepts(data.DB_USERNAME as string, data.DB_PASSWORD as string)).toBe(false);
    const error = (await rejectionOf(leases.get({ leaseId: lease.id, ...scope }))) as InfisicalApiError;
    expect([error.status, error.serverMessage]).toEqual([404, 'Dynamic secret lease not found']);
    expect(((await rejectionOf(leases.renew({ leaseId: lease.id, ...scope }))) as InfisicalApiError).status).toBe(404);
  });

  it('revoke ends the lease at once', async () => {
    const { leases, scope, emu } = setup();
    const { lease, data } = await leases.create({ dynamicSecretName: 'orders-db', ...scope });
    const live = emu.dynamicSecrets.liveLeases();
    const revoked = await leases.revoke({ leaseId: lease.id, ...scope });
    expect(revoked.lease.id).toBe(lease.id);
    expect(emu.dynamicSecrets.liveLeases()).toBe(live - 1);
    expect(emu.dynamicSecrets.accepts(data.DB_USERNAME as string, data.DB_PASSWORD as string)).toBe(false);
    expect(((await rejectionOf(leases.revoke({ leaseId: lease.id, ...scope }))) as InfisicalApiError).status).toBe(404);
  });

  it('a viewer creates leases but may not renew or revoke them (403)', async () => {
    const { emu, project, scope } = setup();
    const app = await appClient(emu, env.app());
    emu.addIdentityToProject(project.id, env.app().identityId, 'viewer');
    const { lease } = await app.dynamicSecrets.leases.create({ dynamicSecretName: 'orders-db', ...scope });
    expect(((await rejectionOf(app.dynamicSecrets.leases.renew({ leaseId: lease.id, ...scope }))) as InfisicalApiError).status).toBe(403);
    expect(((await rejectionOf(app.dynamicSecrets.leases.revoke({ leaseId: lease.id, ...scope }))) as InfisicalApiError).status).toBe(403);
  });

  it('injected faults reach the caller as the existing error classes', async () => {
    const { emu, scope, leases } = setup();
    const { lease } = await leases.create({ dynamicSecretName: 'orders-db', ...scope });
    emu.faults.inject({ route: 'POST /api/v1/dynamic-secrets/leases/:leaseId/renew', malformed: true, times: 1 });
    expect(await rejectionOf(leases.renew({ leaseId: lease.id, ...scope }))).toBeInstanceOf(InfisicalResponseError);
    emu.faults.inject({ route: 'GET /api/v1/dynamic-secrets/leases/:leaseId', status: 200, body: { lease: { id: lease.id } }, times: 1 });
    const shape = (await rejectionOf(leases.get({ leaseId: lease.id, ...scope }))) as Error;
    expect(shape).toBeInstanceOf(InfisicalResponseError);
    expect(shape.message).toContain('expireAt');
  });
});
