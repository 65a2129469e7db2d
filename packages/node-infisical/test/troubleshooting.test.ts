/**
 * The seed's troubleshooting table, row by row, as the errors this client raises against the emulator
 * ("Token not mounted" is about reading the file, which core owns). Where the table says 403 for a
 * refused namespace or name, the server answers 401 with a message: the tests follow the server.
 */
import { rootCertificates } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { InfisicalApiError, isTokenError, type InfisicalClient } from 'node-infisical';
import { adminFor, clientFor, rejectionOf, useEmulator } from './helpers.js';

let offsetMs = 0;
const env = useEmulator({ clock: { now: () => Date.now() + offsetMs } });

async function loginWith(jwt: string, client: InfisicalClient = clientFor(env.emu())): Promise<InfisicalApiError> {
  const error = await rejectionOf(client.login({ kubernetesAuth: { identityId: env.app().identityId, jwt } }));
  expect(error).toBeInstanceOf(InfisicalApiError);
  return error as InfisicalApiError;
}

describe('Troubleshooting: 401 Unauthorized (invalid or expired service-account token)', () => {
  it('an expired projected token is refused by the TokenReview, verbatim', async () => {
    const jwt = env.emu().kubernetes.issueToken({ expirationSeconds: 600 });
    offsetMs = 700_000;
    try {
      const error = await loginWith(jwt);
      expect(error).toMatchObject({ status: 401, code: 'HTTP_401', serverError: 'KubernetesTokenReviewError' });
      expect(error.serverMessage).toBe('[invalid bearer token, service account token has expired]');
      expect(error.hint).toContain('re-read the projected token file');
      expect(error.message).toContain('Fix:');
    } finally {
      offsetMs = 0;
    }
  });

  it('a token signed by another cluster is refused', async () => {
    const error = await loginWith(env.emu().kubernetes.issueToken({ signedWith: 'foreign' }));
    expect(error).toMatchObject({ status: 401, serverError: 'KubernetesTokenReviewError' });
    expect(error.serverMessage).toMatch(/^\[invalid bearer token/);
  });
});

describe('Troubleshooting: namespace or service-account name not allowed (server: 401)', () => {
  it('a namespace outside allowedNamespaces', async () => {
    const error = await loginWith(env.emu().kubernetes.issueToken({ namespace: 'staging' }));
    expect(error).toMatchObject({ status: 401, serverError: 'UnauthorizedError', serverMessage: 'Access denied: K8s namespace not allowed.' });
    expect(error.hint).toContain('allowedNamespaces');
  });

  it('a service-account name outside allowedNames', async () => {
    const error = await loginWith(env.emu().kubernetes.issueToken({ name: 'someone-else' }));
    expect(error).toMatchObject({ status: 401, serverError: 'UnauthorizedError', serverMessage: 'Access denied: K8s name not allowed.' });
    expect(error.hint).toContain('allowedNames');
  });
});

describe('Troubleshooting: audience mismatch', () => {
  it('a projected token for another audience', async () => {
    const error = await loginWith(env.emu().kubernetes.issueToken({ audience: 'vault' }));
    expect(error).toMatchObject({ status: 401, serverError: 'KubernetesTokenReviewError' });
    expect(error.serverMessage).toContain('audiences');
    expect(error.hint).toContain('allowedAudience');
  });
});

describe('Troubleshooting: token review fails (reviewer JWT expired or wrong)', () => {
  it('at login, when the reviewer lost system:auth-delegator', async () => {
    const emu = env.emu();
    emu.kubernetes.unbindAuthDelegator('default', 'infisical-token-reviewer');
    try {
      const error = await loginWith(env.app().projected.current());
      expect(error).toMatchObject({ status: 401, serverError: 'KubernetesTokenReviewerForbidden' });
      expect(error.hint).toContain('system:auth-delegator');
      expect(isTokenError(error)).toBe(true);
    } finally {
      emu.kubernetes.bindAuthDelegator('default', 'infisical-token-reviewer');
    }
  });

  it('at attach, when the reviewer JWT is not one the cluster accepts', async () => {
    const emu = env.emu();
    const admin = adminFor(emu);
    const { identity } = await admin.identities.create({ name: 'bad-reviewer', organizationId: emu.organizationId });
    const error = (await rejectionOf(
      admin.identityAuth.kubernetes.attach({
        identityId: identity.id,
        kubernetesHost: emu.kubernetes.host,
        caCert: emu.kubernetes.caCert,
        tokenReviewerJwt: emu.kubernetes.issueToken({ namespace: 'default', name: 'infisical-token-reviewer', signedWith: 'foreign' }),
      }),
    )) as InfisicalApiError;
    expect(error).toMatchObject({ status: 400, serverError: 'TokenReviewerPermissionError' });
    expect(error.hint).toContain('kubectl create token infisical-token-reviewer');
  });
});

async function attachWith(kubernetesHost: string, caCert: string): Promise<InfisicalApiError> {
  const emu = env.emu();
  const admin = adminFor(emu);
  const { identity } = await admin.identities.create({ name: `unreachable-${Math.random()}`, organizationId: emu.organizationId });
  const error = await rejectionOf(admin.identityAuth.kubernetes.attach({ identityId: identity.id, kubernetesHost, caCert }));
  expect(error).toBeInstanceOf(InfisicalApiError);
  return error as InfisicalApiError;
}

describe('Troubleshooting: cannot reach the Kubernetes API (wrong kubernetesHost or CA)', () => {
  it('a host nothing listens on', async () => {
    const error = await attachWith('https://127.0.0.1:1', env.emu().kubernetes.caCert);
    expect(error).toMatchObject({ status: 400, serverError: 'KubernetesConnectionRefused' });
    expect(error.hint).toContain('kubernetesHost');
  });

  it("a CA that is not the cluster's", async () => {
    const error = await attachWith(env.emu().kubernetes.host, rootCertificates[0]!);
    expect(error).toMatchObject({ status: 400, serverError: 'KubernetesCertificateError' });
    expect(error.hint).toContain('caCert');
  });
});
