import type { AddressInfo } from 'node:net';
import express from 'express';
import { infisical, InfisicalK8sError, type InfisicalConfig, type InfisicalMiddlewareOptions } from '@infisical-k8s/express';
import { LeasedPool, type Connect } from './pool.js';
import { schema, type AppSecrets } from './schema.js';

export { LeasedPool, type Connect, type Database, type DbCredentials } from './pool.js';

/** How the tests and `main.ts` start this app. */
export interface StartOptions {
  /** 0 = a free port. Default: PORT, then 3000. */
  port?: number;
  host?: string;
  /**
   * INFISICAL_* variables (site URL, identity, token path, the project and environment of DB_HOST), and
   * DB_PROJECT_SLUG (the project holding the dynamic secret), DB_DYNAMIC_SECRET (default `orders-db`),
   * DB_ENVIRONMENT (default INFISICAL_ENVIRONMENT). Default process.env.
   */
  env?: Record<string, string | undefined>;
  /** false = quiet. */
  logger?: false;
  /** Opens a database handle; the app stays free of any driver (`main.ts` passes a fake). */
  connect: Connect;
  /** Core's clock: tests share a ManualClock with the emulator to run simulated days. */
  clock?: InfisicalMiddlewareOptions['clock'];
}

export interface RunningApp {
  url: string;
  config: InfisicalConfig<AppSecrets>;
  pool: LeasedPool;
  close(): Promise<void>;
}

function required(env: Record<string, string | undefined>, name: string, what: string): string {
  const value = env[name]?.trim();
  if (!value) throw new InfisicalK8sError('OPTIONS_INVALID', `${name} is missing: set it to ${what}`);
  return value;
}

/**
 * Starts the app once its first lease is served: `GET /orders` queries through a pool that reconnects whenever
 * the lease is replaced, `GET /ready` is the readiness probe.
 *
 * @example
 * const app = await startApp({ port: 0, connect: (credentials) => new pg.Pool(credentials) });
 * await fetch(`${app.url}/orders`);
 * await app.close(); // revokes the lease
 */
export async function startApp(options: StartOptions): Promise<RunningApp> {
  const env = options.env ?? process.env;
  const secrets = infisical({
    schema,
    env,
    secrets: [
      { projectId: required(env, 'INFISICAL_PROJECT_ID', 'the id of the project holding DB_HOST'), environment: required(env, 'INFISICAL_ENVIRONMENT', 'its environment slug, e.g. prod'), secretPath: env.INFISICAL_SECRET_PATH ?? '/' },
      {
        dynamic: env.DB_DYNAMIC_SECRET ?? 'orders-db',
        projectSlug: required(env, 'DB_PROJECT_SLUG', 'the slug of the project holding the dynamic secret'),
        environment: env.DB_ENVIRONMENT ?? env.INFISICAL_ENVIRONMENT,
        fields: { DB_USERNAME: 'DB_USER', DB_PASSWORD: 'DB_PASS' },
      },
    ],
    ...(options.clock ? { clock: options.clock } : {}),
    ...(env.INFISICAL_CA_PATH ? { tls: { caPath: env.INFISICAL_CA_PATH } } : {}),
    ...(options.logger === false ? { logger: { warn: () => undefined, error: () => undefined } } : {}),
  });

  // The connection-pool pattern of core's README: connect with the first snapshot, reconnect on each replacement.
  const first = await secrets.ready().catch(async (error: unknown) => {
    await secrets.close();
    throw error;
  });
  const pool = new LeasedPool(options.connect, { host: first.DB_HOST, user: first.DB_USER, password: first.DB_PASS });
  const subscription = secrets.config.changes$.subscribe(({ snapshot, reason }) => {
    if (reason === 'lease') pool.reconnect({ host: snapshot.DB_HOST, user: snapshot.DB_USER, password: snapshot.DB_PASS });
  });

  const app = express();
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/ready', secrets.readiness);
  app.get('/orders', async (_req, res) => {
    try {
      res.json({ orders: await pool.query<{ id: number; total: number }>('SELECT id, total FROM orders ORDER BY id') });
    } catch {
      // A driver's message can carry the user name or connection string: answer without it.
      res.status(503).json({ error: 'database unavailable' });
    }
  });

  const port = options.port ?? Number(env.PORT ?? 3000);
  const server = app.listen(port, options.host ?? '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}`,
    config: secrets.config,
    pool,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      subscription.unsubscribe();
      await pool.end();
      // Revokes the lease, so the database user is dropped now rather than at the end of its TTL.
      await secrets.close();
    },
  };
}
