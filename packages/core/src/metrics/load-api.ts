import { createRequire } from 'node:module';
import { InfisicalK8sError } from '../errors/error.js';
import type { MeterProviderLike } from './types.js';

type Require = (id: string) => unknown;

const OTEL_API = '@opentelemetry/api';

/**
 * The global meter provider of `@opentelemetry/api`, loaded only when asked for: the package is an optional peer
 * dependency, so core never imports it at load time. `require` (not `import()`) keeps `createInfisicalConfig`
 * synchronous; the API keeps its registry on `globalThis`, so its CommonJS and ESM copies see the same provider.
 */
export function globalMeterProvider(load: Require = createRequire(import.meta.url)): MeterProviderLike {
  let api: unknown;
  try {
    api = load(OTEL_API);
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new InfisicalK8sError('OPTIONS_INVALID', `metrics: true needs the optional peer dependency ${OTEL_API}: install it (npm install ${OTEL_API}), or pass metrics: { meterProvider }`, { cause: error });
  }
  const provider = (api as { metrics?: { getMeterProvider?: () => MeterProviderLike } } | null)?.metrics?.getMeterProvider?.();
  if (!provider || typeof provider.getMeter !== 'function') {
    throw new InfisicalK8sError('OPTIONS_INVALID', `metrics: true found a ${OTEL_API} without metrics.getMeterProvider(): install ${OTEL_API} 1.3 or later`);
  }
  return provider;
}
