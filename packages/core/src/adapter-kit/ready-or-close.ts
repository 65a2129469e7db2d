import type { StandardSchemaV1 } from '@standard-schema/spec';
import { createInfisicalConfig } from '../config/create-infisical-config.js';
import type { ConfigOutput, InfisicalConfig } from '../config/types.js';
import type { InfisicalConfigOptions } from '../options/types.js';

/**
 * How `readyOrClose` closes a config whose first snapshot failed.
 *
 * @example
 * await readyOrClose(config, { awaitClose: false }); // Fastify: reject before pluginTimeout, close in the background
 */
export interface ReadyOrCloseOptions {
  /**
   * `true` (default): reject once closing has finished (a host that exits right after a failed boot then leaves
   * nothing behind). `false`: reject at once while closing goes on (its synchronous start already stops every
   * retry), for hosts that abandon a boot step after a deadline of their own, such as Fastify's `pluginTimeout`.
   */
  awaitClose?: boolean;
}

/**
 * Awaits the first snapshot of a config an adapter created; if that fails, closes the config (so no timer or
 * socket outlives a failed boot) and rejects with core's typed error (code and fix), never a wrapped one.
 *
 * @example
 * const config = createInfisicalConfig(options);
 * app.decorate('infisical', { getter: () => config });
 * await readyOrClose(config, { awaitClose: false });
 */
export async function readyOrClose<T>(config: InfisicalConfig<T>, options: ReadyOrCloseOptions = {}): Promise<T> {
  try {
    return await config.ready();
  } catch (error) {
    if (options.awaitClose === false) config.close().catch(() => undefined);
    else await config.close();
    throw error;
  }
}

/**
 * Creates a config and resolves with it once its first snapshot is loaded: the boot step of a framework that
 * awaits an async factory (a Nest provider). On failure the config is closed first, then the typed error is thrown.
 *
 * @example
 * useFactory: (options: InfisicalConfigOptions) => startConfig({ logger: nestLogger(), ...options }),
 */
export async function startConfig<S extends StandardSchemaV1 | undefined = undefined>(
  options: InfisicalConfigOptions<S>,
  closing: ReadyOrCloseOptions = {},
): Promise<InfisicalConfig<ConfigOutput<S>>> {
  const config = createInfisicalConfig<S>(options);
  await readyOrClose(config, closing);
  return config;
}
