import { isOutage } from '../fallback/fallback.js';
import type { ConfigStatus, ReadinessReport } from './types.js';

/** Everything a config's health is computed from, read at one instant. */
export interface HealthState {
  now: number;
  /** A snapshot is loaded. */
  loaded: boolean;
  closed: boolean;
  /** Every push stream is connected. */
  pushActive: boolean;
  maxStalenessMs: number;
  refreshIntervalMs: number;
  lastRefreshAt: number | undefined;
  lastSuccessAt: number | undefined;
  lastError: ConfigStatus['lastError'];
  accessTokenExpiresAt: number | undefined;
  tokenStats: { logins: number; renewals: number; refusedRenewals: number };
  pollIntervalMs: number;
  nextAttemptAt: number | undefined;
  retryAfterMs: number | undefined;
  rateLimited: number;
  /** Serving the fallback file's snapshot. */
  degraded?: boolean;
  /** While degraded: when the served file passes its maximum age (epoch ms). */
  fallbackExpiresAt?: number | undefined;
  /** A dynamic secret's lease whose credentials are served has ended, and no new lease replaced it. */
  leaseEnded?: boolean;
}

/**
 * Old data is only "stale" when we had a chance to learn better and did not: refreshes are failing, or
 * polling is due and no push stream vouches for the data. With polling off and push up, silence is fine.
 */
export function isStale(state: HealthState): boolean {
  // The fallback file's values are as old as the file: past its maximum age they are too old to serve.
  if (state.degraded && state.fallbackExpiresAt !== undefined) return state.now > state.fallbackExpiresAt;
  // Ended credentials no longer work, however recent the last success.
  if (state.leaseEnded) return true;
  if (state.lastSuccessAt === undefined) return false;
  if (state.now - state.lastSuccessAt <= state.maxStalenessMs) return false;
  if (state.lastError !== undefined) return true;
  if (state.pushActive) return false;
  return state.refreshIntervalMs > 0;
}

/** The public status: never a value or a token. */
export function statusOf(state: HealthState): ConfigStatus {
  return {
    ready: state.loaded && !state.closed,
    stale: isStale(state),
    closed: state.closed,
    mode: state.pushActive ? 'push' : 'polling',
    degraded: state.degraded ?? false,
    lastRefreshAt: state.lastRefreshAt,
    lastSuccessAt: state.lastSuccessAt,
    lastError: state.lastError,
    accessTokenExpiresAt: state.accessTokenExpiresAt,
    logins: state.tokenStats.logins,
    renewals: state.tokenStats.renewals,
    refusedRenewals: state.tokenStats.refusedRenewals,
    pollIntervalMs: state.pollIntervalMs,
    nextAttemptAt: state.nextAttemptAt,
    retryAfterMs: state.retryAfterMs,
    rateLimited: state.rateLimited,
  };
}

/**
 * Ready for traffic: a snapshot, not stale, not closed. A fallback snapshot counts only while the failures are an
 * outage: once Infisical answers with a refusal (a revoked identity, a 403), the old values must not be served on.
 */
export function isReadyStatus(status: ConfigStatus): boolean {
  if (status.degraded && status.lastError !== undefined && !isOutage(status.lastError.code)) return false;
  return status.ready && !status.stale;
}

/** What a readiness probe answers; the poll interval only while 429s have lengthened it. */
export function readinessOf(status: ConfigStatus, intervalAdapted: boolean): ReadinessReport {
  return {
    status: !isReadyStatus(status) ? 'not-ready' : status.degraded ? 'degraded' : 'ready',
    stale: status.stale,
    ...(status.lastError ? { code: status.lastError.code } : {}),
    ...(intervalAdapted ? { pollIntervalMs: status.pollIntervalMs } : {}),
  };
}

/** What `util.inspect` shows: status and the number of keys, never a value. */
export function describeStatus(status: ConfigStatus, keys: number): string {
  return `InfisicalConfig { ready: ${status.ready}, stale: ${status.stale}, mode: '${status.mode}',${status.degraded ? ' degraded: true,' : ''} keys: ${keys}, closed: ${status.closed}${status.lastError ? `, lastError: '${status.lastError.code}'` : ''} }`;
}
