import { randomBytes, randomUUID } from 'node:crypto';
import type { Counters, Faults } from '../http/faults.js';
import { startServer, type RunningServer } from '../http/server.js';
import type { SharedInfisical } from './app.js';
import type { Generations } from './generations.js';

/** Routes that take no bearer token; every other route authenticates in the server's request hook. */
const UNAUTHENTICATED = new Set([
  'POST /api/v1/auth/kubernetes-auth/login',
  'POST /api/v1/auth/universal-auth/login',
  'POST /api/v1/auth/token/renew',
  'POST /api/v1/auth/token/revoke',
  'GET /api/status',
]);

export interface InfisicalServerOptions {
  counters: Counters;
  faults: Faults;
  tls: { cert: string; key: string } | undefined;
  trustProxy: boolean;
  host: string;
  port: number;
}

/** The emulated Infisical on loopback; each request is answered by the generation the emulator plays at that moment. */
export function startInfisical(generations: Generations, shared: SharedInfisical, options: InfisicalServerOptions): Promise<RunningServer> {
  const app = () => generations.app;
  return startServer(
    {
      router: { match: (method, pathname) => app().router.match(method, pathname) },
      counters: options.counters,
      faults: options.faults,
      ...(options.tls ? { tls: options.tls } : {}),
      errorBody: (status, message, error) => app().envelope(status, message, error ?? (status >= 500 ? 'InternalServerError' : 'BadRequest')),
      badJson: () => ({ status: 400, body: app().envelope(400, 'Body is not valid JSON', 'BadRequest') }),
      authenticate: (request) => (UNAUTHENTICATED.has(request.key) ? undefined : shared.tokens.authenticate(request)),
      shapeError: (body) => app().shapeError(body),
      etag: true,
      trustProxy: options.trustProxy,
      admit: (key, ip) => app().admit(key, ip),
    },
    options.host,
    options.port,
  );
}

/** The organization's administrator (Universal Auth, a token that never expires), as an operator who set the emulator up would have. */
export async function seedAdmin(shared: SharedInfisical): Promise<{ identityId: string; clientId: string; clientSecret: string; accessToken: string }> {
  const { state } = shared;
  const now = new Date(shared.clock.now()).toISOString();
  const adminIdentity = {
    id: randomUUID(),
    membershipId: randomUUID(),
    name: 'emulator-admin',
    orgId: state.organizationId,
    role: 'admin',
    hasDeleteProtection: true,
    metadata: [],
    authMethods: ['universal-auth'],
    createdAt: now,
    updatedAt: now,
  };
  state.identities.set(adminIdentity.id, adminIdentity);
  const clientId = randomUUID();
  const clientSecret = randomBytes(32).toString('hex');
  state.universalAuth.set(clientId, { identityId: adminIdentity.id, clientSecret });
  const adminToken = await shared.tokens.issue(adminIdentity, 'universal-auth', { ttl: 0, maxTtl: 0, numUsesLimit: 0 }, {}, true);
  return { identityId: adminIdentity.id, clientId, clientSecret, accessToken: adminToken.accessToken };
}
