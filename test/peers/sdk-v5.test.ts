// A peer nobody here wrote: the official `@infisical/sdk` 5.0.2, installed from the registry, against both
// server generations of the emulator. Every expectation is what a real Infisical answers the same SDK call
// (values, shapes, statuses and the SDK's own error text built from the server's message).
import { InfisicalSDK, SecretType, type Secret } from '@infisical/sdk';
import type { Emulator } from '@infisical-k8s/emulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GENERATIONS, manualClock, startGeneration } from './generations.js';

const MINUTE = 60_000;
const DAY_MS = 86_400_000;
/** The project schema grew `type` and `description` after 2024; an October 2024 server answers neither. */
const CURRENT_PROJECT_FIELDS = { current: { type: 'secret-manager', description: 'made by the official sdk' }, '2024': {} } as const;
const UA_TTL = 2_592_000; // the Universal Auth defaults: 30 days TTL and max TTL

function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

const byKey = (secrets: readonly Secret[]) => Object.fromEntries(secrets.map((s) => [`${s.secretPath ?? ''}:${s.secretKey}`, s.secretValue]));

/** The SDK's InfisicalSDKRequestError text: `[URL=<url and query>] [Method=..] [StatusCode=..] <server message>`. */
function requestError(emu: Emulator, method: string, path: string, status: number, message: string): RegExp {
  return new RegExp(`^\\[URL=${escape(new URL(path, emu.infisicalUrl).href)}[^\\]]*\\] \\[Method=${method}\\] \\[StatusCode=${status}\\] ${escape(message)}$`);
}
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe.each(GENERATIONS)('@infisical/sdk 5.0.2 against the %s generation', (generation) => {
  const clock = manualClock();
  let emu: Emulator;
  let sdk: InfisicalSDK;
  let projectId: string;

  const seededAt = clock.t;
  beforeAll(async () => {
    emu = await startGeneration(generation, { clock });
    const project = emu.createProject({ name: 'peers' });
    projectId = project.id;
    emu.setSecrets(projectId, 'prod', { DB_HOST: 'db.internal', DB_URL: 'postgres://${DB_HOST}/app', FEATURE: 'on' });
    emu.setSecrets(projectId, 'prod', { STRIPE_KEY: 'sk_peers' }, '/billing');
    emu.setSecrets(projectId, 'prod', { VAT_RATE: '21' }, '/billing/eu');
    emu.setSecrets(projectId, 'dev', { SHARED_TOKEN: 'shared-1' }, '/shared');
    emu.addImport({ projectId, environment: 'prod', importEnvironment: 'dev', importPath: '/shared' });
    sdk = await new InfisicalSDK({ siteUrl: emu.infisicalUrl }).auth().universalAuth.login({ clientId: emu.admin.clientId, clientSecret: emu.admin.clientSecret });
  });
  // A minute between tests: the 2024 generation rate-limits per IP per minute (40 secret calls) on this clock.
  beforeEach(() => {
    clock.t += MINUTE;
  });
  afterAll(() => emu?.close());

  describe('universal-auth', () => {
    it('login keeps the access token the server issued (30-day Universal Auth TTL)', () => {
      const token = sdk.auth().getAccessToken();
      expect(token).toEqual(expect.any(String));
      const c = claims(token!);
      // The claims a real Universal Auth token carries: identityId, clientSecretId, identityAccessTokenId, authTokenType.
      expect(c).toMatchObject({ identityId: emu.admin.identityId, identityAccessTokenId: expect.any(String), authTokenType: 'identityAccessToken' });
      expect(Number(c.exp) - Number(c.iat)).toBe(UA_TTL);
      expect(emu.counters.get('POST /api/v1/auth/universal-auth/login')).toBeGreaterThanOrEqual(1);
    });

    it('a wrong client secret is the server 401 "Invalid credentials"', async () => {
      const login = new InfisicalSDK({ siteUrl: emu.infisicalUrl }).auth().universalAuth.login({ clientId: emu.admin.clientId, clientSecret: 'not-the-secret' });
      await expect(login).rejects.toThrow(requestError(emu, 'POST', '/api/v1/auth/universal-auth/login', 401, 'Invalid credentials'));
    });

    it('renew right after login gives a working token for the rest of the max TTL', async () => {
      const fresh = await new InfisicalSDK({ siteUrl: emu.infisicalUrl }).auth().universalAuth.login({ clientId: emu.admin.clientId, clientSecret: emu.admin.clientSecret });
      const before = fresh.auth().getAccessToken()!;
      const renewed = await fresh.auth().universalAuth.renew();
      const after = renewed.auth().getAccessToken()!;
      expect(claims(after).identityAccessTokenId).toBe(claims(before).identityAccessTokenId);
      expect(Number(claims(after).exp)).toBe(Number(claims(before).exp));
      const list = await renewed.secrets().listSecrets({ projectId, environment: 'prod' });
      expect(list.secrets.map((s) => s.secretKey).toSorted()).toEqual(['DB_HOST', 'DB_URL', 'FEATURE']);
    });

    it.runIf(generation === 'current')('renew a day later gives a new JWT that ends where the max-TTL budget ends', async () => {
      const fresh = await new InfisicalSDK({ siteUrl: emu.infisicalUrl }).auth().universalAuth.login({ clientId: emu.admin.clientId, clientSecret: emu.admin.clientSecret });
      const before = fresh.auth().getAccessToken()!;
      clock.t += DAY_MS;
      const after = await fresh.auth().universalAuth.renew().finally(() => (clock.t -= DAY_MS));
      const renewed = after.auth().getAccessToken()!;
      expect(Number(claims(renewed).exp)).toBe(Number(claims(before).iat) + UA_TTL);
      expect(Number(claims(renewed).iat)).toBe(Number(claims(before).iat) + DAY_MS / 1000);
    });

    it.runIf(generation === '2024')('renew a day later is refused: classic renewal never goes past createdAt + max TTL (here TTL = max TTL)', async () => {
      const fresh = await new InfisicalSDK({ siteUrl: emu.infisicalUrl }).auth().universalAuth.login({ clientId: emu.admin.clientId, clientSecret: emu.admin.clientSecret });
      clock.t += DAY_MS;
      const renew = fresh.auth().universalAuth.renew().finally(() => (clock.t -= DAY_MS));
      await expect(renew).rejects.toThrow(requestError(emu, 'POST', '/api/v1/auth/token/renew', 401, 'Failed to renew MI access token past its Max TTL expiration'));
    });
  });

  describe('secrets: list', () => {
    it('defaults: the root folder, references expanded, values visible', async () => {
      const res = await sdk.secrets().listSecrets({ projectId, environment: 'prod' });
      expect(byKey(res.secrets)).toEqual({ '/:DB_HOST': 'db.internal', '/:DB_URL': 'postgres://db.internal/app', '/:FEATURE': 'on' });
      const first = res.secrets.find((s) => s.secretKey === 'FEATURE')!;
      expect(first).toMatchObject({ id: expect.any(String), workspace: projectId, environment: 'prod', type: 'shared', version: 1, secretValueHidden: false, secretComment: '', tags: [] });
      expect(first.createdAt).toBe(new Date(seededAt).toISOString());
    });

    it('every option: secretPath, recursive, expandSecretReferences=false, includeImports, attachToProcessEnv', async () => {
      const keys = ['DB_HOST', 'DB_URL', 'FEATURE', 'STRIPE_KEY', 'VAT_RATE', 'SHARED_TOKEN'];
      try {
        const res = await sdk.secrets().listSecrets({
          projectId,
          environment: 'prod',
          secretPath: '/',
          recursive: true,
          expandSecretReferences: false,
          includeImports: true,
          viewSecretValue: true,
          attachToProcessEnv: true,
        });
        expect(byKey(res.secrets)).toMatchObject({
          '/:DB_HOST': 'db.internal',
          '/:DB_URL': 'postgres://${DB_HOST}/app',
          '/:FEATURE': 'on',
          '/billing:STRIPE_KEY': 'sk_peers',
          '/billing/eu:VAT_RATE': '21',
        });
        expect(res.imports).toEqual([{ secretPath: '/shared', environment: 'dev', folderId: expect.any(String), secrets: [expect.objectContaining({ secretKey: 'SHARED_TOKEN', secretValue: 'shared-1' })] }]);
        expect(process.env.STRIPE_KEY).toBe('sk_peers');
        expect(process.env.SHARED_TOKEN).toBe('shared-1');
        expect(process.env.DB_URL).toBe('postgres://${DB_HOST}/app');
      } finally {
        for (const key of keys) delete process.env[key];
      }
    });

    it('a sub-folder alone, not recursive', async () => {
      const res = await sdk.secrets().listSecrets({ projectId, environment: 'prod', secretPath: '/billing', recursive: false });
      expect(byKey(res.secrets)).toEqual({ '/billing:STRIPE_KEY': 'sk_peers' });
    });

    it('viewSecretValue=false hides every value', async () => {
      const res = await sdk.secrets().listSecrets({ projectId, environment: 'prod', viewSecretValue: false });
      expect(res.secrets).toHaveLength(3);
      for (const secret of res.secrets) expect(secret).toMatchObject({ secretValue: '<hidden-by-infisical>', secretValueHidden: true });
    });

    it('tagSlugs filters: no secret carries the tag, so the list is empty', async () => {
      const res = await sdk.secrets().listSecrets({ projectId, environment: 'prod', tagSlugs: ['backend'] });
      expect(res.secrets).toEqual([]);
    });

    it('a missing folder is 200 with no secrets', async () => {
      const res = await sdk.secrets().listSecrets({ projectId, environment: 'prod', secretPath: '/nowhere' });
      expect(res.secrets).toEqual([]);
    });

    it('listSecretsWithImports merges the imported secrets under their import path', async () => {
      const secrets = await sdk.secrets().listSecretsWithImports({ projectId, environment: 'prod' });
      expect(byKey(secrets)).toEqual({ '/:DB_HOST': 'db.internal', '/:DB_URL': 'postgres://db.internal/app', '/:FEATURE': 'on', '/shared:SHARED_TOKEN': 'shared-1' });
    });

    it('a project the caller cannot see is a 404 naming it', async () => {
      const missing = '00000000-0000-4000-8000-000000000000';
      await expect(sdk.secrets().listSecrets({ projectId: missing, environment: 'prod' })).rejects.toThrow(
        requestError(emu, 'GET', '/api/v3/secrets/raw', 404, `Project with ID '${missing}' not found`),
      );
    });
  });

  describe('secrets: get', () => {
    it('defaults: references expanded', async () => {
      const secret = await sdk.secrets().getSecret({ projectId, environment: 'prod', secretName: 'DB_URL' });
      expect(secret).toMatchObject({ secretKey: 'DB_URL', secretValue: 'postgres://db.internal/app', workspace: projectId, environment: 'prod', type: 'shared', version: 1, secretValueHidden: false });
    });

    it('every option: secretPath, type, expandSecretReferences=false, viewSecretValue', async () => {
      const raw = await sdk.secrets().getSecret({ projectId, environment: 'prod', secretName: 'DB_URL', expandSecretReferences: false, type: SecretType.Shared, secretPath: '/' });
      expect(raw.secretValue).toBe('postgres://${DB_HOST}/app');
      const nested = await sdk.secrets().getSecret({ projectId, environment: 'prod', secretName: 'VAT_RATE', secretPath: '/billing/eu', viewSecretValue: true });
      expect(nested).toMatchObject({ secretKey: 'VAT_RATE', secretValue: '21', secretPath: '/billing/eu' });
      const hidden = await sdk.secrets().getSecret({ projectId, environment: 'prod', secretName: 'VAT_RATE', secretPath: '/billing/eu', viewSecretValue: false });
      expect(hidden).toMatchObject({ secretValue: '<hidden-by-infisical>', secretValueHidden: true });
    });

    it('version reads an older value', async () => {
      emu.setSecret({ projectId, environment: 'prod', secretPath: '/versions', key: 'ROTATING', value: 'first' });
      emu.setSecret({ projectId, environment: 'prod', secretPath: '/versions', key: 'ROTATING', value: 'second' });
      const latest = await sdk.secrets().getSecret({ projectId, environment: 'prod', secretPath: '/versions', secretName: 'ROTATING' });
      expect(latest).toMatchObject({ secretValue: 'second', version: 2 });
      const old = await sdk.secrets().getSecret({ projectId, environment: 'prod', secretPath: '/versions', secretName: 'ROTATING', version: 1 });
      expect(old).toMatchObject({ secretValue: 'first', version: 1 });
    });

    it('includeImports is sent camelCase, which the server ignores: an imported name is 404', async () => {
      await expect(sdk.secrets().getSecret({ projectId, environment: 'prod', secretName: 'SHARED_TOKEN', includeImports: true })).rejects.toThrow(
        requestError(emu, 'GET', '/api/v3/secrets/raw/SHARED_TOKEN', 404, "Secret with name 'SHARED_TOKEN' not found"),
      );
    });
  });

  describe('secrets: create, update, delete (v3 raw routes)', () => {
    it('create, rename with a new value, delete, then the name is gone', async () => {
      const created = await sdk.secrets().createSecret('PEER_NEW', { projectId, environment: 'staging', secretPath: '/', secretValue: 'v1', secretComment: 'made by the sdk', type: SecretType.Shared });
      expect(created.secret).toMatchObject({ secretKey: 'PEER_NEW', secretValue: 'v1', secretComment: 'made by the sdk', version: 1, type: 'shared', workspace: projectId, environment: 'staging' });

      await expect(sdk.secrets().createSecret('PEER_NEW', { projectId, environment: 'staging', secretValue: 'again' })).rejects.toThrow(
        requestError(emu, 'POST', '/api/v3/secrets/raw/PEER_NEW', 400, 'Secret already exist'),
      );

      const updated = await sdk.secrets().updateSecret('PEER_NEW', { projectId, environment: 'staging', secretValue: 'v2', secretComment: 'updated' });
      expect(updated.secret).toMatchObject({ secretKey: 'PEER_NEW', secretValue: 'v2', secretComment: 'updated', version: 2 });

      const renamed = await sdk.secrets().updateSecret('PEER_NEW', { projectId, environment: 'staging', newSecretName: 'PEER_RENAMED' });
      expect(renamed.secret).toMatchObject({ secretKey: 'PEER_RENAMED', version: 3 });
      const listed = await sdk.secrets().listSecrets({ projectId, environment: 'staging' });
      expect(byKey(listed.secrets)).toEqual({ '/:PEER_RENAMED': 'v2' });

      const deleted = await sdk.secrets().deleteSecret('PEER_RENAMED', { projectId, environment: 'staging', secretPath: '/', type: SecretType.Shared });
      expect(deleted.secret).toMatchObject({ secretKey: 'PEER_RENAMED', secretValue: 'v2' });
      await expect(sdk.secrets().getSecret({ projectId, environment: 'staging', secretName: 'PEER_RENAMED' })).rejects.toThrow(
        requestError(emu, 'GET', '/api/v3/secrets/raw/PEER_RENAMED', 404, "Secret with name 'PEER_RENAMED' not found"),
      );
    });

    it('every write option the server stores: tagIds, skipMultilineEncoding; then tagSlugs filters on the tag', async () => {
      emu.setSecret({ projectId, environment: 'dev', key: 'TAGGED', value: 't', tags: ['backend'] });
      const seeded = await sdk.secrets().getSecret({ projectId, environment: 'dev', secretName: 'TAGGED' });
      // The SDK types `tags` as string[]; the server answers tag objects.
      const backend = (seeded.tags as unknown as Array<{ id: string; slug: string }>).find((tag) => tag.slug === 'backend')!;
      const created = await sdk.secrets().createSecret('MULTI', { projectId, environment: 'dev', secretValue: 'line1\nline2', skipMultilineEncoding: true, tagIds: [backend.id] });
      expect(created.secret).toMatchObject({ secretKey: 'MULTI', secretValue: 'line1\nline2', skipMultilineEncoding: true, tags: [expect.objectContaining({ id: backend.id, slug: 'backend' })] });
      const updated = await sdk.secrets().updateSecret('MULTI', { projectId, environment: 'dev', skipMultilineEncoding: false, tagIds: [] });
      expect(updated.secret).toMatchObject({ skipMultilineEncoding: false, tags: [], version: 2 });
      const tagged = await sdk.secrets().listSecrets({ projectId, environment: 'dev', tagSlugs: ['backend'] });
      expect(tagged.secrets.map((secret) => secret.secretKey)).toEqual(['TAGGED']);
    });

    it('update of a name that does not exist is the bridge service 404 (a current server names it, unquoted)', async () => {
      const message = { current: 'Secret with name NEVER_MADE not found', '2024': 'Secret not found' }[generation];
      await expect(sdk.secrets().updateSecret('NEVER_MADE', { projectId, environment: 'staging', secretValue: 'x' })).rejects.toThrow(
        requestError(emu, 'PATCH', '/api/v3/secrets/raw/NEVER_MADE', 404, message),
      );
    });

    it('delete of a name that does not exist is a 404 "Secret not found"', async () => {
      await expect(sdk.secrets().deleteSecret('NEVER_MADE', { projectId, environment: 'staging' })).rejects.toThrow(requestError(emu, 'DELETE', '/api/v3/secrets/raw/NEVER_MADE', 404, 'Secret not found'));
    });

    it('an update without secretValue answers secretValue "" and secretComment "" (the server echoes its input)', async () => {
      await sdk.secrets().createSecret('ECHO', { projectId, environment: 'staging', secretValue: 'kept', secretComment: 'kept too' });
      const renamed = await sdk.secrets().updateSecret('ECHO', { projectId, environment: 'staging', newSecretName: 'ECHOED' });
      expect(renamed.secret).toMatchObject({ secretKey: 'ECHOED', secretValue: '', secretComment: '', version: 2 });
      const stored = await sdk.secrets().getSecret({ projectId, environment: 'staging', secretName: 'ECHOED' });
      expect(stored).toMatchObject({ secretValue: 'kept', secretComment: 'kept too' });
    });
  });

  describe('folders', () => {
    it('create a folder, list the folders of a path (not their children), and write a secret into it', async () => {
      const folder = await sdk.folders().create({ projectId, environment: 'prod', path: '/', name: 'payments' });
      expect(folder).toMatchObject({ id: expect.any(String), name: 'payments', envId: expect.any(String), version: 1, isReserved: false });

      const top = await sdk.folders().listFolders({ projectId, environment: 'prod', path: '/' });
      expect(top.map((f) => f.name)).toEqual(expect.arrayContaining(['billing', 'payments']));
      expect(top.map((f) => f.name)).not.toContain('eu');
      const billing = await sdk.folders().listFolders({ projectId, environment: 'prod', path: '/billing' });
      expect(billing.map((f) => f.name)).toEqual(['eu']);

      await sdk.secrets().createSecret('CARD_KEY', { projectId, environment: 'prod', secretPath: '/payments', secretValue: 'card-1' });
      const res = await sdk.secrets().listSecrets({ projectId, environment: 'prod', secretPath: '/payments' });
      expect(byKey(res.secrets)).toEqual({ '/payments:CARD_KEY': 'card-1' });
    });

    it.runIf(generation === 'current')('create keeps the description and answers the path; recursive lists every folder below', async () => {
      const folder = await sdk.folders().create({ projectId, environment: 'prod', path: '/billing', name: 'invoices', description: 'monthly invoices' });
      expect(folder).toMatchObject({ name: 'invoices', description: 'monthly invoices', path: '/billing/invoices' });
      const deep = await sdk.folders().listFolders({ projectId, environment: 'prod', path: '/', recursive: true });
      expect(deep.map((f) => f.name)).toEqual(expect.arrayContaining(['billing', 'eu', 'invoices', 'payments']));
    });

    it.runIf(generation === '2024')('a 2024 server answers the folder without description or path, and lists only children when asked for recursive', async () => {
      const folder = await sdk.folders().create({ projectId, environment: 'prod', path: '/billing', name: 'invoices', description: 'monthly invoices' });
      expect(folder).toMatchObject({ name: 'invoices' });
      expect(folder).not.toHaveProperty('description');
      expect(folder).not.toHaveProperty('path');
      const listed = await sdk.folders().listFolders({ projectId, environment: 'prod', path: '/', recursive: true });
      expect(listed.map((f) => f.name)).not.toContain('eu');
    });
  });

  describe('environments', () => {
    it('create an environment and use it', async () => {
      const environment = await sdk.environments().create({ projectId, name: 'QA', slug: 'qa', position: 4 });
      expect(environment).toMatchObject({ id: expect.any(String), name: 'QA', slug: 'qa', position: 4, projectId });
      await sdk.secrets().createSecret('QA_ONLY', { projectId, environment: 'qa', secretValue: 'qa-1' });
      const res = await sdk.secrets().listSecrets({ projectId, environment: 'qa' });
      expect(byKey(res.secrets)).toEqual({ '/:QA_ONLY': 'qa-1' });
    });
  });

  describe('projects', () => {
    it('create a project; it starts with the default environments and no secrets', async () => {
      const project = await sdk.projects().create({ projectName: 'peer made', type: 'secret-manager', projectDescription: 'made by the official sdk', slug: 'peer-made' });
      expect(project).toMatchObject({ id: expect.any(String), name: 'peer made', slug: 'peer-made', ...CURRENT_PROJECT_FIELDS[generation] });
      expect('type' in project).toBe(generation === 'current');
      for (const environment of ['dev', 'staging', 'prod']) {
        const res = await sdk.secrets().listSecrets({ projectId: project.id, environment });
        expect(res.secrets).toEqual([]);
      }
    });
  });
});
