/**
 * Leak scan: no access token, service-account JWT, reviewer JWT, client secret or secret value in any
 * error (message, stack, util.inspect, JSON.stringify) or in the client's own inspect/JSON output.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { InfisicalClient, InfisicalError } from 'node-infisical';
import { adminFor, appClient, clientFor, rejectionOf, useEmulator } from './helpers.js';

const SECRET_VALUE = 'sekrit-value-7d3a9';
const env = useEmulator({}, { secrets: { PASSWORD: SECRET_VALUE } });

function renderings(value: unknown): string[] {
  const out = [inspect(value, { depth: 10, showHidden: true }), JSON.stringify(value) ?? '', String(value)];
  if (value instanceof Error) out.push(value.message, value.stack ?? '');
  return out;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('Leak scan', () => {
  it('errors and the client never reveal credentials or secret values', async () => {
    const emu = env.emu();
    const app = env.app();
    const client = await appClient(emu, app);
    const sensitive = [client.auth.accessToken!, app.projected.current(), emu.kubernetes.tokenReviewerJwt, emu.admin.accessToken, emu.admin.clientSecret, SECRET_VALUE];
    const where = { projectId: app.projectId, environment: 'prod' };
    const admin = adminFor(emu, { retry: false });
    const refused = new InfisicalClient({ baseUrl: `http://127.0.0.1:${await closedPort()}`, accessToken: client.auth.accessToken!, retry: false });

    const errors: unknown[] = [];
    const collect = async (promise: Promise<unknown>) => errors.push(await rejectionOf(promise));
    // Credentials in the wrong places (validation).
    await collect(clientFor(emu).login({ kubernetesAuth: { identityId: app.identityId, jwt: `Bearer ${app.projected.current()}` } }));
    await collect(clientFor(emu).login({ kubernetesAuth: { identityId: '', jwt: app.projected.current() } }));
    await collect(admin.identityAuth.kubernetes.attach({ identityId: app.identityId, kubernetesHost: emu.kubernetes.host, caCert: emu.admin.clientSecret, tokenReviewerJwt: emu.kubernetes.tokenReviewerJwt }));
    await collect(admin.identityAuth.kubernetes.attach({ identityId: app.identityId, kubernetesHost: emu.kubernetes.host, tokenReviewerJwt: `x${emu.kubernetes.tokenReviewerJwt}.y` }));
    await collect(admin.secrets.create({ ...where, secretName: '', secretValue: SECRET_VALUE }));
    await collect(Promise.resolve().then(() => new InfisicalClient({ baseUrl: client.auth.accessToken! })));
    // Server refusals, with and without credentials in the request.
    await collect(clientFor(emu, { retry: false }).login({ universalAuth: { clientId: emu.admin.clientId, clientSecret: `${emu.admin.clientSecret}-wrong` } }));
    await collect(clientFor(emu, { retry: false }).login({ kubernetesAuth: { identityId: app.identityId, jwt: emu.kubernetes.issueToken({ namespace: 'elsewhere' }) } }));
    await collect(admin.secrets.create({ ...where, secretName: 'PASSWORD', secretValue: SECRET_VALUE }));
    emu.faults.inject({ route: 'GET /api/v4/secrets', status: 401, times: 1, body: { statusCode: 401, error: 'UnauthorizedError', message: `invalid token ${client.auth.accessToken}` } });
    await collect(client.secrets.list(where));
    emu.faults.inject({ route: 'GET /api/v4/secrets', malformed: true, times: 1 });
    await collect(clientFor(emu, { retry: false, accessToken: client.auth.accessToken! }).secrets.list(where));
    // 2xx answers without the route's shape, holding a value or a token where the client looks for something else.
    emu.faults.inject({ route: 'GET /api/v4/secrets', status: 200, times: 1, body: { secrets: [{ secretKey: 'PASSWORD', secretValue: { value: SECRET_VALUE } }] } });
    await collect(client.secrets.list(where));
    emu.faults.inject({ route: 'POST /api/v1/auth/token/renew', status: 200, times: 1, body: { accessToken: client.auth.accessToken, expiresIn: 'soon', accessTokenMaxTTL: 1 } });
    await collect(client.auth.renew());
    // No answer at all.
    await collect(refused.secrets.list(where));
    await collect(refused.auth.renew());

    expect(errors).toHaveLength(15);
    for (const error of errors) {
      expect(error).toBeInstanceOf(InfisicalError);
      for (const text of renderings(error)) for (const value of sensitive) expect(text).not.toContain(value);
    }
    for (const value of [client, client.auth, client.secrets, client.identityAuth]) {
      for (const text of renderings(value)) for (const item of sensitive) expect(text).not.toContain(item);
    }
    expect(inspect(client)).toContain('authenticated: true');
  });
});
