/**
 * Identities, projects and memberships, and the secrets routes (list options, single reads, v4 writes),
 * against the emulator.
 */
import { describe, expect, it } from 'vitest';
import { InfisicalApiError, isProjectNotFoundError } from 'node-infisical';
import { adminFor, appClient, rejectionOf, useEmulator } from './helpers.js';

const env = useEmulator({}, { secrets: { DB_URL: 'postgres://db', GREETING: 'hello ${DB_URL}' } });
const where = () => ({ projectId: env.app().projectId, environment: 'prod' });

describe('Method: identities.create / identities.get', () => {
  it('creates an identity with the server defaults and reads it back', async () => {
    const emu = env.emu();
    const admin = adminFor(emu);
    const { identity } = await admin.identities.create({
      name: 'worker',
      organizationId: emu.organizationId,
      hasDeleteProtection: true,
      metadata: [{ key: 'team', value: 'payments' }],
    });
    expect(identity).toMatchObject({ name: 'worker', orgId: emu.organizationId, hasDeleteProtection: true, authMethods: [] });
    const { identity: membership } = await admin.identities.get({ identityId: identity.id });
    expect(membership).toMatchObject({ role: 'no-access', identity: { id: identity.id, name: 'worker' } });
  });

  it('an unknown organization is a typed API error', async () => {
    const error = await rejectionOf(adminFor(env.emu()).identities.create({ name: 'x', organizationId: 'not-my-org' }));
    expect(error).toBeInstanceOf(InfisicalApiError);
    expect((error as InfisicalApiError).status).toBeGreaterThanOrEqual(400);
  });
});

describe('Method: projects.create / projects.addIdentity', () => {
  it('creates a project, and a member with role viewer can read its secrets', async () => {
    const emu = env.emu();
    const admin = adminFor(emu);
    const { project } = await admin.projects.create({ projectName: 'payments' });
    expect(project).toMatchObject({ name: 'payments' });
    expect(project.id).toEqual(expect.any(String));
    const reader = await appClient(emu, env.app());
    const denied = (await rejectionOf(reader.secrets.list({ projectId: project.id, environment: 'prod' }))) as InfisicalApiError;
    expect(denied).toMatchObject({ status: 403, serverError: 'PermissionDenied' });
    expect(denied.hint).toContain('addIdentity');
    const { identityMembership } = await admin.projects.addIdentity({ projectId: project.id, identityId: env.app().identityId, role: 'viewer' });
    expect(identityMembership.id).toEqual(expect.any(String));
    await admin.secrets.create({ projectId: project.id, environment: 'prod', secretName: 'TOKEN', secretValue: 'abc' });
    const { secrets } = await reader.secrets.list({ projectId: project.id, environment: 'prod' });
    expect(secrets.map((s) => [s.secretKey, s.secretValue])).toEqual([['TOKEN', 'abc']]);
  });
});

describe('Method: secrets.list', () => {
  it('lists a folder, with imports [] when not asked for', async () => {
    const client = await appClient(env.emu(), env.app());
    const { secrets, imports } = await client.secrets.list({ ...where(), secretPath: '/' });
    expect(secrets.map((s) => s.secretKey).toSorted()).toEqual(['DB_URL', 'GREETING']);
    expect(imports).toEqual([]);
    expect(secrets[0]).toMatchObject({ environment: 'prod', type: 'shared', version: expect.any(Number) });
  });

  it('an unknown project is a 404 that isProjectNotFoundError recognises (list and single read)', async () => {
    const client = await appClient(env.emu(), env.app());
    const listing = (await rejectionOf(client.secrets.list({ projectId: 'no-such-project', environment: 'prod' }))) as InfisicalApiError;
    expect(listing).toMatchObject({ status: 404, serverMessage: "Project with ID 'no-such-project' not found" });
    expect(isProjectNotFoundError(listing)).toBe(true);
    const reading = await rejectionOf(client.secrets.get({ projectId: 'no-such-project', environment: 'prod', secretName: 'DB_URL' }));
    expect(isProjectNotFoundError(reading)).toBe(true);
    expect(isProjectNotFoundError(await rejectionOf(client.secrets.get({ ...where(), secretName: 'MISSING' })))).toBe(false);
  });

  it('gives empty lists for a folder that does not exist', async () => {
    const client = await appClient(env.emu(), env.app());
    expect(await client.secrets.list({ ...where(), secretPath: '/nowhere' })).toEqual({ secrets: [], imports: [], etag: expect.any(String), notModified: false });
  });

  it('sends booleans as "true"/"false": references, hidden values, recursion and imports', async () => {
    const emu = env.emu();
    emu.setSecrets(env.app().projectId, 'prod', { NESTED: 'n' }, '/backend');
    emu.setSecrets(env.app().projectId, 'staging', { SHARED: 's' }, '/common');
    emu.addImport({ projectId: env.app().projectId, environment: 'prod', secretPath: '/', importEnvironment: 'staging', importPath: '/common' });
    const client = await appClient(emu, env.app());
    const expanded = await client.secrets.list({ ...where(), expandSecretReferences: true });
    expect(expanded.secrets.find((s) => s.secretKey === 'GREETING')?.secretValue).toBe('hello postgres://db');
    const raw = await client.secrets.list({ ...where(), expandSecretReferences: false });
    expect(raw.secrets.find((s) => s.secretKey === 'GREETING')?.secretValue).toBe('hello ${DB_URL}');
    const hidden = await client.secrets.list({ ...where(), viewSecretValue: false });
    expect(hidden.secrets.every((s) => s.secretValue === '<hidden-by-infisical>' && s.secretValueHidden === true)).toBe(true);
    const deep = await client.secrets.list({ ...where(), recursive: true });
    expect(deep.secrets.map((s) => s.secretKey)).toContain('NESTED');
    const withImports = await client.secrets.list({ ...where(), includeImports: true });
    expect(withImports.imports).toEqual([expect.objectContaining({ environment: 'staging', secretPath: '/common', secrets: [expect.objectContaining({ secretKey: 'SHARED' })] })]);
  });
});

describe('Method: secrets.get / create / update / delete', () => {
  it('round-trips a secret through the v4 write routes', async () => {
    const admin = adminFor(env.emu());
    const scope = { ...where(), secretPath: '/' };
    const created = await admin.secrets.create({ ...scope, secretName: 'API_KEY', secretValue: 'v1', secretComment: 'rotated monthly' });
    expect(created.secret).toMatchObject({ secretKey: 'API_KEY', secretValue: 'v1', version: 1 });
    const updated = await admin.secrets.update({ ...scope, secretName: 'API_KEY', secretValue: 'v2' });
    expect(updated.secret).toMatchObject({ secretValue: 'v2', version: 2 });
    const { secret } = await admin.secrets.get({ ...scope, secretName: 'API_KEY' });
    expect(secret).toMatchObject({ secretKey: 'API_KEY', secretValue: 'v2', secretComment: 'rotated monthly' });
    await admin.secrets.delete({ ...scope, secretName: 'API_KEY' });
    const gone = (await rejectionOf(admin.secrets.get({ ...scope, secretName: 'API_KEY' }))) as InfisicalApiError;
    expect(gone).toMatchObject({ status: 404 });
  });

  it('creating a secret that exists is a typed 400', async () => {
    const error = await rejectionOf(adminFor(env.emu()).secrets.create({ ...where(), secretName: 'DB_URL', secretValue: 'x' }));
    expect(error).toMatchObject({ status: 400, code: 'HTTP_400' });
  });
});
