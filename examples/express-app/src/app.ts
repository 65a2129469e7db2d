import type { AddressInfo } from 'node:net';
import express from 'express';
import { infisical, type InfisicalConfig } from '@infisical-k8s/express';
import { schema, type AppSecrets } from './schema.js';

declare module '@infisical-k8s/express' {
  interface Register {
    secrets: AppSecrets;
  }
}

/** How the demo, the tests and `main.ts` start this app. */
export interface StartOptions {
  /** 0 = a free port. Default: PORT, then 3000. */
  port?: number;
  host?: string;
  /** INFISICAL_* variables; default process.env. */
  env?: Record<string, string | undefined>;
  /** false = quiet. */
  logger?: false;
}

export interface RunningApp {
  url: string;
  config: InfisicalConfig<AppSecrets>;
  close(): Promise<void>;
}

/** Starts the app once its secrets are loaded. */
export async function startApp(options: StartOptions = {}): Promise<RunningApp> {
  const env = options.env ?? process.env;
  const secrets = infisical({
    schema,
    env,
    ...(env.INFISICAL_CA_PATH ? { tls: { caPath: env.INFISICAL_CA_PATH } } : {}),
    ...(options.logger === false ? { logger: { warn: () => undefined, error: () => undefined } } : {}),
  });
  const app = express();
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/ready', secrets.readiness);
  app.use(secrets);
  app.get('/', (req, res) => {
    res.json({ framework: 'express', greeting: req.secrets.GREETING, port: req.secrets.PORT, database: new URL(req.secrets.DATABASE_URL).host });
  });

  await secrets.ready();
  const port = options.port ?? Number(env.PORT ?? secrets.config.get('PORT'));
  const server = app.listen(port, options.host ?? '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}`,
    config: secrets.config,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await secrets.close();
    },
  };
}
