import { invalid, invalidOption, object } from '../options/check.js';
import { globalMeterProvider } from './load-api.js';
import type { MetricAttributesLike, ResolvedMetrics } from './types.js';

function attributes(value: unknown): MetricAttributesLike {
  const bag = object('metrics.attributes', value) ?? {};
  for (const [name, attribute] of Object.entries(bag)) {
    if (!name) invalid('metrics.attributes must not have an empty name');
    const kind = typeof attribute;
    if (kind !== 'string' && kind !== 'number' && kind !== 'boolean') throw invalidOption(`metrics.attributes["${name}"]`, 'a string, number or boolean', attribute);
  }
  return { ...(bag as MetricAttributesLike) };
}

/**
 * The `metrics` option: off (`undefined`, `false`), the global provider (`true`), or `{ meterProvider, attributes }`.
 * `@opentelemetry/api` is loaded only when the global provider is wanted, so core runs without it.
 */
export function resolveMetrics(value: unknown): ResolvedMetrics | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { meterProvider: globalMeterProvider(), attributes: {} };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidOption('metrics', 'true, false or { meterProvider, attributes }', value);
  const options = value as { meterProvider?: unknown; attributes?: unknown };
  const provider = options.meterProvider;
  if (provider !== undefined && typeof (provider as { getMeter?: unknown } | null)?.getMeter !== 'function') {
    throw invalidOption('metrics.meterProvider', 'an OpenTelemetry MeterProvider (with getMeter())', provider);
  }
  return { meterProvider: (provider as ResolvedMetrics['meterProvider'] | undefined) ?? globalMeterProvider(), attributes: attributes(options.attributes) };
}
