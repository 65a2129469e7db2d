import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@infisical-k8s/emulator';
import { ManualClock, accessToken, infisical, setUpApp, type App } from './helpers.js';

const clock = new ManualClock();
let emu: Emulator;
let app: App;
let token: string;
let slug: string;

beforeAll(async () => {
  emu = await startEmulator({ clock });
  const identity = await setUpApp(emu);
  const project = emu.createProject({ name: 'tagged' });
  slug = project.slug;
  emu.addIdentityToProject(project.id, identity.identityId, 'viewer');
  app = { identityId: identity.identityId, projectId: project.id };
  token = await accessToken(emu, app.identityId);
  emu.setSecret({ projectId: app.projectId, environment: 'prod', key: 'DB', value: 'db', tags: ['db'], metadata: { team: 'core' } });
  emu.setSecret({ projectId: app.projectId, environment: 'prod', key: 'CACHE', value: 'cache', tags: ['cache'], metadata: { team: 'edge' } });
  emu.setSecret({ projectId: app.projectId, environment: 'prod', key: 'PLAIN', value: 'plain' });
});
afterAll(async () => {
  await emu.close();
});

const v3 = (query: string, headers: Record<string, string> = {}) => infisical(emu, 'GET', `/api/v3/secrets/raw?workspaceId=${app.projectId}&environment=prod${query}`, { token, headers });
const v4 = (query: string, headers: Record<string, string> = {}) => infisical(emu, 'GET', `/api/v4/secrets?projectId=${app.projectId}&environment=prod${query}`, { token, headers });
const keys = (res: { body: { secrets: Array<{ secretKey: string }> } }) => res.body.secrets.map((s) => s.secretKey).toSorted();

describe('Route: GET /api/v3/secrets/raw and /api/v4/secrets (filters)', () => {
  it('filters by tagSlugs (any of them) and carries the tags', async () => {
    expect(keys(await v3('&tagSlugs=db'))).toEqual(['DB']);
    expect(keys(await v4('&tagSlugs=db,%20cache'))).toEqual(['CACHE', 'DB']);
    const db = (await v3('&tagSlugs=db')).body.secrets[0];
    expect(db.tags).toEqual([{ id: expect.any(String), slug: 'db', color: expect.any(String), name: 'db' }]);
  });

  it('filters by metadataFilter (every pair) and carries the metadata', async () => {
    expect(keys(await v3('&metadataFilter=key=team,value=core'))).toEqual(['DB']);
    expect(keys(await v4('&metadataFilter=key=team,value=core|key=team,value=edge'))).toEqual([]);
    expect((await v3('&metadataFilter=key=team,value=edge')).body.secrets[0].secretMetadata).toEqual([{ key: 'team', value: 'edge', isEncrypted: false }]);
    const tooMany = Array.from({ length: 11 }, (_, i) => `key=k${i},value=v`).join('|');
    expect((await v3(`&metadataFilter=${encodeURIComponent(tooMany)}`)).status).toBe(422);
  });

  it('takes workspaceSlug in place of workspaceId on the v3 routes', async () => {
    const list = await infisical(emu, 'GET', `/api/v3/secrets/raw?workspaceSlug=${slug}&environment=prod`, { token });
    expect(keys(list)).toEqual(['CACHE', 'DB', 'PLAIN']);
    const one = await infisical(emu, 'GET', `/api/v3/secrets/raw/DB?workspaceSlug=${slug}&environment=prod`, { token });
    expect(one.body.secret).toMatchObject({ secretKey: 'DB', workspace: app.projectId });
    expect((await infisical(emu, 'GET', '/api/v3/secrets/raw?workspaceSlug=nope&environment=prod', { token })).status).toBe(404);
  });

  it('refuses secretPath segments outside [A-Za-z0-9_-] with 400', async () => {
    for (const path of ['/a.b', '/a%20b', '/ok/%C3%A9']) {
      const res = await v3(`&secretPath=${path}`);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'BadRequest', message: 'Invalid secret path. Only alphanumeric characters, dashes, and underscores are allowed.' });
    }
    expect((await v3('&secretPath=/ok_-1/B2')).status).toBe(200);
  });
});

describe('Route: GET /api/v3/secrets/raw/:secretName and /api/v4/secrets/:secretName', () => {
  it('honours version', async () => {
    emu.setSecret({ projectId: app.projectId, environment: 'prod', key: 'ROTATED', value: 'one' });
    emu.setSecret({ projectId: app.projectId, environment: 'prod', key: 'ROTATED', value: 'two' });
    const first = await infisical(emu, 'GET', `/api/v3/secrets/raw/ROTATED?workspaceId=${app.projectId}&environment=prod&version=1`, { token });
    expect(first.body.secret).toMatchObject({ secretValue: 'one', version: 1 });
    const latest = await infisical(emu, 'GET', `/api/v4/secrets/ROTATED?projectId=${app.projectId}&environment=prod`, { token });
    expect(latest.body.secret).toMatchObject({ secretValue: 'two', version: 2 });
    expect((await infisical(emu, 'GET', `/api/v4/secrets/ROTATED?projectId=${app.projectId}&environment=prod&version=7`, { token })).status).toBe(404);
  });

  it('answers 400 without environment', async () => {
    const v3One = await infisical(emu, 'GET', `/api/v3/secrets/raw/DB?workspaceId=${app.projectId}`, { token });
    expect(v3One.body).toMatchObject({ statusCode: 400, message: 'Missing environment' });
    const v4One = await infisical(emu, 'GET', `/api/v4/secrets/DB?projectId=${app.projectId}`, { token });
    expect(v4One.body).toMatchObject({ statusCode: 400, message: 'Missing environment' });
  });
});

describe('ETag and If-None-Match', () => {
  it('tags reads and answers a matching If-None-Match with 304 and no body', async () => {
    const first = await v4('');
    expect(first.headers.etag).toMatch(/^".+"$/);
    const again = await v4('', { 'if-none-match': first.headers.etag! });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.headers.etag).toBe(first.headers.etag);
    const v3List = await v3('');
    expect((await v3('', { 'if-none-match': v3List.headers.etag! })).status).toBe(304);
    const one = await infisical(emu, 'GET', `/api/v3/secrets/raw/DB?workspaceId=${app.projectId}&environment=prod`, { token });
    expect(one.headers.etag).toMatch(/^".+"$/);
    expect((await v4('', { 'if-none-match': '"stale"' })).status).toBe(200);
  });

  it('counts the reads answered 304 apart, beside the route\'s own count', async () => {
    const first = await v4('');
    emu.counters.reset();
    await v4('', { 'if-none-match': first.headers.etag! });
    await v4('', { 'if-none-match': '"stale"' });
    await v4('', { 'if-none-match': first.headers.etag! });
    expect(emu.counters.get('GET /api/v4/secrets')).toBe(3);
    expect(emu.counters.get('GET /api/v4/secrets 304')).toBe(2);
  });

  it('counts a 304 against the rate limit', async () => {
    const limited = await startEmulator({ clock, rateLimit: { secretsLimit: 2 } });
    try {
      const a = await setUpApp(limited);
      const bearer = await accessToken(limited, a.identityId);
      const get = (etag?: string) =>
        infisical(limited, 'GET', `/api/v4/secrets?projectId=${a.projectId}&environment=prod`, { token: bearer, headers: etag ? { 'if-none-match': etag } : {} });
      const first = await get();
      expect((await get(first.headers.etag)).status).toBe(304);
      expect((await get(first.headers.etag)).status).toBe(429);
    } finally {
      await limited.close();
    }
  });
});

const write = (method: string, body: Record<string, unknown>) =>
  infisical(emu, method, '/api/v3/secrets/raw/TRIMMED', { token: emu.admin.accessToken, body: { workspaceId: app.projectId, environment: 'dev', ...body } });

describe('Writes trim as the server does', () => {
  it('trims values (keeping one trailing newline) and comments on create and update', async () => {
    expect((await write('POST', { secretValue: '  a b  ', secretComment: ' why ' })).body.secret).toMatchObject({ secretValue: 'a b', secretComment: 'why' });
    expect((await write('PATCH', { secretValue: ' pem\n\n' })).body.secret).toMatchObject({ secretValue: 'pem\n', version: 2 });
  });
});
