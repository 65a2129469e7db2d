import { systemClock } from './clock.js';
import { createCertificateAuthority } from './tls/certificate-authority.js';
import { ServiceAccountIssuer } from './kubernetes/issuer.js';
import { startKubernetesApi } from './kubernetes/api-server.js';
import { writeProjectedToken, type ProjectedTokenHandle } from './kubernetes/projected-token.js';
import { Counters, Faults } from './http/faults.js';
import type { RunningServer } from './http/server.js';
import { unknownProject } from './errors.js';
import { InfisicalState } from './infisical/state.js';
import { AccessTokens } from './infisical/access-tokens.js';
import { SecretEvents } from './infisical/secret-events.js';
import type { SharedInfisical } from './infisical/app.js';
import { Generations, checkGeneration } from './infisical/generations.js';
import { seedAdmin, startInfisical } from './infisical/start.js';
import { createProject } from './infisical/routes/project-records.js';
import { dynamicSecretsAdmin } from './infisical/dynamic-secrets-admin.js';
import type { Emulator, StartEmulatorOptions } from './emulator-types.js';

export type { Emulator, ServerGeneration, StartEmulatorOptions } from './emulator-types.js';

/** The emulated cluster: its CA, its token issuer and its API server. */
async function startCluster(options: StartEmulatorOptions, shared: { clock: SharedInfisical['clock']; counters: Counters; faults: Faults; host: string }) {
  // Key generation is the slow part of start-up: the RSA key (thread pool) and the CA in parallel.
  const [ca, issuer] = await Promise.all([createCertificateAuthority(), ServiceAccountIssuer.create(shared.clock)]);
  const serverTls = await ca.issueServerCertificate('localhost');
  const authDelegators = new Set<string>(['default/infisical-token-reviewer']);
  const apiAudiences = options.kubernetesApiAudiences?.length ? [...options.kubernetesApiAudiences] : [issuer.issuer];
  const api = await startKubernetesApi({ ...shared, issuer, apiAudiences, authDelegators, tls: serverTls, port: options.kubernetesPort ?? 0 });
  const tokenReviewerJwt = issuer.issue({ namespace: 'default', name: 'infisical-token-reviewer', audience: apiAudiences, expirationSeconds: 365 * 24 * 3600 });
  return { ca, issuer, serverTls, authDelegators, apiAudiences, api, tokenReviewerJwt };
}

type Cluster = Awaited<ReturnType<typeof startCluster>>;

function kubernetesHandle(cluster: Cluster): Emulator['kubernetes'] {
  const { issuer, authDelegators } = cluster;
  return {
    host: cluster.api.url,
    caCert: cluster.ca.cert,
    issuer: issuer.issuer,
    apiAudiences: [...cluster.apiAudiences],
    tokenReviewerJwt: cluster.tokenReviewerJwt,
    issueToken: (o) => issuer.issue(o),
    bindAuthDelegator: (namespace, name) => void authDelegators.add(`${namespace}/${name}`),
    unbindAuthDelegator: (namespace, name) => void authDelegators.delete(`${namespace}/${name}`),
    jwks: () => issuer.jwks(),
    rotateSigningKey: () => issuer.rotateSigningKey(),
  };
}

/** The data helpers tests and the CLI call directly: projects, memberships, secrets and imports. */
function dataHandle(generations: Generations, shared: SharedInfisical): Pick<Emulator, 'createProject' | 'addIdentityToProject' | 'setSecret' | 'setSecrets' | 'deleteSecret' | 'addImport'> {
  const { writer } = generations;
  return {
    createProject: (o = {}) => {
      const project = createProject(generations.app.ctx, o.name ?? 'emulated-project', undefined, o.environments);
      return { id: project.id, slug: project.slug };
    },
    addIdentityToProject: (projectId, identityId, role = 'member') => {
      const project = shared.state.projects.get(projectId);
      if (!project) throw unknownProject(projectId);
      project.members.set(identityId, role);
    },
    setSecret: (s) => ({ version: writer.set(s).version }),
    setSecrets: (projectId, environment, values, secretPath = '/') => {
      for (const [key, value] of Object.entries(values)) writer.set({ projectId, environment, secretPath, key, value });
    },
    deleteSecret: (s) => writer.delete(s),
    addImport: (s) => writer.addImport(s),
  };
}

/** Closes both servers and every stream once; waits for a projected-token write under way. */
function closer(projected: Set<ProjectedTokenHandle>, events: SecretEvents, servers: RunningServer[]): () => Promise<void> {
  let closed = false;
  return async () => {
    if (closed) return;
    closed = true;
    for (const handle of projected) handle.stop();
    await Promise.all([...projected].map((handle) => handle.idle()));
    events.closeAll();
    await Promise.all(servers.map((server) => server.close()));
  };
}

/**
 * Starts a local Infisical and a local Kubernetes API on loopback.
 *
 * @example
 * const emu = await startEmulator();
 * const project = emu.createProject({ name: 'app' });
 * emu.setSecrets(project.id, 'prod', { DATABASE_URL: 'postgres://db/app' });
 * // ... attach Kubernetes Auth with emu.kubernetes.host / caCert / tokenReviewerJwt, then log in
 * await emu.close();
 */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<Emulator> {
  const initial = checkGeneration(options.generation ?? 'current');
  const clock = options.clock ?? systemClock;
  const host = options.host ?? '127.0.0.1';
  const counters = new Counters();
  const faults = new Faults();
  const cluster = await startCluster(options, { clock, counters, faults, host });
  const state = new InfisicalState();
  let generations: Generations | undefined;
  // The token rules follow the generation the emulator plays at the moment of each request.
  const tokens = new AccessTokens(state, { clock, maxTokenAgeSeconds: options.maxTokenAgeSeconds ?? 7_776_000, get generation() { return generations?.current ?? initial; } });
  const sse = { pingIntervalMs: options.sse?.pingIntervalMs ?? 15_000, connectionTimeoutMs: options.sse?.connectionTimeoutMs ?? 3_600_000 };
  const shared: SharedInfisical = { state, tokens, clock, events: new SecretEvents(sse), sse };
  const gens = (generations = new Generations(initial, options, shared));
  const tls = options.infisicalTls ? cluster.serverTls : undefined;
  const infisical = await startInfisical(gens, shared, { counters, faults, tls, trustProxy: options.trustProxy ?? true, host, port: options.infisicalPort ?? 0 });
  const admin = await seedAdmin(shared);
  const projected = new Set<ProjectedTokenHandle>();
  return {
    get generation() {
      return gens.current;
    },
    setGeneration(generation) {
      const next = checkGeneration(generation);
      if (next === gens.current) return;
      gens.set(next);
      // A replaced server drops its streams; clients reconnect (or fall back) as they would after a deploy.
      shared.events.closeAll();
    },
    infisicalUrl: infisical.url,
    caCert: cluster.ca.cert,
    organizationId: state.organizationId,
    admin,
    kubernetes: kubernetesHandle(cluster),
    writeProjectedToken: async (dir, o) => {
      const handle = await writeProjectedToken(dir, (opts) => cluster.issuer.issue(opts), o);
      projected.add(handle);
      return handle;
    },
    ...dataHandle(gens, shared),
    faults: { inject: (f) => faults.inject(f), clear: (id) => faults.clear(id) },
    counters: { get: (route) => counters.get(route), all: () => counters.all(), reset: () => counters.reset() },
    events: { connections: () => shared.events.connections() },
    accessTokens: { live: (identityId) => tokens.live(identityId) },
    ...dynamicSecretsAdmin(state, clock),
    close: closer(projected, shared.events, [infisical, cluster.api]),
  };
}
