import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { getSecretsToken, type InfisicalConfig } from '@infisical-k8s/nestjs';
import { AppModule } from './app.module.js';
import type { AppSecrets } from './schema.js';

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

/** Starts the app once its secrets are loaded (Nest awaits the module's async provider). */
export async function startApp(options: StartOptions = {}): Promise<RunningApp> {
  const env = options.env ?? process.env;
  const quiet = options.logger === false;
  const app = await NestFactory.create(
    AppModule.forEnvironment(env, quiet ? { logger: { warn: () => undefined, error: () => undefined } } : {}),
    quiet ? { logger: false, abortOnError: false } : { abortOnError: false },
  );
  app.enableShutdownHooks();
  const config = app.get<InfisicalConfig<AppSecrets>>(getSecretsToken());
  const port = options.port ?? Number(env.PORT ?? config.get('PORT'));
  await app.listen(port, options.host ?? '127.0.0.1');
  const address = app.getHttpServer().address() as AddressInfo;
  return { url: `http://${address.address}:${address.port}`, config, close: () => app.close() };
}
