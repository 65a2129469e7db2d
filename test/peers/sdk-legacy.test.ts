// A peer nobody here wrote: the older `@infisical/sdk` 2.3.5 (Rust core, native addon), installed from the
// registry under the alias `infisical-sdk-legacy`, logging in with Kubernetes Auth from a kubelet-style projected
// token file and reading secrets, against both server generations. What it sends on the wire (a form-encoded
// login body, a JSON body on GET) is its own; every expectation is what a real Infisical answers it.
import { rm } from 'node:fs/promises';
import { provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATIONS, startGeneration } from './generations.js';
import { LEGACY_UNSUPPORTED, legacyClientClass, type LegacyClient } from './legacy-native.js';

const SECRETS = { DB_HOST: 'db.internal', DB_URL: 'postgres://${DB_HOST}/app' };

it.runIf(LEGACY_UNSUPPORTED !== undefined && process.env.CI === 'true')('CI runs the 2.3.5 peer: its native addon must load here', () => {
  expect(LEGACY_UNSUPPORTED).toBeUndefined();
});

describe.skipIf(LEGACY_UNSUPPORTED !== undefined)(`@infisical/sdk 2.3.5 (native core)${LEGACY_UNSUPPORTED ? ` [skipped: ${LEGACY_UNSUPPORTED}]` : ''}`, () => {
  describe.each(GENERATIONS)('against the %s generation', (generation) => {
    let emu: Emulator;
    let app: Provisioned;

    /** A client of the SDK as an app on Kubernetes builds it: site URL, identity id and the token file. */
    const client = (identityId: string, tokenPath: string): LegacyClient => {
      const InfisicalClient = legacyClientClass();
      // cacheTtl 0: every call reaches the server, so each one is the server's answer, not the SDK's cache.
      return new InfisicalClient({ siteUrl: emu.infisicalUrl, cacheTtl: 0, auth: { kubernetes: { identityId, serviceAccountTokenPath: tokenPath } } });
    };

    beforeAll(async () => {
      emu = await startGeneration(generation);
      app = await provision(emu, { secrets: SECRETS });
      emu.setSecrets(app.projectId, 'prod', { VAT_RATE: '21' }, '/billing');
      emu.setSecrets(app.projectId, 'dev', { SHARED_TOKEN: 'shared-1' }, '/shared');
      emu.addImport({ projectId: app.projectId, environment: 'prod', importEnvironment: 'dev', importPath: '/shared' });
      emu.counters.reset();
    });
    afterAll(async () => {
      await app?.projected.stop();
      await emu?.close();
      if (app) await rm(app.projected.dir, { recursive: true, force: true });
    });

    const row = (secretKey: string, secretValue: string, secretPath = '/', environment = 'prod') => ({
      environment,
      secretKey,
      secretValue,
      secretPath,
      secretComment: '',
      type: 'shared',
      version: 1,
      workspace: app.projectId,
      isFallback: false,
    });

    it('Kubernetes Auth login from the projected token file, then list (references expanded by default)', async () => {
      const sdk = client(app.identityId, app.projected.path);
      const secrets = await sdk.listSecrets({ projectId: app.projectId, environment: 'prod' });
      expect(secrets.toSorted((a, b) => a.secretKey.localeCompare(b.secretKey))).toEqual([row('DB_HOST', 'db.internal'), row('DB_URL', 'postgres://db.internal/app')]);
      expect(emu.counters.get('POST /api/v1/auth/kubernetes-auth/login')).toBe(1);
      expect(emu.counters.get('GET /api/v3/secrets/raw')).toBe(1);
    });

    it('list with path, recursive, includeImports (merged in), expandSecretReferences=false, attachToProcessEnv', async () => {
      const sdk = client(app.identityId, app.projected.path);
      try {
        const secrets = await sdk.listSecrets({ projectId: app.projectId, environment: 'prod', path: '/', recursive: true, includeImports: true, expandSecretReferences: false, attachToProcessEnv: true });
        expect(secrets.toSorted((a, b) => a.secretKey.localeCompare(b.secretKey))).toEqual([
          row('DB_HOST', 'db.internal'),
          row('DB_URL', 'postgres://${DB_HOST}/app'),
          row('SHARED_TOKEN', 'shared-1', '/shared', 'dev'),
          row('VAT_RATE', '21', '/billing'),
        ]);
        expect(process.env.VAT_RATE).toBe('21');
        expect(process.env.SHARED_TOKEN).toBe('shared-1');
      } finally {
        for (const key of ['DB_HOST', 'DB_URL', 'SHARED_TOKEN', 'VAT_RATE']) delete process.env[key];
      }
    });

    it('get by name (one login for several calls), in a sub-folder with a type, and an unknown name', async () => {
      const sdk = client(app.identityId, app.projected.path);
      const before = emu.counters.get('POST /api/v1/auth/kubernetes-auth/login');
      // The 2.3.5 get sends no expandSecretReferences, and the v3 single-secret route does not expand by default.
      expect(await sdk.getSecret({ projectId: app.projectId, environment: 'prod', secretName: 'DB_URL' })).toEqual(row('DB_URL', 'postgres://${DB_HOST}/app'));
      expect(await sdk.getSecret({ projectId: app.projectId, environment: 'prod', secretName: 'VAT_RATE', path: '/billing', type: 'shared' })).toEqual(row('VAT_RATE', '21', '/billing'));
      await expect(sdk.getSecret({ projectId: app.projectId, environment: 'prod', secretName: 'NOPE' })).rejects.toThrow("Secret with name 'NOPE' not found.");
      expect(emu.counters.get('POST /api/v1/auth/kubernetes-auth/login') - before).toBe(1);
    });

    it('a refused Kubernetes login (namespace not allowed) reads no secret', async () => {
      const refused = await provision(emu, { allowedNamespaces: 'production' });
      try {
        const sdk = client(refused.identityId, refused.projected.path);
        const reads = emu.counters.get('GET /api/v3/secrets/raw');
        await expect(sdk.listSecrets({ projectId: refused.projectId, environment: 'prod' })).rejects.toThrow('Access denied: K8s namespace not allowed.');
        expect(emu.counters.get('GET /api/v3/secrets/raw')).toBe(reads);
      } finally {
        await refused.projected.stop();
        await rm(refused.projected.dir, { recursive: true, force: true });
      }
    });
  });
});
