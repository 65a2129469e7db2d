import { describe, expect, it } from 'vitest';
import { describeStatus, isStale, readinessOf, statusOf, type HealthState } from './health.js';

const base: HealthState = {
  now: 1_000_000,
  loaded: true,
  closed: false,
  pushActive: false,
  maxStalenessMs: 60_000,
  refreshIntervalMs: 30_000,
  lastRefreshAt: 999_000,
  lastSuccessAt: 999_000,
  lastError: undefined,
  accessTokenExpiresAt: undefined,
  tokenStats: { logins: 1, renewals: 0, refusedRenewals: 0 },
  pollIntervalMs: 30_000,
  nextAttemptAt: undefined,
  retryAfterMs: undefined,
  rateLimited: 0,
};
const old = { lastSuccessAt: base.now - 120_000 };
const failing = { lastError: { code: 'SERVER_ERROR' as const, message: 'm', at: base.now } };

describe('Function: isStale', () => {
  it.each([
    ['never loaded', { lastSuccessAt: undefined, ...failing }, false],
    ['fresh, even while failing', failing, false],
    ['old and failing', { ...old, ...failing }, true],
    ['old, polling due, no push', old, true],
    ['old, push vouches for it', { ...old, pushActive: true }, false],
    ['old, polling off', { ...old, refreshIntervalMs: 0 }, false],
    ['old, failing, push up', { ...old, ...failing, pushActive: true }, true],
    ['exactly maxStalenessMs old and failing', { lastSuccessAt: base.now - 60_000, ...failing }, false],
    ['a dynamic lease ended, though just refreshed', { leaseEnded: true }, true],
    ['serving the fallback file at exactly its maximum age', { lastSuccessAt: undefined, ...failing, degraded: true, fallbackExpiresAt: base.now }, false],
    ['serving the fallback file a millisecond past it', { lastSuccessAt: undefined, ...failing, degraded: true, fallbackExpiresAt: base.now - 1 }, true],
    ['not serving the fallback file: its maximum age does not count', { fallbackExpiresAt: base.now - 1 }, false],
    ['serving a fallback file with no maximum age: the usual rules', { ...old, ...failing, degraded: true }, true],
  ] as const)('%s', (_, change, stale) => {
    expect(isStale({ ...base, ...change })).toBe(stale);
  });
});

describe('Function: readinessOf', () => {
  it('is ready only with a snapshot, fresh and open; names the last error\'s code and an adapted interval only', () => {
    expect(readinessOf(statusOf(base), false)).toEqual({ status: 'ready', stale: false });
    expect(readinessOf(statusOf({ ...base, closed: true }), false)).toMatchObject({ status: 'not-ready' });
    expect(readinessOf(statusOf({ ...base, ...old, ...failing }), true)).toEqual({ status: 'not-ready', stale: true, code: 'SERVER_ERROR', pollIntervalMs: 30_000 });
  });
});

describe('Function: readinessOf, serving the fallback file', () => {
  const degraded = { lastSuccessAt: undefined, degraded: true, fallbackExpiresAt: base.now + 1_000, ...failing };
  it.each([
    ['degraded during an outage', degraded, 'degraded'],
    ['degraded, the server unreachable', { ...degraded, lastError: { ...failing.lastError, code: 'INFISICAL_UNREACHABLE' as const } }, 'degraded'],
    ['degraded, then a refusal', { ...degraded, lastError: { ...failing.lastError, code: 'PERMISSION_DENIED' as const } }, 'not-ready'],
    ['degraded, the file past its maximum age', { ...degraded, fallbackExpiresAt: base.now - 1 }, 'not-ready'],
    ['degraded but closed', { ...degraded, closed: true }, 'not-ready'],
    ['degraded before any error was recorded', { ...degraded, lastError: undefined }, 'degraded'],
    ['not degraded: a refusal while the snapshot is fresh stays ready', { ...failing, lastError: { ...failing.lastError, code: 'PERMISSION_DENIED' as const } }, 'ready'],
  ] as const)('%s', (_, change, status) => {
    expect(readinessOf(statusOf({ ...base, ...change }), false).status).toBe(status);
  });
});

describe('Function: describeStatus', () => {
  it('shows status and the number of keys, never more', () => {
    expect(describeStatus(statusOf({ ...base, ...failing, pushActive: true }), 3)).toBe("InfisicalConfig { ready: true, stale: false, mode: 'push', keys: 3, closed: false, lastError: 'SERVER_ERROR' }");
    expect(describeStatus(statusOf({ ...base, degraded: true, fallbackExpiresAt: base.now + 1 }), 2)).toBe("InfisicalConfig { ready: true, stale: false, mode: 'polling', degraded: true, keys: 2, closed: false }");
  });
});
