import type { Clock } from '../clock/clock.js';
import type { ConfigStatus } from '../config/types.js';
import type { FetchTally } from './fetch-tally.js';
import type { BatchObservableResultLike, MeterLike, ObservableLike, ResolvedMetrics } from './types.js';

/** The meter's name: the instrumentation scope every metric below is reported under. */
export const METER_NAME = '@infisical-k8s/core';

/** What the metrics read at collection time; nothing is pushed to them. */
export interface MetricsSource {
  clock: Clock;
  status(): ConfigStatus;
  fetches: FetchTally;
}

/** Every instrument: its kind, unit and meaning (the README's metrics table lists the same, a test compares them). */
export const METRIC_DEFINITIONS = {
  snapshotAge: { name: 'infisical_k8s.snapshot.age', kind: 'gauge', unit: 's', description: 'Time since the secrets were last confirmed current (the last successful refresh).' },
  tokenTimeToExpiry: { name: 'infisical_k8s.access_token.time_to_expiry', kind: 'gauge', unit: 's', description: 'Time until the access token in use expires.' },
  pushConnected: { name: 'infisical_k8s.push.connected', kind: 'gauge', unit: '1', description: '1 while every change-event stream is connected, else 0 (polling).' },
  pollInterval: { name: 'infisical_k8s.poll.interval', kind: 'gauge', unit: 's', description: 'The poll interval in effect, lengthened by 429s; 0 when polling is off.' },
  ready: { name: 'infisical_k8s.ready', kind: 'gauge', unit: '1', description: '1 while a snapshot is loaded, not stale and the config open, else 0.' },
  logins: { name: 'infisical_k8s.logins', kind: 'counter', unit: '{login}', description: 'Logins to Infisical.' },
  renewals: { name: 'infisical_k8s.renewals', kind: 'counter', unit: '{renewal}', description: 'Access-token renewals, by outcome (success, refused).' },
  fetches: { name: 'infisical_k8s.fetches', kind: 'counter', unit: '{fetch}', description: 'Refreshes of the secrets, by outcome (success, not_modified, error) and error code.' },
  rateLimited: { name: 'infisical_k8s.rate_limited', kind: 'counter', unit: '{response}', description: 'Answers Infisical sent with status 429.' },
} as const;

function instruments(meter: MeterLike): Record<keyof typeof METRIC_DEFINITIONS, ObservableLike> {
  const entries = Object.entries(METRIC_DEFINITIONS).map(([key, { name, kind, unit, description }]) => {
    const options = { unit, description };
    return [key, kind === 'gauge' ? meter.createObservableGauge(name, options) : meter.createObservableCounter(name, options)] as const;
  });
  return Object.fromEntries(entries) as Record<keyof typeof METRIC_DEFINITIONS, ObservableLike>;
}

/**
 * Registers the config's instruments on the provider's meter, with one batch callback that reads the config's
 * status when the SDK collects: no timer, no work between collections. Returns the function that unregisters it.
 */
export function startMetrics(metrics: ResolvedMetrics, source: MetricsSource): () => void {
  const meter = metrics.meterProvider.getMeter(METER_NAME);
  const i = instruments(meter);
  const base = metrics.attributes;
  const callback = (result: BatchObservableResultLike): void => {
    const status = source.status();
    const now = source.clock.now();
    const observe = (instrument: ObservableLike, value: number, extra: Record<string, string> = {}) => result.observe(instrument, value, { ...base, ...extra });
    if (status.lastSuccessAt !== undefined) observe(i.snapshotAge, Math.max(0, now - status.lastSuccessAt) / 1000);
    if (status.accessTokenExpiresAt !== undefined) observe(i.tokenTimeToExpiry, (status.accessTokenExpiresAt - now) / 1000);
    observe(i.pushConnected, status.mode === 'push' ? 1 : 0);
    observe(i.pollInterval, status.pollIntervalMs / 1000);
    observe(i.ready, status.ready && !status.stale ? 1 : 0);
    observe(i.logins, status.logins);
    observe(i.renewals, status.renewals, { 'infisical_k8s.renewal.outcome': 'success' });
    observe(i.renewals, status.refusedRenewals, { 'infisical_k8s.renewal.outcome': 'refused' });
    for (const { outcome, code, count } of source.fetches.entries()) {
      observe(i.fetches, count, { 'infisical_k8s.fetch.outcome': outcome, ...(code ? { 'error.type': code } : {}) });
    }
    observe(i.rateLimited, status.rateLimited);
  };
  const observables = Object.values(i);
  meter.addBatchObservableCallback(callback, observables);
  return () => meter.removeBatchObservableCallback(callback, observables);
}
