import { Inject, Injectable, Module, Optional, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { InfisicalK8sError } from '@infisical-k8s/core';
import type { InfisicalConfigLoader } from './config-loader.js';
import { bindRootKeys } from './root-binding.js';

const LOADERS = 'InfisicalK8sConfigLoaders';
// @nestjs/config's own provider of the object ConfigService reads (global through its ConfigHostModule). Injected by
// its name so this package never imports @nestjs/config at run time.
const CONFIGURATION_TOKEN = 'CONFIGURATION_TOKEN';

/** Any loader from `infisicalConfigLoader()`, with or without `registerAs()` around it. */
type AnyLoader = Pick<InfisicalConfigLoader<unknown>, 'config'> & (() => Promise<unknown>);

function checkLoaders(loaders: unknown[]): AnyLoader[] {
  if (loaders.length === 0) throw new InfisicalK8sError('OPTIONS_INVALID', 'InfisicalConfigModule.register needs at least one loader from infisicalConfigLoader().');
  const bad = loaders.findIndex((loader) => typeof loader !== 'function' || typeof (loader as Partial<AnyLoader>).config?.ready !== 'function');
  if (bad !== -1) throw new InfisicalK8sError('OPTIONS_INVALID', `InfisicalConfigModule.register: argument ${bad + 1} is a ${typeof loaders[bad]}, not a loader from infisicalConfigLoader().`);
  return loaders as AnyLoader[];
}

/** registerAs() gives its factory a KEY: `@nestjs/config` keeps such a factory's result by reference, under its namespace. */
function isNamespaced(loader: AnyLoader): boolean {
  return Object.hasOwn(loader, 'KEY');
}

@Injectable()
class LiveConfigBinding implements OnModuleInit, OnApplicationShutdown {
  readonly #subscriptions: Subscription[] = [];

  constructor(
    @Inject(LOADERS) private readonly loaders: AnyLoader[],
    @Optional() @Inject(CONFIGURATION_TOKEN) private readonly host: Record<string, unknown> | undefined,
  ) {}

  // After every provider exists: ConfigModule has copied the root values by then, and the accessors replace them.
  async onModuleInit(): Promise<void> {
    for (const loader of this.loaders.filter((one) => !isNamespaced(one))) {
      if (!this.host) throw new InfisicalK8sError('OPTIONS_INVALID', 'InfisicalConfigModule.register: no ConfigService to bind to. Import ConfigModule.forRoot() (from @nestjs/config) in the app.');
      this.#subscriptions.push(bindRootKeys(this.host, (await loader()) as Readonly<Record<string, unknown>>, loader.config));
    }
  }

  async onApplicationShutdown(): Promise<void> {
    for (const subscription of this.#subscriptions.splice(0)) subscription.unsubscribe();
    await Promise.all(this.loaders.map((loader) => loader.config.close()));
  }
}

/**
 * Makes `ConfigService.get('KEY')` follow Infisical for loaders used as root `load` factories, and closes every
 * loader's config on shutdown (namespaced `registerAs` loaders are live by themselves; register them to close them).
 * Values follow from app init (`app.init()`, `listen()`, `createApplicationContext`); before that they are the first
 * snapshot. Needs `ConfigModule.forRoot()` from `@nestjs/config` in the app.
 *
 * @example
 * const secrets = infisicalConfigLoader({ schema });
 * @Module({ imports: [ConfigModule.forRoot({ load: [secrets], skipProcessEnv: true }), InfisicalConfigModule.register(secrets)] })
 * export class AppModule {}
 */
@Module({})
export class InfisicalConfigModule {
  static register(...loaders: AnyLoader[]): DynamicModule {
    return { module: InfisicalConfigModule, providers: [{ provide: LOADERS, useValue: checkLoaders(loaders) }, LiveConfigBinding] };
  }
}
