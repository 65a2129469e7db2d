import type { FastifyBaseLogger, FastifyInstance, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { createInfisicalConfig, InfisicalK8sError, type InfisicalConfig, type InfisicalConfigOptions, type InfisicalLogger } from '@infisical-k8s/core';
import type { RegisteredSecrets } from './register.js';

/** Core's options, plus a readiness route. */
export interface InfisicalPluginOptions<S extends StandardSchemaV1 | undefined = StandardSchemaV1 | undefined> extends InfisicalConfigOptions<S> {
  /**
   * Registers `GET <readinessRoute>` for a Kubernetes readiness probe (200 ready, 503 not ready or stale).
   * Off by default.
   */
  readinessRoute?: string;
}

/** Fastify's default `pluginTimeout`; the boot deadline stays under it so users see our error, not FST_ERR_PLUGIN_TIMEOUT. */
const FASTIFY_PLUGIN_TIMEOUT_MS = 10_000;

function fastifyLogger(log: FastifyBaseLogger): InfisicalLogger {
  return {
    debug: (message, meta) => log.debug(meta ?? {}, message),
    info: (message, meta) => log.info(meta ?? {}, message),
    warn: (message, meta) => log.warn(meta ?? {}, message),
    error: (message, meta) => log.error(meta ?? {}, message),
  };
}

const plugin: FastifyPluginAsync<InfisicalPluginOptions> = async (app: FastifyInstance, options) => {
  const { readinessRoute, ...coreOptions } = options;
  if (readinessRoute !== undefined && (typeof readinessRoute !== 'string' || !readinessRoute.startsWith('/'))) {
    throw new InfisicalK8sError('OPTIONS_INVALID', `readinessRoute must be a path starting with "/", got ${String(readinessRoute)}`);
  }
  const pluginTimeout = (app.initialConfig as { pluginTimeout?: number }).pluginTimeout ?? FASTIFY_PLUGIN_TIMEOUT_MS;
  const config = createInfisicalConfig({
    logger: fastifyLogger(app.log),
    // Leave a margin under pluginTimeout (0 = no timeout) for the rest of the boot.
    readyTimeoutMs: pluginTimeout > 0 ? Math.max(1_000, pluginTimeout - 2_000) : 30_000,
    ...coreOptions,
  } as InfisicalConfigOptions);

  // The snapshot's type is whatever the app registered (see Register); the schema guarantees it at run time.
  const live = config as unknown as InfisicalConfig<RegisteredSecrets>;
  app.decorate('infisical', { getter: () => live });
  app.decorate('secrets', { getter: () => live.snapshot });
  app.decorateRequest('secrets', { getter: () => live.snapshot });
  app.addHook('onClose', async () => {
    await config.close();
  });
  if (readinessRoute) {
    app.get(readinessRoute, { logLevel: 'warn' }, async (_request, reply) => {
      const report = config.readiness();
      return reply.code(report.status === 'ready' ? 200 : 503).send(report);
    });
  }
  try {
    await config.ready();
  } catch (error) {
    await config.close();
    throw error;
  }
};

/**
 * Loads your typed Infisical secrets before the app starts and keeps them fresh: `app.secrets` and
 * `request.secrets` always return the latest validated snapshot. `app.ready()` rejects with the typed
 * error (code + fix) when login or validation fails.
 *
 * @example
 * await app.register(infisicalPlugin, { schema, readinessRoute: '/ready' });
 * app.get('/', (request) => ({ greeting: request.secrets.GREETING }));
 */
export const infisicalPlugin = fp(plugin, { fastify: '5.x', name: '@infisical-k8s/fastify' });
export default infisicalPlugin;
