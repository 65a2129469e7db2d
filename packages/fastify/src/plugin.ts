import type { FastifyBaseLogger, FastifyInstance, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { createInfisicalConfig, invalidOption, type InfisicalConfig, type InfisicalConfigOptions, type InfisicalLogger } from '@infisical-k8s/core';
import { readinessResponse, readyOrClose } from '@infisical-k8s/core/adapter-kit';
import { bootDeadline, FASTIFY_PLUGIN_TIMEOUT_MS } from './boot-deadline.js';
import type { RegisteredSecrets } from './register.js';

/** Core's options, plus a readiness route. */
export interface InfisicalPluginOptions<S extends StandardSchemaV1 | undefined = StandardSchemaV1 | undefined> extends InfisicalConfigOptions<S> {
  /**
   * Registers `GET <readinessRoute>` for a Kubernetes readiness probe (200 ready or degraded, 503 not ready or stale).
   * Off by default.
   */
  readinessRoute?: string;
}

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
    throw invalidOption('readinessRoute', 'a path starting with "/"', readinessRoute);
  }
  const pluginTimeout = (app.initialConfig as { pluginTimeout?: number }).pluginTimeout ?? FASTIFY_PLUGIN_TIMEOUT_MS;
  const deadline = bootDeadline(pluginTimeout, coreOptions.readyTimeoutMs);
  const logger = coreOptions.logger ?? fastifyLogger(app.log);
  if (deadline.capped) {
    // A logger that is not one is core's to reject; this line goes to Fastify's then.
    (typeof logger.warn === 'function' ? logger : fastifyLogger(app.log)).warn(
      `readyTimeoutMs ${String(coreOptions.readyTimeoutMs)} is longer than Fastify's pluginTimeout (${pluginTimeout} ms) allows; waiting ${String(deadline.readyTimeoutMs)} ms instead. Raise pluginTimeout to wait longer.`,
    );
  }
  const config = createInfisicalConfig({ ...coreOptions, logger, readyTimeoutMs: deadline.readyTimeoutMs } as InfisicalConfigOptions);

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
      const { statusCode, body } = readinessResponse(config);
      return reply.code(statusCode).send(body);
    });
  }
  // Core's typed error (code, hint) is what the app's ready() rejects with. Rejecting at once, while closing goes on
  // in the background, keeps this rejection ahead of Fastify's pluginTimeout even when the event loop was too busy
  // to run either timer on time.
  await readyOrClose(config, { awaitClose: false });
};

/**
 * Loads your typed Infisical secrets before the app starts and keeps them fresh: `app.secrets` and
 * `request.secrets` always return the latest validated snapshot. `app.ready()` rejects with the typed
 * error (code + fix) when login or validation fails, before Fastify's `pluginTimeout` (a longer
 * `readyTimeoutMs` is lowered to fit, with a warning).
 *
 * @example
 * await app.register(infisicalPlugin, { schema, readinessRoute: '/ready' });
 * app.get('/', (request) => ({ greeting: request.secrets.GREETING }));
 */
export const infisicalPlugin = fp(plugin, { fastify: '5.x', name: '@infisical-k8s/fastify' });
export default infisicalPlugin;
