import type { StandardSchemaV1 } from '@standard-schema/spec';
import { createInfisicalConfig, type ConfigOutput, type InfisicalConfig, type InfisicalConfigOptions } from '@infisical-k8s/core';

/** A `@nestjs/config` factory, with the config behind it (close it on shutdown). */
export interface InfisicalConfigLoader<T> {
  (): Promise<Record<string, unknown>>;
  readonly config: InfisicalConfig<T>;
}

/**
 * For teams on `@nestjs/config`: `ConfigService.get('KEY')` reads Infisical values. ConfigService copies
 * what a loader returns at start-up, so these values are the first snapshot and do not refresh; inject the
 * live config (`@InjectSecrets()`) where freshness matters, or mirror changes with `loader.config.changes$`
 * and `ConfigService.set()`.
 *
 * @example
 * const infisicalLoader = infisicalConfigLoader({ schema });
 * ConfigModule.forRoot({ load: [infisicalLoader] });
 */
export function infisicalConfigLoader<S extends StandardSchemaV1 | undefined = undefined>(options: InfisicalConfigOptions<S> = {}): InfisicalConfigLoader<ConfigOutput<S>> {
  const config = createInfisicalConfig<S>(options);
  const loader = async () => ({ ...((await config.ready()) as Record<string, unknown>) });
  Object.defineProperty(loader, 'config', { value: config, enumerable: true });
  return loader as InfisicalConfigLoader<ConfigOutput<S>>;
}
