/**
 * Attribute values OpenTelemetry accepts on a data point. Keep them few and fixed: every distinct set is a series.
 *
 * @example
 * const attributes: MetricAttributesLike = { 'service.component': 'billing-api' };
 */
export type MetricAttributesLike = Record<string, string | number | boolean>;

/** The part of an OpenTelemetry observable instrument core uses (any `@opentelemetry/api` 1.x one fits). */
export type ObservableLike = object;

/** The part of an OpenTelemetry batch observable result core uses. */
export interface BatchObservableResultLike {
  observe(observable: ObservableLike, value: number, attributes?: MetricAttributesLike): void;
}

/** The part of an OpenTelemetry instrument's options core passes. */
export interface InstrumentOptionsLike {
  description?: string;
  unit?: string;
}

/** The part of an OpenTelemetry `Meter` core uses: observable instruments and one batch callback. */
export interface MeterLike {
  createObservableGauge(name: string, options?: InstrumentOptionsLike): ObservableLike;
  createObservableCounter(name: string, options?: InstrumentOptionsLike): ObservableLike;
  addBatchObservableCallback(callback: (result: BatchObservableResultLike) => void, observables: ObservableLike[]): void;
  removeBatchObservableCallback(callback: (result: BatchObservableResultLike) => void, observables: ObservableLike[]): void;
}

/**
 * An OpenTelemetry `MeterProvider` as core sees it: the SDK's `MeterProvider`, or `metrics.getMeterProvider()` from
 * `@opentelemetry/api`. Structural, so core's types never import the optional peer dependency.
 *
 * @example
 * import { MeterProvider } from '@opentelemetry/sdk-metrics';
 * const meterProvider: MeterProviderLike = new MeterProvider({ readers: [reader] });
 */
export interface MeterProviderLike {
  getMeter(name: string, version?: string): MeterLike;
}

/**
 * The `metrics` option: `true` reports through the global meter provider of `@opentelemetry/api` (which must be
 * installed); an object names the provider and the attributes every data point carries.
 *
 * @example
 * createInfisicalConfig({ metrics: { meterProvider, attributes: { 'service.component': 'billing-api' } } });
 */
export interface MetricsOptions {
  /** Default: the global one, `metrics.getMeterProvider()` of `@opentelemetry/api`, read when the config is created. */
  meterProvider?: MeterProviderLike;
  /**
   * Added to every data point. Two configs in one process reporting to one provider must differ here, or their
   * series collide. Default none.
   */
  attributes?: MetricAttributesLike;
}

/** The metrics option once checked: where to report and what to add. */
export interface ResolvedMetrics {
  meterProvider: MeterProviderLike;
  attributes: MetricAttributesLike;
}
