import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@infisical-k8s/emulator';
import { ManualClock, accessToken, infisical, setUpApp, type App } from './helpers.js';

const clock = new ManualClock();
let emu: Emulator;
let app: App;
let token: string;

beforeAll(async () => {
  emu = await startEmulator({ clock });
  app = await setUpApp(emu, { accessTokenTTL: 86_400, accessTokenMaxTTL: 86_400 });
  token = await accessToken(emu, app.identityId);
  emu.setSecrets(app.projectId, 'prod', { DB_HOST: 'db.internal', DB_URL: 'postgres://${DB_HOST}/app', SHARED_REF: '${dev.shared.TOKEN}', MISSING_REF: '${NOPE}', LOOP_A: '${LOOP_B}', LOOP_B: '${LOOP_A}' });
  emu.setSecret({ projectId: app.projectId, environment: 'prod', key: 'COMMENTED', value: 'v', comment: 'why' });
  emu.setSecrets(app.projectId, 'prod', { NESTED: 'n' }, '/api/v2');
  emu.setSecrets(app.projectId, 'dev', { TOKEN: 't0k' }, '/shared');
});
afterAll(async () => {
  await emu.close();
});

const v4 = (query: string, bearer = token) => infisical(emu, 'GET', `/api/v4/secrets?projectId=${app.projectId}&environment=prod${query}`, { token: bearer });
const values = (secrets: Array<{ secretKey: string; secretValue: string }>) => Object.fromEntries(secrets.map((s) => [s.secretKey, s.secretValue]));

describe('Route: GET /api/v4/secrets', () => {
  it('lists the folder with the item shape of §6 and an ETag', async () => {
    const res = await v4('');
    expect(res.status).toBe(200);
    expect(res.headers.etag).toMatch(/^".+"$/);
    expect(Object.keys(res.body)).toEqual(['secrets']);
    const item = res.body.secrets.find((s: { secretKey: string }) => s.secretKey === 'COMMENTED');
    expect(item).toEqual({
      id: expect.any(String),
      _id: item.id,
      workspace: app.projectId,
      environment: 'prod',
      version: 1,
      type: 'shared',
      secretKey: 'COMMENTED',
      secretValue: 'v',
      secretComment: 'why',
      secretPath: '/',
      secretValueHidden: false,
      skipMultilineEncoding: false,
      secretReminderNote: null,
      secretReminderRepeatDays: null,
      createdAt: new Date(clock.t).toISOString(),
      updatedAt: new Date(clock.t).toISOString(),
      actor: null,
      isRotatedSecret: false,
      rotationId: null,
      secretMetadata: [],
      tags: [],
    });
    expect(values(res.body.secrets).DB_URL).toBe('postgres://${DB_HOST}/app');
  });

  it('keeps the ETag while nothing changes and changes it with a new version', async () => {
    const a = (await v4('')).headers.etag;
    expect((await v4('')).headers.etag).toBe(a);
    const { version } = emu.setSecret({ projectId: app.projectId, environment: 'prod', key: 'COMMENTED', value: 'v2' });
    expect(version).toBe(2);
    expect((await v4('')).headers.etag).not.toBe(a);
    emu.setSecret({ projectId: app.projectId, environment: 'prod', key: 'COMMENTED', value: 'v', comment: 'why' });
  });

  it('expands ${KEY} and ${env.path.KEY}; unresolvable references are left as written, cycles end at the depth bound', async () => {
    const res = await v4('&expandSecretReferences=true');
    expect(values(res.body.secrets)).toMatchObject({
      DB_URL: 'postgres://db.internal/app',
      SHARED_REF: 't0k',
      MISSING_REF: '${NOPE}',
    });
    const loop = values(res.body.secrets);
    expect([loop.LOOP_A, loop.LOOP_B].every((v) => /^\$\{LOOP_[AB]\}$/.test(v!))).toBe(true);
  });

  it('lists a path (trailing slash removed), recursively, and 200 with an empty list for a missing path', async () => {
    expect(values((await v4('&secretPath=/api/v2/')).body.secrets)).toEqual({ NESTED: 'n' });
    const recursive = await v4('&recursive=true');
    expect(recursive.body.secrets.find((s: { secretKey: string }) => s.secretKey === 'NESTED')).toMatchObject({ secretPath: '/api/v2' });
    // The service answers a missing folder with both lists before it looks at include_imports.
    expect((await v4('&secretPath=/nowhere')).body).toEqual({ secrets: [], imports: [] });
    expect((await v4('&secretPath=/nowhere&include_imports=true')).body).toEqual({ secrets: [], imports: [] });
    const unknownEnv = await infisical(emu, 'GET', `/api/v4/secrets?projectId=${app.projectId}&environment=qa`, { token });
    expect(unknownEnv.body).toEqual({ secrets: [], imports: [] });
  });

  it('masks values with viewSecretValue=false', async () => {
    const res = await v4('&viewSecretValue=false');
    expect(res.body.secrets[0]).toMatchObject({ secretValue: '<hidden-by-infisical>', secretValueHidden: true });
  });

  it('adds imports[] only when include_imports=true', async () => {
    emu.addImport({ projectId: app.projectId, environment: 'prod', secretPath: '/api/v2', importEnvironment: 'dev', importPath: '/shared/' });
    expect((await v4('&secretPath=/api/v2')).body).not.toHaveProperty('imports');
    const res = await v4('&secretPath=/api/v2&include_imports=true');
    expect(res.body.imports).toEqual([
      {
        secretPath: '/shared',
        environment: 'dev',
        folderId: expect.any(String),
        secrets: [expect.objectContaining({ secretKey: 'TOKEN', secretValue: 't0k', environment: 'dev', workspace: app.projectId })],
      },
    ]);
    expect(res.body.imports[0].secrets[0]).not.toHaveProperty('createdAt');
  });

  it.each(['recursive', 'expandSecretReferences', 'include_imports', 'viewSecretValue'])('answers 422 for %s=1 (strict "true"/"false")', async (name) => {
    const res = await v4(`&${name}=1`);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ statusCode: 422, error: 'ValidationFailure' });
    expect(res.body.message).toEqual([expect.objectContaining({ path: [name], code: 'invalid_enum_value' })]);
  });

  it('answers 400 Missing project id or environment', async () => {
    const res = await infisical(emu, 'GET', `/api/v4/secrets?projectId=${app.projectId}`, { token });
    expect(res.body).toMatchObject({ statusCode: 400, error: 'BadRequest', message: 'Missing project id or environment' });
  });

  it('answers 403 PermissionDenied to an identity that is not a project member', async () => {
    const outsider = await setUpApp(emu);
    const res = await v4('', await accessToken(emu, outsider.identityId));
    expect(res.body).toMatchObject({ statusCode: 403, error: 'PermissionDenied', message: 'You are not allowed to readValue on secrets' });
  });

  it('filters on tagSlugs (no secret here has a tag)', async () => {
    const res = await v4('&tagSlugs=db,cache');
    expect(res.status).toBe(200);
    expect(res.body.secrets).toEqual([]);
  });
});

describe('Route: GET /api/v3/secrets/raw', () => {
  it('answers the same list keyed by workspaceId', async () => {
    const v3 = await infisical(emu, 'GET', `/api/v3/secrets/raw?workspaceId=${app.projectId}&environment=prod&expandSecretReferences=true`, { token });
    expect(v3.status).toBe(200);
    expect(values(v3.body.secrets).DB_URL).toBe('postgres://db.internal/app');
    const withProjectId = await infisical(emu, 'GET', `/api/v3/secrets/raw?projectId=${app.projectId}&environment=prod`, { token });
    expect(withProjectId.body).toMatchObject({ statusCode: 400, message: 'Missing project id or environment' });
  });
});

describe('Route: GET /api/v4/secrets/:secretName', () => {
  it('reads one secret, expanded on request', async () => {
    const res = await infisical(emu, 'GET', `/api/v4/secrets/DB_URL?projectId=${app.projectId}&environment=prod&expandSecretReferences=true`, { token });
    expect(res.body.secret).toMatchObject({ secretKey: 'DB_URL', secretValue: 'postgres://db.internal/app', secretPath: '/' });
    const v3 = await infisical(emu, 'GET', `/api/v3/secrets/raw/DB_HOST?workspaceId=${app.projectId}&environment=prod`, { token });
    expect(v3.body.secret.secretValue).toBe('db.internal');
  });

  it('answers 404 for a missing secret and 422 without projectId', async () => {
    expect((await infisical(emu, 'GET', `/api/v4/secrets/NOPE?projectId=${app.projectId}&environment=prod`, { token })).body).toMatchObject({ statusCode: 404, error: 'NotFound' });
    expect((await infisical(emu, 'GET', '/api/v4/secrets/DB_URL?environment=prod', { token })).status).toBe(422);
  });
});

const write = (method: string, name: string, body: Record<string, unknown>, bearer = emu.admin.accessToken) =>
  infisical(emu, method, `/api/v4/secrets/${name}`, { token: bearer, body: { projectId: app.projectId, environment: 'staging', secretPath: '/', ...body } });

describe('Routes: POST | PATCH | DELETE /api/v4/secrets/:secretName', () => {

  it('creates, updates (version bump) and deletes', async () => {
    const created = await write('POST', 'NEW_KEY', { secretValue: ' spaced ', secretComment: ' c ' });
    // The create schema trims the value and the comment.
    expect(created.body.secret).toMatchObject({ secretKey: 'NEW_KEY', secretValue: 'spaced', secretComment: 'c', version: 1, environment: 'staging' });
    expect((await write('POST', 'NEW_KEY', { secretValue: 'x' })).body).toMatchObject({ statusCode: 400 });
    // The answer echoes the request: no secretComment sent, so "" (the stored comment stays 'c').
    const updated = await write('PATCH', 'NEW_KEY', { secretValue: 'two' });
    expect(updated.body.secret).toMatchObject({ secretValue: 'two', version: 2, secretComment: '' });
    expect((await infisical(emu, 'GET', `/api/v4/secrets/NEW_KEY?projectId=${app.projectId}&environment=staging`, { token: emu.admin.accessToken })).body.secret).toMatchObject({ secretValue: 'two', secretComment: 'c' });
    expect((await write('DELETE', 'NEW_KEY', {})).status).toBe(200);
    expect((await write('PATCH', 'NEW_KEY', { secretValue: 'x' })).body).toMatchObject({ statusCode: 404 });
  });

  it('answers 422 for a create without a value, and 403 to a viewer', async () => {
    expect((await write('POST', 'NO_VALUE', {})).status).toBe(422);
    const denied = await write('POST', 'BY_VIEWER', { secretValue: 'x' }, token);
    expect(denied.body).toMatchObject({ statusCode: 403, error: 'PermissionDenied', message: 'You are not allowed to edit on secrets' });
  });
});

describe('Method: deleteSecret', () => {
  it('removes a secret from later lists', async () => {
    emu.setSecret({ projectId: app.projectId, environment: 'prod', key: 'TEMP', value: 'x' });
    expect(values((await v4('')).body.secrets)).toHaveProperty('TEMP');
    emu.deleteSecret({ projectId: app.projectId, environment: 'prod', key: 'TEMP' });
    expect(values((await v4('')).body.secrets)).not.toHaveProperty('TEMP');
  });
});

describe('Route: GET /api/status', () => {
  it('answers without auth', async () => {
    const res = await infisical(emu, 'GET', '/api/status');
    expect(res.body).toMatchObject({ message: 'Ok', maxIdentityAccessTokenTTL: 7_776_000 });
  });

  it('ignores trailing slashes and answers 404 for unknown routes', async () => {
    expect((await infisical(emu, 'GET', '/api/status/')).status).toBe(200);
    expect((await infisical(emu, 'GET', '/api/v9/nothing')).body).toMatchObject({ statusCode: 404, error: 'NotFound' });
  });
});
