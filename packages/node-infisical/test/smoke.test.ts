import { describe, expect, it } from 'vitest';
import { startEmulator, provision } from '@infisical-k8s/emulator';
import { InfisicalClient } from 'node-infisical';
import { readFileSync } from 'node:fs';

describe('smoke', () => {
  it('logs in and lists', async () => {
    const emu = await startEmulator();
    try {
      const app = await provision(emu, { secrets: { A: '1' } });
      const client = new InfisicalClient({ baseUrl: emu.infisicalUrl });
      const r = await client.login({ kubernetesAuth: { identityId: app.identityId, jwt: readFileSync(app.projected.path, 'utf8') } });
      expect(r.tokenType).toBe('Bearer');
      const { secrets } = await client.secrets.list({ projectId: app.projectId, environment: 'prod', secretPath: '/' });
      expect(secrets.map((s) => [s.secretKey, s.secretValue])).toEqual([['A', '1']]);
    } finally {
      await emu.close();
    }
  });
});
