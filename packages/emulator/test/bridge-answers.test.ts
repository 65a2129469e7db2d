import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@infisical-k8s/emulator';
import { ManualClock, infisical } from './helpers.js';

const names = (folders: Array<{ name: string }>) => folders.map((f) => f.name);

// What the secret-v2-bridge service and the folder service answer to writes, per server generation: the 404 texts of
// updateSecret / deleteSecret, the update answer reshaped from the request, and the folder create/list shapes.
describe.each(['current', '2024'] as const)('generation %s: write answers of the bridge and folder services', (generation) => {
  const clock = new ManualClock();
  let emu: Emulator;
  let projectId: string;

  beforeAll(async () => {
    emu = await startEmulator({ clock, generation });
    projectId = emu.createProject({ name: 'bridge answers' }).id;
    emu.setSecret({ projectId, environment: 'staging', key: 'KEPT', value: 'stored', comment: 'stored comment' });
    emu.setSecrets(projectId, 'prod', { STRIPE_KEY: 's' }, '/billing/eu');
    emu.setSecrets(projectId, 'prod', { A: 'a' }, '/apps');
  });
  afterAll(() => emu?.close());

  const admin = (method: string, path: string, body?: unknown) => infisical(emu, method, path, { token: emu.admin.accessToken, ...(body === undefined ? {} : { body }) });
  const raw = (method: string, name: string, body: Record<string, unknown> = {}) => admin(method, `/api/v3/secrets/raw/${name}`, { workspaceId: projectId, environment: 'staging', ...body });

  it('PATCH of a missing name is a 404: a current updateSecret names it unquoted, a 2024 one says "Secret not found"', async () => {
    const res = await raw('PATCH', 'NEVER_MADE', { secretValue: 'x' });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ statusCode: 404, error: 'NotFound', message: generation === 'current' ? 'Secret with name NEVER_MADE not found' : 'Secret not found' });
  });

  it('DELETE of a missing name is a 404 "Secret not found"', async () => {
    const res = await raw('DELETE', 'NEVER_MADE');
    expect(res.body).toMatchObject({ statusCode: 404, error: 'NotFound', message: 'Secret not found' });
  });

  it('PATCH and DELETE in a folder that does not exist are the folder 404', async () => {
    const message = generation === 'current' ? "Folder with path '/nowhere' in environment with slug 'staging' not found" : 'Folder not found for the given environment slug & secret path';
    expect((await raw('PATCH', 'KEPT', { secretPath: '/nowhere', secretValue: 'x' })).body).toMatchObject({ statusCode: 404, message });
    expect((await raw('DELETE', 'KEPT', { secretPath: '/nowhere' })).body).toMatchObject({ statusCode: 404, message });
  });

  it('PATCH answers from the request: "" for a value and comment not sent, while the stored ones stay', async () => {
    const renamed = await raw('PATCH', 'KEPT', { newSecretName: 'RENAMED' });
    expect(renamed.body.secret).toMatchObject({ secretKey: 'RENAMED', secretValue: '', secretComment: '', version: 2 });
    const stored = await admin('GET', `/api/v3/secrets/raw/RENAMED?workspaceId=${projectId}&environment=staging`);
    expect(stored.body.secret).toMatchObject({ secretValue: 'stored', secretComment: 'stored comment', version: 2 });
    const valued = await raw('PATCH', 'RENAMED', { secretValue: ' new ' });
    expect(valued.body.secret).toMatchObject({ secretValue: 'new', secretComment: '', version: 3 });
  });

  it.runIf(generation === 'current')('POST /api/v1/folders keeps the description and answers the path; an existing folder is a 400', async () => {
    const created = await admin('POST', '/api/v1/folders', { workspaceId: projectId, environment: 'prod', path: '/billing', name: 'invoices', description: 'monthly invoices' });
    expect(created.body.folder).toMatchObject({ name: 'invoices', description: 'monthly invoices', path: '/billing/invoices' });
    const listed = await admin('GET', `/api/v1/folders?workspaceId=${projectId}&environment=prod&path=/billing`);
    expect(listed.body.folders).toEqual([
      expect.objectContaining({ name: 'eu', description: null }),
      expect.objectContaining({ name: 'invoices', description: 'monthly invoices' }),
    ]);
    expect(listed.body.folders[1]).not.toHaveProperty('path');
    const again = await admin('POST', '/api/v1/folders', { workspaceId: projectId, environment: 'prod', path: '/billing', name: 'invoices' });
    expect(again.body).toMatchObject({ statusCode: 400, error: 'BadRequest', message: "Folder with name 'invoices' already exists in path '/billing'" });
  });

  it.runIf(generation === 'current')('GET /api/v1/folders?recursive=true lists every folder below, by depth then name, each with its relativePath', async () => {
    const deep = await admin('GET', `/api/v1/folders?workspaceId=${projectId}&environment=prod&path=/&recursive=true`);
    expect(deep.body.folders.map((f: { name: string; relativePath: string }) => [f.name, f.relativePath])).toEqual([
      ['apps', '/apps'],
      ['billing', '/billing'],
      ['eu', '/billing/eu'],
      ['invoices', '/billing/invoices'],
    ]);
    const below = await admin('GET', `/api/v1/folders?workspaceId=${projectId}&environment=prod&path=/billing&recursive=true`);
    expect(below.body.folders.map((f: { relativePath: string }) => f.relativePath)).toEqual(['/eu', '/invoices']);
    expect(names((await admin('GET', `/api/v1/folders?workspaceId=${projectId}&environment=prod&recursive=false`)).body.folders)).toEqual(['apps', 'billing']);
    expect((await admin('GET', `/api/v1/folders?workspaceId=${projectId}&environment=prod&recursive=yes`)).status).toBe(422);
  });

  it.runIf(generation === '2024')('a 2024 server answers the folder without description or path, answers an existing one as it is, and knows no recursive', async () => {
    const created = await admin('POST', '/api/v1/folders', { workspaceId: projectId, environment: 'prod', path: '/billing', name: 'invoices', description: 'monthly invoices' });
    expect(created.body.folder).toMatchObject({ name: 'invoices' });
    expect(created.body.folder).not.toHaveProperty('description');
    expect(created.body.folder).not.toHaveProperty('path');
    const again = await admin('POST', '/api/v1/folders', { workspaceId: projectId, environment: 'prod', path: '/billing', name: 'invoices' });
    expect(again.body.folder).toEqual(created.body.folder);
    const listed = await admin('GET', `/api/v1/folders?workspaceId=${projectId}&environment=prod&path=/&recursive=true`);
    expect(names(listed.body.folders)).toEqual(['apps', 'billing']);
    expect(listed.body.folders[0]).not.toHaveProperty('relativePath');
    expect((await admin('GET', `/api/v1/folders?workspaceId=${projectId}&environment=prod&recursive=yes`)).status).toBe(200);
  });
});
