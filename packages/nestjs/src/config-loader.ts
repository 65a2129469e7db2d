import type { StandardSchemaV1 } from '@standard-schema/spec';
import { createInfisicalConfig, type ConfigOutput, type InfisicalConfig, type InfisicalConfigOptions } from '@infisical-k8s/core';
import { readyOrClose } from '@infisical-k8s/core/adapter-kit';
import { liveView } from './live-view.js';

/** A `@nestjs/config` factory resolving to a live, read-only view of the latest snapshot, with the config behind it. */
export interface InfisicalConfigLoader<T> {
  (): Promise<Readonly<T>>;
  readonly config: InfisicalConfig<T>;
}

/**
 * For teams on `@nestjs/config`. The factory resolves to a read-only object that always shows the latest snapshot
 * (typed by the schema; `util.inspect` and `JSON.stringify` show only its key count).
 * - Namespaced, live: `registerAs('db', infisicalConfigLoader({ ... }))` in `load` or `ConfigModule.forFeature`;
 *   `ConfigService.get('db.PASSWORD')` and `@Inject(db.KEY)` follow every refresh.
 * - Root keys: ConfigModule copies a root factory's values at start-up; add `InfisicalConfigModule.register(loader)`
 *   so `ConfigService.get('KEY')` follows changes too (and the config closes with the app).
 *
 * @example
 * const secrets = infisicalConfigLoader({ schema });
 * const db = registerAs('db', infisicalConfigLoader({ secrets: { projectId, environment: 'prod', secretPath: '/db' }, schema: dbSchema }));
 * @Module({ imports: [ConfigModule.forRoot({ load: [secrets, db], skipProcessEnv: true }), InfisicalConfigModule.register(secrets, db)] })
 * export class AppModule {}
 */
export function infisicalConfigLoader<S extends StandardSchemaV1 | undefined = undefined>(options: InfisicalConfigOptions<S> = {}): InfisicalConfigLoader<ConfigOutput<S>> {
  const config = createInfisicalConfig<S>(options);
  let view: Promise<Readonly<ConfigOutput<S>>> | undefined;
  // One view per loader: a registerAs factory may run twice (in `load` and through `asProvider()`). A failed first
  // load closes the config, so nothing outlives a failed boot.
  const loader = () => (view ??= readyOrClose(config).then(() => liveView(config)));
  Object.defineProperty(loader, 'config', { value: config, enumerable: true });
  return loader as InfisicalConfigLoader<ConfigOutput<S>>;
}
