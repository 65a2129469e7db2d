import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@infisical-k8s/emulator';
import { infisical } from './helpers.js';

// The routes and fields the official @infisical/sdk 5.0.2 sends (src/api/endpoints/*.ts), with an admin token.
let emu: Emulator;
let projectId: string;

beforeAll(async () => {
  emu = await startEmulator();
  const created = await infisical(emu, 'POST', '/api/v2/workspace', { token: emu.admin.accessToken, body: { projectName: 'SDK project', type: 'secret-manager', projectDescription: 'from the SDK' } });
  projectId = created.body.project.id;
});
afterAll(async () => {
  await emu.close();
});

const admin = (method: string, path: string, body?: unknown) => infisical(emu, method, path, { token: emu.admin.accessToken, ...(body === undefined ? {} : { body }) });

describe('Route: POST /api/v2/workspace (projects.create)', () => {
  it("answers with the server's project schema", async () => {
    const res = await admin('POST', '/api/v2/workspace', { projectName: 'Another', type: 'secret-manager', slug: 'another-one' });
    expect(res.body.project).toMatchObject({
      id: expect.any(String),
      name: 'Another',
      slug: 'another-one',
      type: 'secret-manager',
      description: null,
      orgId: emu.organizationId,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      version: 3,
      environments: [{ slug: 'dev' }, { slug: 'staging' }, { slug: 'prod' }],
    });
    expect((await admin('POST', '/api/v2/workspace', { projectName: 'Again', slug: 'another-one' })).status).toBe(400);
  });
});

describe('Routes: POST | PATCH | DELETE /api/v3/secrets/raw/:secretName (createSecret, updateSecret, deleteSecret)', () => {
  it('creates, updates (value, comment, new name) and deletes with workspaceId', async () => {
    const created = await admin('POST', '/api/v3/secrets/raw/API_KEY', { workspaceId: projectId, environment: 'dev', secretValue: 'k1', secretComment: 'c', skipMultilineEncoding: false, type: 'shared' });
    expect(created.body.secret).toMatchObject({ secretKey: 'API_KEY', secretValue: 'k1', secretComment: 'c', version: 1, workspace: projectId, environment: 'dev', type: 'shared' });
    const updated = await admin('PATCH', '/api/v3/secrets/raw/API_KEY', { workspaceId: projectId, environment: 'dev', secretValue: 'k2', newSecretName: 'API_TOKEN' });
    expect(updated.body.secret).toMatchObject({ secretKey: 'API_TOKEN', secretValue: 'k2', version: 2, id: created.body.secret.id });
    const read = await admin('GET', `/api/v3/secrets/raw/API_TOKEN?workspaceId=${projectId}&environment=dev&secretName=API_TOKEN&expandSecretReferences=true&includeImports=false&viewSecretValue=true`);
    expect(read.body.secret.secretValue).toBe('k2');
    expect((await admin('GET', `/api/v3/secrets/raw/API_KEY?workspaceId=${projectId}&environment=dev`)).status).toBe(404);
    const deleted = await admin('DELETE', '/api/v3/secrets/raw/API_TOKEN', { workspaceId: projectId, environment: 'dev' });
    expect(deleted.body.secret).toMatchObject({ secretKey: 'API_TOKEN' });
    expect((await admin('DELETE', '/api/v3/secrets/raw/API_TOKEN', { workspaceId: projectId, environment: 'dev' })).status).toBe(404);
  });

  it('sets tags by id', async () => {
    emu.setSecret({ projectId, environment: 'dev', key: 'TAGGED', value: 't', tags: ['infra'] });
    const tagId = (await admin('GET', `/api/v3/secrets/raw/TAGGED?workspaceId=${projectId}&environment=dev`)).body.secret.tags[0].id;
    const created = await admin('POST', '/api/v3/secrets/raw/ALSO_TAGGED', { workspaceId: projectId, environment: 'dev', secretValue: 'v', tagIds: [tagId] });
    expect(created.body.secret.tags).toMatchObject([{ slug: 'infra' }]);
    expect((await admin('POST', '/api/v3/secrets/raw/BAD_TAG', { workspaceId: projectId, environment: 'dev', secretValue: 'v', tagIds: ['nope'] })).status).toBe(404);
  });
});

describe('Routes: GET | POST /api/v1/folders (folders.listFolders, folders.create)', () => {
  it('creates folders (parents on the way) and lists the children of a path', async () => {
    const created = await admin('POST', '/api/v1/folders', { name: 'payments', path: '/services', workspaceId: projectId, environment: 'prod' });
    expect(created.body.folder).toEqual({
      id: expect.any(String),
      name: 'payments',
      version: 1,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      envId: expect.any(String),
      parentId: expect.any(String),
      isReserved: false,
      description: null,
      path: '/services/payments',
    });
    const root = await admin('GET', `/api/v1/folders?environment=prod&workspaceId=${projectId}&recursive=false`);
    expect(root.body.folders.map((f: { name: string }) => f.name)).toEqual(['services']);
    const services = await admin('GET', `/api/v1/folders?environment=prod&workspaceId=${projectId}&path=/services`);
    // A list answers SecretFoldersSchema items: the created folder without its `path`.
    const { path: _path, ...listed } = created.body.folder;
    expect(services.body.folders).toEqual([listed]);
    expect(services.body.folders[0].parentId).toBe(root.body.folders[0].id);
    expect((await admin('POST', '/api/v1/folders', { name: 'bad name', workspaceId: projectId, environment: 'prod' })).status).toBe(422);
    expect((await admin('GET', `/api/v1/folders?environment=qa&workspaceId=${projectId}`)).status).toBe(404);
  });
});

describe('Route: POST /api/v1/workspace/:workspaceId/environments (environments.create)', () => {
  it('creates an environment that secrets can then live in', async () => {
    const res = await admin('POST', `/api/v1/workspace/${projectId}/environments`, { name: 'QA', slug: 'qa', projectId });
    expect(res.body).toEqual({
      message: 'Successfully created new environment',
      workspace: projectId,
      environment: { id: expect.any(String), name: 'QA', slug: 'qa', position: 4, projectId, createdAt: expect.any(String), updatedAt: expect.any(String) },
    });
    expect((await admin('POST', `/api/v1/workspace/${projectId}/environments`, { name: 'QA', slug: 'qa' })).body).toMatchObject({ statusCode: 400 });
    expect((await admin('POST', `/api/v1/workspace/${projectId}/environments`, { name: 'Bad', slug: 'Not A Slug' })).status).toBe(422);
    const secret = await admin('POST', '/api/v3/secrets/raw/IN_QA', { workspaceId: projectId, environment: 'qa', secretValue: 'q' });
    expect(secret.status).toBe(200);
  });
});
