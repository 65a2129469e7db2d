// The 2.3.5 peer against Infisical served over HTTPS by a private CA (the emulator's), as a self-hosted server
// often is. Its Rust core verifies with the platform verifier: the CA file given as `sslCertificatePath` is not
// trusted (UnknownIssuer), while the same file as SSL_CERT_FILE is. Its own file: SSL_CERT_FILE is process-wide.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATIONS, startGeneration } from './generations.js';
import { LEGACY_UNSUPPORTED, legacyClientClass } from './legacy-native.js';

describe.skipIf(LEGACY_UNSUPPORTED !== undefined)(`@infisical/sdk 2.3.5 over HTTPS with a private CA${LEGACY_UNSUPPORTED ? ` [skipped: ${LEGACY_UNSUPPORTED}]` : ''}`, () => {
  describe.each(GENERATIONS)('against the %s generation', (generation) => {
    let emu: Emulator;
    let app: Provisioned;
    let caPath: string;
    const previous = process.env.SSL_CERT_FILE;

    beforeAll(async () => {
      emu = await startGeneration(generation, { infisicalTls: true });
      app = await provision(emu, { secrets: { GREETING: 'hello over tls' } });
      caPath = join(await mkdtemp(join(tmpdir(), 'peers-ca-')), 'ca.pem');
      await writeFile(caPath, emu.caCert);
    });
    afterAll(async () => {
      if (previous === undefined) delete process.env.SSL_CERT_FILE;
      else process.env.SSL_CERT_FILE = previous;
      await app?.projected.stop();
      await emu?.close();
      if (caPath) await rm(dirname(caPath), { recursive: true, force: true });
      if (app) await rm(app.projected.dir, { recursive: true, force: true });
    });

    it('sslCertificatePath alone: the certificate is refused as UnknownIssuer before any request is answered', async () => {
      expect(emu.infisicalUrl.startsWith('https://')).toBe(true);
      const InfisicalClient = legacyClientClass();
      const sdk = new InfisicalClient({ siteUrl: emu.infisicalUrl, sslCertificatePath: caPath, cacheTtl: 0, auth: { kubernetes: { identityId: app.identityId, serviceAccountTokenPath: app.projected.path } } });
      await expect(sdk.listSecrets({ projectId: app.projectId, environment: 'prod' })).rejects.toThrow('invalid peer certificate: UnknownIssuer');
      expect(emu.counters.get('POST /api/v1/auth/kubernetes-auth/login')).toBe(0);
    });

    it('SSL_CERT_FILE naming the CA: Kubernetes Auth login and list over HTTPS', async () => {
      process.env.SSL_CERT_FILE = caPath;
      const InfisicalClient = legacyClientClass();
      const sdk = new InfisicalClient({ siteUrl: emu.infisicalUrl, cacheTtl: 0, auth: { kubernetes: { identityId: app.identityId, serviceAccountTokenPath: app.projected.path } } });
      const secrets = await sdk.listSecrets({ projectId: app.projectId, environment: 'prod' });
      expect(secrets.map((s) => [s.secretKey, s.secretValue])).toEqual([['GREETING', 'hello over tls']]);
    });
  });
});
