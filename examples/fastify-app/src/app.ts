import Fastify from 'fastify';
import { infisicalPlugin, type InfisicalConfig } from '@infisical-k8s/fastify';
import { schema, type AppSecrets } from './schema.js';

declare module '@infisical-k8s/fastify' {
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
  const app = Fastify({ logger: options.logger !== false });
  await app.register(infisicalPlugin, {
    schema,
    env,
    readinessRoute: '/ready',
    ...(env.INFISICAL_CA_PATH ? { tls: { caPath: env.INFISICAL_CA_PATH } } : {}),
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/', async (request) => ({
    framework: 'fastify',
    greeting: request.secrets.GREETING,
    port: request.secrets.PORT,
    database: new URL(request.secrets.DATABASE_URL).host,
  }));
  const port = options.port ?? Number(env.PORT ?? app.secrets.PORT);
  const url = await app.listen({ port, host: options.host ?? '127.0.0.1' });
  return { url, config: app.infisical, close: () => app.close() };
}
