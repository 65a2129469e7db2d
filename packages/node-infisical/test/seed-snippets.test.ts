/**
 * Every TypeScript snippet of the Kubernetes Auth guide (the seed), verbatim but for the URL, the ids
 * and the token path, run against the emulator over loopback.
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEmulator, provision, type Emulator, type Provisioned } from '@infisical-k8s/emulator';
import { InfisicalClient } from 'node-infisical';

let emu: Emulator;
let app: Provisioned;

beforeAll(async () => {
  emu = await startEmulator();
  app = await provision(emu, { secrets: { DATABASE_URL: 'postgres://db/app', API_KEY: 'k-123' } });
});
afterAll(async () => {
  await emu.close();
  await rm(app.projected.dir, { recursive: true, force: true });
});

/** An administrator's client: the seed's snippets assume one that is logged in. */
function adminClient(): InfisicalClient {
  return new InfisicalClient({ baseUrl: emu.infisicalUrl, accessToken: emu.admin.accessToken });
}

describe('Seed: Kubernetes Auth guide snippets', () => {
  it('3. Read the Token in Your Application', () => {
    // `import { readFileSync } from "fs";` — the token path points at the emulator's projected token.
    const jwt = readFileSync(app.projected.path, 'utf-8');
    expect(jwt.split('.')).toHaveLength(3);
  });

  it('Create a Machine Identity, Attach, Update, Get, Revoke, Authenticate', async () => {
    const client = adminClient();
    const k8sCaCertPem = emu.kubernetes.caCert;
    const tokenReviewerJwt = emu.kubernetes.tokenReviewerJwt;

    const { identity } = await client.identities.create({
      name: "k8s-service-identity",
      organizationId: emu.organizationId,
    });
    expect(identity.name).toBe('k8s-service-identity');

    {
      const { identityKubernetesAuth } = await client.identityAuth.kubernetes.attach({
        identityId: identity.id,
        kubernetesHost: emu.kubernetes.host,
        caCert: k8sCaCertPem,
        tokenReviewerJwt: tokenReviewerJwt,
        allowedNamespaces: "default,production",
        allowedNames: "infisical-auth",
        allowedAudience: "infisical",
        accessTokenTTL: 2592000,
        accessTokenMaxTTL: 2592000,
        accessTokenNumUsesLimit: 0,
        accessTokenTrustedIps: [{ ipAddress: "0.0.0.0/0" }],
      });
      expect(identityKubernetesAuth.allowedNamespaces).toBe('default,production');
      expect(identityKubernetesAuth.accessTokenTrustedIps).toEqual([{ ipAddress: '0.0.0.0', type: 'ipv4', prefix: 0 }]);
    }
    {
      const { identityKubernetesAuth } = await client.identityAuth.kubernetes.update({
        identityId: identity.id,
        allowedNamespaces: "default,staging,production",
      });
      expect(identityKubernetesAuth.allowedNamespaces).toBe('default,staging,production');
    }
    {
      const { identityKubernetesAuth } = await client.identityAuth.kubernetes.get({
        identityId: identity.id,
      });
      expect(identityKubernetesAuth.allowedNames).toBe('infisical-auth');
    }

    // Authenticate, as the identity, with the pod's service-account token.
    const serviceAccountToken = readFileSync(app.projected.path, 'utf-8');
    const pod = new InfisicalClient({ baseUrl: emu.infisicalUrl });
    await pod.login({
      kubernetesAuth: {
        identityId: identity.id,
        jwt: serviceAccountToken,
      },
    });
    expect(pod.auth.accessToken).toMatch(/^eyJ/);

    {
      const { identityKubernetesAuth } = await client.identityAuth.kubernetes.revoke({
        identityId: identity.id,
      });
      expect(identityKubernetesAuth.identityId).toBe(identity.id);
      expect(identityKubernetesAuth).not.toHaveProperty('tokenReviewerJwt');
    }
  });

  it('Login Response has the documented fields', async () => {
    const client = new InfisicalClient({ baseUrl: emu.infisicalUrl });
    const response = await client.login({ kubernetesAuth: { identityId: app.identityId, jwt: readFileSync(app.projected.path, 'utf-8') } });
    expect(Object.keys(response).toSorted()).toEqual(['accessToken', 'accessTokenMaxTTL', 'expiresIn', 'tokenType']);
    expect(response).toMatchObject({ expiresIn: 3600, accessTokenMaxTTL: 86400, tokenType: 'Bearer' });
  });

  it('Full Working Example', async () => {
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    process.env.INFISICAL_IDENTITY_ID = app.identityId;
    try {
      async function main() {
        const client = new InfisicalClient({
          baseUrl: emu.infisicalUrl,
        });

        // Read the projected service account token
        const jwt = readFileSync(app.projected.path, "utf-8");

        await client.login({
          kubernetesAuth: {
            identityId: process.env.INFISICAL_IDENTITY_ID!,
            jwt,
          },
        });

        // Fetch secrets
        const secrets = await client.secrets.list({
          projectId: app.projectId,
          environment: "prod",
          secretPath: "/",
        });

        for (const secret of secrets.secrets) {
          console.log(`${secret.secretKey}=${secret.secretValue}`);
        }
      }

      await main().catch(console.error);
      expect(errors).not.toHaveBeenCalled();
      expect(lines.toSorted()).toEqual(['API_KEY=k-123', 'DATABASE_URL=postgres://db/app']);
    } finally {
      log.mockRestore();
      errors.mockRestore();
      delete process.env.INFISICAL_IDENTITY_ID;
    }
  });
});
