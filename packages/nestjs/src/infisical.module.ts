import { Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { InfisicalConfig, InfisicalLogger } from '@infisical-k8s/core';
import { startConfig } from '@infisical-k8s/core/adapter-kit';
import { ConfigurableModuleClass, type InfisicalModuleOptions } from './module-definition.js';
import { InfisicalReadiness } from './readiness.js';
import { INFISICAL_CHANGES, INFISICAL_CONFIG, INFISICAL_MODULE_OPTIONS } from './tokens.js';

function nestLogger(): InfisicalLogger {
  const logger = new Logger('Infisical');
  return {
    debug: (message) => logger.debug(message),
    info: (message) => logger.log(message),
    warn: (message) => logger.warn(message),
    error: (message) => logger.error(message),
  };
}

/**
 * Loads your typed Infisical secrets before the app starts (Nest awaits the async provider, so
 * `NestFactory.create` fails with the typed error when login or validation fails) and keeps them fresh.
 *
 * @example
 * @Module({ imports: [InfisicalModule.forRoot({ kubernetesAuth: { identityId }, secrets: { projectId, environment: 'prod' }, schema, isGlobal: true })] })
 * export class AppModule {}
 */
@Module({
  providers: [
    {
      provide: INFISICAL_CONFIG,
      inject: [INFISICAL_MODULE_OPTIONS],
      // Nest awaits this provider: a failed first load closes the config and fails NestFactory.create with core's typed error.
      useFactory: (options: InfisicalModuleOptions): Promise<InfisicalConfig<unknown>> => startConfig({ logger: nestLogger(), ...options }) as Promise<InfisicalConfig<unknown>>,
    },
    { provide: INFISICAL_CHANGES, inject: [INFISICAL_CONFIG], useFactory: (config: InfisicalConfig<unknown>) => config.changes$ },
    InfisicalReadiness,
  ],
  exports: [INFISICAL_CONFIG, INFISICAL_CHANGES, InfisicalReadiness],
})
export class InfisicalModule extends ConfigurableModuleClass implements OnApplicationShutdown {
  constructor(@Inject(INFISICAL_CONFIG) private readonly config: InfisicalConfig<unknown>) {
    super();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.config.close();
  }
}
