/**
 * Every TypeScript snippet of the Kubernetes Auth guide (the seed), verbatim but for the URLs, the ids
 * and the token path, run against the emulator over loopback. The guide's "Create a Machine Identity"
 * client has no token: like the Infisical CLI, the client then reads INFISICAL_TOKEN (an admin token here).
 */
import { readFileSync } from "fs";
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InfisicalApiError, InfisicalClient } from 'node-infisical';
import { rejectionOf, useEmulator } from './helpers.js';

const env = useEmulator({}, { secrets: { DATABASE_URL: 'postgres://db/app', API_KEY: 'k-123' } });

/** The guide's "Authenticate" snippet, verbatim but for the identity id, run by the workload's own client. */
async function authenticate(client: InfisicalClient, identityId: string, serviceAccountToken: string): Promise<void> {
  await client.login({
    kubernetesAuth: {
      identityId: identityId,
      jwt: serviceAccountToken,
    },
  });
}

afterEach(() => {
  delete process.env.INFISICAL_TOKEN;
  delete process.env.INFISICAL_IDENTITY_ID;
  vi.restoreAllMocks();
});

describe('Seed: Kubernetes Auth guide', () => {
  it('3. Read the Token in Your Application', () => {
    const jwt = readFileSync(env.app().projected.path, "utf-8");
    // Or use the default mounted token:
    // const jwt = readFileSync("/var/run/secrets/kubernetes.io/serviceaccount/token", "utf-8");
    expect(jwt.split('.')).toHaveLength(3);
  });

  it('Create, Attach, Update, Get, Authenticate, Revoke', async () => {
    const emu = env.emu();
    process.env.INFISICAL_TOKEN = emu.admin.accessToken;
    const k8sCaCertPem = emu.kubernetes.caCert;
    const tokenReviewerJwt = emu.kubernetes.tokenReviewerJwt;
    const serviceAccountToken = readFileSync(env.app().projected.path, 'utf-8');

    // --- Create a Machine Identity
    const client = new InfisicalClient({
      baseUrl: emu.infisicalUrl,
    });

    const { identity } = await client.identities.create({
      name: "k8s-service-identity",
      organizationId: emu.organizationId,
    });
    expect(identity).toMatchObject({ name: 'k8s-service-identity', orgId: emu.organizationId });

    // --- Attach Kubernetes Auth Method
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
      expect(identityKubernetesAuth).toMatchObject({
        identityId: identity.id,
        kubernetesHost: emu.kubernetes.host,
        allowedNamespaces: 'default,production',
        allowedNames: 'infisical-auth',
        allowedAudience: 'infisical',
        accessTokenTTL: 2592000,
        accessTokenTrustedIps: [{ ipAddress: '0.0.0.0', type: 'ipv4', prefix: 0 }],
      });
    }

    // --- Update Kubernetes Auth
    {
      const { identityKubernetesAuth } = await client.identityAuth.kubernetes.update({
        identityId: identity.id,
        allowedNamespaces: "default,staging,production",
      });
      expect(identityKubernetesAuth.allowedNamespaces).toBe('default,staging,production');
      expect(identityKubernetesAuth.allowedNames).toBe('infisical-auth');
    }

    // --- Get Kubernetes Auth
    {
      const { identityKubernetesAuth } = await client.identityAuth.kubernetes.get({
        identityId: identity.id,
      });
      expect(identityKubernetesAuth.allowedNamespaces).toBe('default,staging,production');
    }

    // --- Authenticate (as the workload, with its own client)
    const pod = new InfisicalClient({ baseUrl: emu.infisicalUrl, accessToken: undefined });
    delete process.env.INFISICAL_TOKEN;
    await authenticate(pod, identity.id, serviceAccountToken);
    expect(pod.auth.accessToken).toMatch(/^eyJ/);
    expect(pod.auth.accessToken).not.toBe(emu.admin.accessToken);

    // --- Revoke Kubernetes Auth
    {
      const { identityKubernetesAuth } = await client.identityAuth.kubernetes.revoke({
        identityId: identity.id,
      });
      expect(identityKubernetesAuth.identityId).toBe(identity.id);
      expect(identityKubernetesAuth).not.toHaveProperty('tokenReviewerJwt');
    }
    const error = await rejectionOf(pod.login({ kubernetesAuth: { identityId: identity.id, jwt: serviceAccountToken } }));
    expect(error).toBeInstanceOf(InfisicalApiError);
    expect(error).toMatchObject({ status: 404, hint: expect.stringContaining('attach Kubernetes Auth') });
  });

  it('Login Response has the documented fields', async () => {
    const emu = env.emu();
    const client = new InfisicalClient({ baseUrl: emu.infisicalUrl });
    const response = await client.login({ kubernetesAuth: { identityId: env.app().identityId, jwt: readFileSync(env.app().projected.path, 'utf-8') } });
    expect(Object.keys(response).toSorted()).toEqual(['accessToken', 'accessTokenMaxTTL', 'expiresIn', 'tokenType']);
    expect(response).toMatchObject({ expiresIn: 3600, accessTokenMaxTTL: 86400, tokenType: 'Bearer' });
    expect(client.auth.accessToken).toBe(response.accessToken);
  });

  it('Full Working Example', async () => {
    const emu = env.emu();
    const project = emu.createProject({ name: 'full-example', environments: ['production'] });
    emu.setSecrets(project.id, 'production', { DATABASE_URL: 'postgres://db/prod', API_KEY: 'k-prod' });
    emu.addIdentityToProject(project.id, env.app().identityId, 'viewer');
    const tokenPath = env.app().projected.path;
    process.env.INFISICAL_IDENTITY_ID = env.app().identityId;
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);

    async function main() {
      const client = new InfisicalClient({
        baseUrl: emu.infisicalUrl,
      });

      // Read the projected service account token
      const jwt = readFileSync(tokenPath, "utf-8");

      await client.login({
        kubernetesAuth: {
          identityId: process.env.INFISICAL_IDENTITY_ID!,
          jwt,
        },
      });

      // Fetch secrets
      const secrets = await client.secrets.list({
        projectId: project.id,
        environment: "production",
        secretPath: "/",
      });

      for (const secret of secrets.secrets) {
        console.log(`${secret.secretKey}=${secret.secretValue}`);
      }
    }

    main().catch(console.error);

    await vi.waitFor(() => expect(lines.length + errors.mock.calls.length).toBeGreaterThanOrEqual(2), { timeout: 5_000, interval: 10 });
    expect(errors).not.toHaveBeenCalled();
    expect(lines.toSorted()).toEqual(['API_KEY=k-prod', 'DATABASE_URL=postgres://db/prod']);
  });
});
