import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@infisical-k8s/emulator';
import { ManualClock, accessToken, attachBody, createIdentity, infisical, setUpApp } from './helpers.js';

const clock = new ManualClock();
let emu: Emulator;
let other: Emulator;

beforeAll(async () => {
  [emu, other] = await Promise.all([startEmulator({ clock }), startEmulator({ clock })]);
});
afterAll(async () => {
  await Promise.all([emu.close(), other.close()]);
});

const admin = (method: string, path: string, body?: unknown) => infisical(emu, method, path, { token: emu.admin.accessToken, body });
const authPath = (identityId: string) => `/api/v1/auth/kubernetes-auth/identities/${identityId}`;
const attach = async (overrides: Record<string, unknown> = {}) => {
  const identityId = await createIdentity(emu);
  return { identityId, res: await admin('POST', authPath(identityId), attachBody(emu, overrides)) };
};
const issues = (body: { message: Array<{ path: unknown[]; message: string }> }) => body.message.map((i) => [i.path.join('.'), i.message]);

describe('Route: POST /api/v1/auth/universal-auth/login', () => {
  it('logs the admin in with client id and secret', async () => {
    const res = await infisical(emu, 'POST', '/api/v1/auth/universal-auth/login', { body: { clientId: emu.admin.clientId, clientSecret: emu.admin.clientSecret } });
    expect(res.body).toMatchObject({ accessToken: expect.any(String), expiresIn: 2_592_000, accessTokenMaxTTL: 2_592_000, tokenType: 'Bearer' });
    const created = await infisical(emu, 'POST', '/api/v1/identities', { token: res.body.accessToken, body: { name: 'x', organizationId: emu.organizationId } });
    expect(created.status).toBe(200);
  });

  it('refuses a wrong secret with 401 and a missing field with 422', async () => {
    const wrong = await infisical(emu, 'POST', '/api/v1/auth/universal-auth/login', { body: { clientId: emu.admin.clientId, clientSecret: 'nope' } });
    expect(wrong.body).toMatchObject({ statusCode: 401, error: 'UnauthorizedError', message: 'Invalid credentials' });
    const missing = await infisical(emu, 'POST', '/api/v1/auth/universal-auth/login', { body: { clientId: emu.admin.clientId } });
    expect(missing.status).toBe(422);
    expect(issues(missing.body)).toEqual([['clientSecret', 'Required']]);
  });
});

describe('Route: POST /api/v1/identities', () => {
  it('creates an identity with the server defaults and response shape', async () => {
    const res = await admin('POST', '/api/v1/identities', { name: ' k8s-app ', organizationId: emu.organizationId, metadata: [{ key: 'team', value: 'core' }] });
    expect(res.status).toBe(200);
    expect(res.body.identity).toMatchObject({ id: expect.any(String), name: 'k8s-app', authMethod: null, hasDeleteProtection: false, orgId: emu.organizationId, projectId: null, authMethods: [] });
    expect(res.body.identity.metadata[0]).toMatchObject({ key: 'team', value: 'core' });
    expect(new Date(res.body.identity.createdAt).getTime()).toBe(clock.t);
  });

  it('answers 422 with zod-like issues', async () => {
    const res = await admin('POST', '/api/v1/identities', { organizationId: emu.organizationId, role: '' });
    expect(res.status).toBe(422);
    expect(res.body.error).toBe('ValidationFailure');
    expect(issues(res.body)).toEqual([
      ['name', 'Required'],
      ['role', 'String must contain at least 1 character(s)'],
    ]);
  });

  it('answers 404 for an organization the caller is not in', async () => {
    const res = await admin('POST', '/api/v1/identities', { name: 'x', organizationId: other.organizationId });
    expect(res.body).toMatchObject({ statusCode: 404, error: 'NotFound', message: `Failed to find organization with ID ${other.organizationId}` });
  });

  it('answers 401 Token missing without a bearer, and 403 PermissionDenied for a non-admin identity', async () => {
    expect((await infisical(emu, 'POST', '/api/v1/identities', { body: {} })).body).toMatchObject({ statusCode: 401, message: 'Token missing', error: 'UnauthorizedError' });
    const app = await setUpApp(emu);
    const token = await accessToken(emu, app.identityId);
    const res = await infisical(emu, 'POST', '/api/v1/identities', { token, body: { name: 'x', organizationId: emu.organizationId } });
    expect(res.body).toMatchObject({ statusCode: 403, error: 'PermissionDenied', message: 'You are not allowed to create on identity' });
  });

  it('reads an identity back, and 404s for one of another organization', async () => {
    const id = await createIdentity(emu, 'readable');
    const res = await admin('GET', `/api/v1/identities/${id}`);
    expect(res.body.identity).toEqual({
      id: expect.any(String),
      orgId: emu.organizationId,
      role: 'no-access',
      roleId: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      metadata: [],
      identity: { id, name: 'readable', hasDeleteProtection: false, authMethods: [] },
    });
    expect(res.body.identity.id).not.toBe(id);
    const foreign = await createIdentity(other);
    expect((await admin('GET', `/api/v1/identities/${foreign}`)).body).toMatchObject({ statusCode: 404, message: `Failed to find identity with ID ${foreign}` });
  });

  it('deletes an identity and revokes its tokens', async () => {
    const app = await setUpApp(emu);
    const token = await accessToken(emu, app.identityId);
    expect((await admin('DELETE', `/api/v1/identities/${app.identityId}`)).status).toBe(200);
    const after = await infisical(emu, 'GET', `/api/v4/secrets?projectId=${app.projectId}&environment=prod`, { token });
    expect(after.body).toMatchObject({ statusCode: 401, message: 'Failed to authorize: identity tokens have been revoked' });
    expect((await admin('GET', `/api/v1/identities/${app.identityId}`)).status).toBe(404);
  });
});

describe('Route: POST /api/v1/auth/kubernetes-auth/identities/:identityId (attach)', () => {
  it('stores every field, with defaults, parsed trusted IPs and the secrets read back', async () => {
    const identityId = await createIdentity(emu);
    const res = await admin('POST', authPath(identityId), {
      kubernetesHost: emu.kubernetes.host,
      caCert: ` ${emu.kubernetes.caCert} `,
      tokenReviewerJwt: emu.kubernetes.tokenReviewerJwt,
      allowedNamespaces: 'default',
      allowedNames: '',
      allowedAudience: '',
    });
    expect(res.status).toBe(200);
    expect(res.body.identityKubernetesAuth).toEqual({
      id: expect.any(String),
      identityId,
      kubernetesHost: emu.kubernetes.host,
      tokenReviewMode: 'api',
      gatewayId: null,
      allowedNamespaces: 'default',
      allowedNames: '',
      allowedAudience: '',
      accessTokenTTL: 2_592_000,
      accessTokenMaxTTL: 2_592_000,
      accessTokenNumUsesLimit: 0,
      accessTokenTrustedIps: [
        { ipAddress: '0.0.0.0', type: 'ipv4', prefix: 0 },
        { ipAddress: '::', type: 'ipv6', prefix: 0 },
      ],
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      caCert: emu.kubernetes.caCert.trim(),
      tokenReviewerJwt: emu.kubernetes.tokenReviewerJwt,
    });
    const identity = await admin('GET', `/api/v1/identities/${identityId}`);
    expect(identity.body.identity.identity.authMethods).toEqual(['kubernetes-auth']);
    expect((await admin('GET', authPath(identityId))).body).toEqual(res.body);
  });

  it('stores single IPs and IPv6 CIDRs in parsed form', async () => {
    const { res } = await attach({ accessTokenTrustedIps: [{ ipAddress: '10.0.0.7' }, { ipAddress: 'fd00::/8' }] });
    expect(res.body.identityKubernetesAuth.accessTokenTrustedIps).toEqual([
      { ipAddress: '10.0.0.7', type: 'ipv4' },
      { ipAddress: 'fd00::', type: 'ipv6', prefix: 8 },
    ]);
  });

  it('probes the cluster: GET /version, then a TokenReview with the reviewer JWT', async () => {
    emu.counters.reset();
    const { res } = await attach();
    expect(res.status).toBe(200);
    expect(emu.counters.get('GET /version')).toBe(1);
    expect(emu.counters.get('POST /apis/authentication.k8s.io/v1/tokenreviews')).toBe(1);
    emu.counters.reset();
    expect((await attach({ tokenReviewerJwt: undefined })).res.status).toBe(200);
    expect(emu.counters.get('POST /apis/authentication.k8s.io/v1/tokenreviews')).toBe(0);
  });

  it.each([
    ['a host with other characters', { kubernetesHost: 'https://k8s.example.com?x=1' }, [['kubernetesHost', 'Kubernetes host must only contain alphabets, numbers, colons, periods, hyphen, and forward slashes.']]],
    ['no host in API mode', { kubernetesHost: null }, [['kubernetesHost', 'When token review mode is set to API, a Kubernetes host must be provided']]],
    ['a missing host', { kubernetesHost: undefined }, [['kubernetesHost', 'Required']]],
    ['TTL above max TTL', { accessTokenTTL: 7200, accessTokenMaxTTL: 3600 }, [['accessTokenTTL', 'Access Token TTL cannot be greater than Access Token Max TTL.']]],
    ['TTL above a max TTL of 0', { accessTokenTTL: 60, accessTokenMaxTTL: 0 }, [['accessTokenTTL', 'Access Token TTL cannot be greater than Access Token Max TTL.']]],
    ['a TTL beyond 315360000', { accessTokenTTL: 315_360_001, accessTokenMaxTTL: 315_360_001 }, [['accessTokenTTL', 'Number must be less than or equal to 315360000'], ['accessTokenMaxTTL', 'Number must be less than or equal to 315360000']]],
    ['a negative use limit', { accessTokenNumUsesLimit: -1 }, [['accessTokenNumUsesLimit', 'Number must be greater than or equal to 0']]],
    ['an empty trusted IP list', { accessTokenTrustedIps: [] }, [['accessTokenTrustedIps', 'Array must contain at least 1 element(s)']]],
    ['gateway mode without a gateway', { tokenReviewMode: 'gateway' }, [['gatewayId', 'When token review mode is set to Gateway, a gateway must be selected']]],
    ['missing allowed lists', { allowedNamespaces: undefined, allowedNames: undefined, allowedAudience: undefined }, [['allowedNamespaces', 'Required'], ['allowedNames', 'Required'], ['allowedAudience', 'Required']]],
  ])('answers 422 for %s', async (_name, overrides, expected) => {
    const { res } = await attach(overrides);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ statusCode: 422, error: 'ValidationFailure', reqId: expect.stringMatching(/^req-/) });
    expect(issues(res.body)).toEqual(expected);
  });

  it('answers 400 when already attached', async () => {
    const { identityId } = await attach();
    const again = await admin('POST', authPath(identityId), attachBody(emu));
    expect(again.body).toMatchObject({ statusCode: 400, error: 'BadRequest', message: 'Failed to add Kubernetes Auth to already configured identity' });
  });

  it('answers 404 for an identity of another organization', async () => {
    const foreign = await createIdentity(other);
    expect((await admin('POST', authPath(foreign), attachBody(emu))).body).toMatchObject({ statusCode: 404, error: 'NotFound', message: `Failed to find identity with ID ${foreign}` });
  });

  it('answers 400 for an invalid IP or CIDR', async () => {
    const { res } = await attach({ accessTokenTrustedIps: [{ ipAddress: '10.0.0.0/33' }] });
    expect(res.body).toMatchObject({ statusCode: 400, message: 'The IP is not a valid IPv4, IPv6, or CIDR block' });
  });

  it('answers 400 for a non-wildcard IP when the plan lacks the feature', async () => {
    const limited = await startEmulator({ clock, ipPlanFeature: false });
    try {
      const identityId = await createIdentity(limited);
      const res = await infisical(limited, 'POST', authPath(identityId), { token: limited.admin.accessToken, body: attachBody(limited, { accessTokenTrustedIps: [{ ipAddress: '10.0.0.0/8' }] }) });
      expect(res.body).toMatchObject({ statusCode: 400, message: 'Failed to add IP access range to access token due to plan restriction. Upgrade plan to add IP access range.' });
      const wildcard = await infisical(limited, 'POST', authPath(identityId), { token: limited.admin.accessToken, body: attachBody(limited) });
      expect(wildcard.status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('refuses loopback hosts when blockInternalKubernetesHosts is on', async () => {
    const strict = await startEmulator({ clock, blockInternalKubernetesHosts: true });
    try {
      const identityId = await createIdentity(strict);
      const res = await infisical(strict, 'POST', authPath(identityId), { token: strict.admin.accessToken, body: attachBody(strict) });
      expect(res.body).toMatchObject({ statusCode: 400, message: 'Local IPs not allowed as URL' });
    } finally {
      await strict.close();
    }
  });

  it('answers 400 TokenReviewerPermissionError for a reviewer without system:auth-delegator', async () => {
    const { res } = await attach({ tokenReviewerJwt: emu.kubernetes.issueToken({ name: 'unbound', audience: emu.kubernetes.apiAudiences }) });
    expect(res.body).toMatchObject({
      statusCode: 400,
      error: 'TokenReviewerPermissionError',
      message: "The token reviewer JWT does not have permission to perform TokenReviews. Ensure the service account has the 'system:auth-delegator' ClusterRole binding.",
    });
  });

  it('answers 400 TokenReviewerPermissionError for a reviewer the cluster rejects', async () => {
    const { res } = await attach({ tokenReviewerJwt: emu.kubernetes.issueToken({ name: 'infisical-token-reviewer', signedWith: 'foreign' }) });
    expect(res.body).toMatchObject({ statusCode: 400, error: 'TokenReviewerPermissionError', message: expect.stringMatching(/^The token reviewer JWT is invalid or expired/) });
  });

  it('answers 400 KubernetesCertificateError when the CA does not match the cluster', async () => {
    const { res } = await attach({ caCert: other.caCert });
    expect(res.body).toMatchObject({ statusCode: 400, error: 'KubernetesCertificateError', message: `SSL certificate verification failed for Kubernetes API server at ${emu.kubernetes.host}. Verify the CA certificate is correct.` });
  });

  it('skips TLS verification when no CA is stored, as the server does', async () => {
    expect((await attach({ caCert: '' })).res.status).toBe(200);
  });

  it('answers 400 KubernetesConnectionRefused when nothing listens at the host', async () => {
    const gone = await startEmulator({ clock });
    const host = gone.kubernetes.host;
    await gone.close();
    const { res } = await attach({ kubernetesHost: host });
    expect(res.body).toMatchObject({ statusCode: 400, error: 'KubernetesConnectionRefused', message: expect.stringMatching(new RegExp(`^Failed to connect to Kubernetes API server at ${host}: Connection refused`)) });
  });

  it('prepends https:// to a host without a scheme', async () => {
    expect((await attach({ kubernetesHost: emu.kubernetes.host.replace('https://', '') })).res.status).toBe(200);
  });
});

describe('Route: PATCH /api/v1/auth/kubernetes-auth/identities/:identityId (update)', () => {
  it('changes only the fields sent', async () => {
    const { identityId } = await attach();
    clock.advance(5);
    const res = await admin('PATCH', authPath(identityId), { allowedNames: 'web,worker', accessTokenNumUsesLimit: 3 });
    expect(res.body.identityKubernetesAuth).toMatchObject({ allowedNames: 'web,worker', accessTokenNumUsesLimit: 3, allowedNamespaces: 'default,production', accessTokenTTL: 3600 });
    expect(res.body.identityKubernetesAuth.updatedAt).not.toBe(res.body.identityKubernetesAuth.createdAt);
  });

  it('clears the reviewer with null and keeps it with an empty string', async () => {
    const { identityId } = await attach();
    expect((await admin('PATCH', authPath(identityId), { tokenReviewerJwt: '' })).body.identityKubernetesAuth.tokenReviewerJwt).toBe(emu.kubernetes.tokenReviewerJwt);
    expect((await admin('PATCH', authPath(identityId), { tokenReviewerJwt: null })).body.identityKubernetesAuth.tokenReviewerJwt).toBe('');
  });

  it('checks TTLs in the route only when both are non-zero, and against stored values in the service', async () => {
    const { identityId } = await attach();
    const route = await admin('PATCH', authPath(identityId), { accessTokenTTL: 9000, accessTokenMaxTTL: 8000 });
    expect(route.status).toBe(422);
    expect(issues(route.body)).toEqual([['accessTokenTTL', 'Access Token TTL cannot be greater than Access Token Max TTL.']]);
    const service = await admin('PATCH', authPath(identityId), { accessTokenTTL: 9000 });
    expect(service.body).toMatchObject({ statusCode: 400, error: 'BadRequest', message: 'Access token TTL cannot be greater than max TTL' });
  });

  it('answers 400 when Kubernetes Auth is not attached', async () => {
    const identityId = await createIdentity(emu);
    expect((await admin('PATCH', authPath(identityId), { allowedNames: 'x' })).body).toMatchObject({ statusCode: 400, message: 'Failed to update Kubernetes Auth' });
  });

  it('probes the cluster again when the host, CA or reviewer changes', async () => {
    const { identityId } = await attach();
    const res = await admin('PATCH', authPath(identityId), { caCert: other.caCert });
    expect(res.body).toMatchObject({ statusCode: 400, error: 'KubernetesCertificateError' });
  });
});

describe('Route: GET and DELETE /api/v1/auth/kubernetes-auth/identities/:identityId', () => {
  it('answers 404 for get and 400 for revoke when nothing is attached', async () => {
    const identityId = await createIdentity(emu);
    expect((await admin('GET', authPath(identityId))).body).toMatchObject({ statusCode: 404, error: 'NotFound', message: `Failed to find Kubernetes Auth for identity with ID ${identityId}` });
    expect((await admin('DELETE', authPath(identityId))).body).toMatchObject({ statusCode: 400, error: 'BadRequest', message: 'The identity does not have kubernetes auth' });
  });

  it('revokes: the response leaves out caCert and the reviewer, and issued tokens stop working', async () => {
    const app = await setUpApp(emu);
    const token = await accessToken(emu, app.identityId);
    const res = await admin('DELETE', authPath(app.identityId));
    expect(res.status).toBe(200);
    expect(res.body.identityKubernetesAuth).toMatchObject({ identityId: app.identityId });
    expect(res.body.identityKubernetesAuth).not.toHaveProperty('caCert');
    expect(res.body.identityKubernetesAuth).not.toHaveProperty('tokenReviewerJwt');
    const after = await infisical(emu, 'GET', `/api/v4/secrets?projectId=${app.projectId}&environment=prod`, { token });
    expect(after.body).toMatchObject({ statusCode: 401, error: 'UnauthorizedError', message: 'Failed to authorize: auth method has been revoked' });
    const renew = await infisical(emu, 'POST', '/api/v1/auth/token/renew', { body: { accessToken: token } });
    expect(renew.body).toMatchObject({ statusCode: 401, message: 'Cannot renew: auth method has been revoked' });
    const relogin = await infisical(emu, 'POST', '/api/v1/auth/kubernetes-auth/login', { body: { identityId: app.identityId, jwt: emu.kubernetes.issueToken() } });
    expect(relogin.body).toMatchObject({ statusCode: 404, message: 'Kubernetes auth method not found for identity, did you configure Kubernetes auth?' });
  });
});

describe('Routes: POST /api/v2/workspace and identity memberships', () => {
  it('creates a project and adds an identity that can then read it', async () => {
    const created = await admin('POST', '/api/v2/workspace', { projectName: 'Payments API' });
    expect(created.body.project).toMatchObject({ id: expect.any(String), name: 'Payments API', slug: expect.stringMatching(/^payments-api/), orgId: emu.organizationId });
    expect(created.body.project.environments.map((e: { slug: string }) => e.slug)).toEqual(['dev', 'staging', 'prod']);
    const app = await setUpApp(emu);
    const token = await accessToken(emu, app.identityId);
    const projectId = created.body.project.id as string;
    const denied = await infisical(emu, 'GET', `/api/v4/secrets?projectId=${projectId}&environment=dev`, { token });
    expect(denied.body).toMatchObject({ statusCode: 403, error: 'PermissionDenied' });
    const membership = await admin('POST', `/api/v2/workspace/${projectId}/identity-memberships/${app.identityId}`, { role: 'viewer' });
    expect(membership.body.identityMembership).toMatchObject({ identityId: app.identityId, projectId });
    expect((await infisical(emu, 'GET', `/api/v4/secrets?projectId=${projectId}&environment=dev`, { token })).status).toBe(200);
    const again = await admin('POST', `/api/v2/workspace/${projectId}/identity-memberships/${app.identityId}`, { role: 'viewer' });
    expect(again.status).toBe(400);
  });

  it('accepts the roles array spelling too', async () => {
    const project = emu.createProject();
    const app = await setUpApp(emu);
    const res = await admin('POST', `/api/v2/workspace/${project.id}/identity-memberships/${app.identityId}`, { roles: [{ role: 'viewer' }] });
    expect(Object.keys(res.body.identityMembership).toSorted()).toEqual(['createdAt', 'id', 'identityId', 'projectId', 'updatedAt']);
    const token = await accessToken(emu, app.identityId);
    expect((await infisical(emu, 'GET', `/api/v4/secrets?projectId=${project.id}&environment=dev`, { token })).status).toBe(200);
  });

  it('answers 422 without a project name', async () => {
    const res = await admin('POST', '/api/v2/workspace', {});
    expect(issues(res.body)).toEqual([['projectName', 'Required']]);
  });
});
