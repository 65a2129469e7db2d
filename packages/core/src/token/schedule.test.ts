import { describe, expect, it } from 'vitest';
import * as fc from 'fast-check';
import { MAX_TTL_MARGIN_MS, planNext } from './schedule.js';

const HOUR = 3600_000;

/** A token as a login or renewal leaves it: created at or before now, expiring within its TTL and max TTL. */
const tokens = fc
  .record({
    ttlS: fc.integer({ min: 60, max: 90 * 24 * 3600 }),
    maxFactor: fc.oneof(fc.constant(0), fc.constant(1), fc.double({ min: 1, max: 50, noNaN: true })),
    ageFraction: fc.double({ min: 0, max: 1, noNaN: true }),
    random: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
    refused: fc.boolean(),
  })
  .map(({ ttlS, maxFactor, ageFraction, random, refused }) => {
    const createdAt = Date.UTC(2026, 0, 1);
    const ttlMs = ttlS * 1000;
    const maxTtlMs = Math.round(ttlMs * maxFactor);
    const maxExpiresAt = maxTtlMs > 0 ? createdAt + maxTtlMs : 0;
    // Time of the last renewal within the lineage, then the token it holds.
    const renewedAt = createdAt + Math.floor((maxTtlMs > 0 ? maxTtlMs : ttlMs) * ageFraction);
    const expiresAt = maxExpiresAt > 0 ? Math.min(renewedAt + ttlMs, maxExpiresAt) : renewedAt + ttlMs;
    return { info: { expiresAt, maxExpiresAt, ttlMs, usesLimit: 0, createdAt }, now: renewedAt, random, refused };
  });

// Each property returns a boolean; a failure shows fast-check's shrunk counterexample in the assertion diff.
describe('Function: planNext', () => {
  it('acts before the token expires, never in the past, at about 2/3 of the remaining life at the latest', () => {
    expect(
      fc.check(
        fc.property(tokens, ({ info, now, random, refused }) => {
          const next = planNext(info, now, random, refused)!;
          const remaining = info.expiresAt - now;
          return next.at >= now && next.at <= now + (Math.max(0, remaining) * 2) / 3 && (remaining <= 0 || next.at < info.expiresAt);
        }),
      ).counterexample,
    ).toBeNull();
  });

  it('renews only when a whole TTL still fits before the max TTL, and never after a refusal', () => {
    expect(
      fc.check(
        fc.property(tokens, ({ info, now, random, refused }) => {
          const next = planNext(info, now, random, refused)!;
          return next.action === 'login' || (!refused && (info.maxExpiresAt === 0 || info.maxExpiresAt - next.at >= info.ttlMs));
        }),
      ).counterexample,
    ).toBeNull();
  });

  it('logs in a margin before the max TTL ends', () => {
    expect(
      fc.check(
        fc.property(tokens, ({ info, now, random, refused }) => {
          const next = planNext(info, now, random, refused)!;
          const margin = Math.min(MAX_TTL_MARGIN_MS, info.ttlMs / 10);
          return info.maxExpiresAt === 0 || info.maxExpiresAt - now <= MAX_TTL_MARGIN_MS || next.at <= info.maxExpiresAt - margin;
        }),
      ).counterexample,
    ).toBeNull();
  });

  it('matches the worked example: TTL 1 h, max 24 h, jitter 0.5 → renew at 2280 s', () => {
    const createdAt = 0;
    const info = { expiresAt: HOUR, maxExpiresAt: 24 * HOUR, ttlMs: HOUR, usesLimit: 0, createdAt };
    expect(planNext(info, 0, 0.5, false)).toEqual({ action: 'renew', at: 2_280_000 });
    expect(planNext({ ...info, expiresAt: 84_360_000 + HOUR }, 84_360_000 - 2_280_000 + 0, 0.5, false)?.action).toBe('login');
    expect(planNext({ ...info, expiresAt: Number.POSITIVE_INFINITY }, 0, 0.5, false)).toBeUndefined();
    // No max TTL (0): renew at the same point, never an early login.
    expect(planNext({ ...info, maxExpiresAt: 0 }, 0, 0.5, false)).toEqual({ action: 'renew', at: 2_280_000 });
  });

  // The property above rarely draws a token this close to its max TTL; these pin the margin's arithmetic.
  it('logs in a minute before the max TTL when two thirds of what is left would land later', () => {
    // 150 s left, all of it before the max TTL: 2/3 is 100 s, the margin says 90 s.
    const info = { expiresAt: 150_000, maxExpiresAt: 150_000, ttlMs: HOUR, usesLimit: 0, createdAt: -HOUR };
    expect(planNext(info, 0, 0, false)).toEqual({ action: 'login', at: 90_000 });
    // A TTL the server did not say (0) still gets the whole minute, not none.
    expect(planNext({ ...info, ttlMs: 0 }, 0, 0, false)?.at).toBe(90_000);
  });

  it('a short-lived token keeps a tenth of its TTL as the margin, not a whole minute', () => {
    // TTL 100 s, 20 s left: 2/3 is 13.3 s; a 10 s margin says 10 s (a 60 s margin would say now).
    const info = { expiresAt: 20_000, maxExpiresAt: 20_000, ttlMs: 100_000, usesLimit: 0, createdAt: -80_000 };
    expect(planNext(info, 0, 0, false)).toEqual({ action: 'login', at: 10_000 });
  });

  it('renews when exactly one whole TTL still fits before the max TTL', () => {
    // Renewing at 40 min gives a token to 100 min: the max TTL itself, a whole hour's renewal.
    const info = { expiresAt: HOUR, maxExpiresAt: 100 * 60_000, ttlMs: HOUR, usesLimit: 0, createdAt: 0 };
    expect(planNext(info, 0, 0, false)).toEqual({ action: 'renew', at: 40 * 60_000 });
    expect(planNext({ ...info, maxExpiresAt: 100 * 60_000 - 1 }, 0, 0, false)?.action).toBe('login');
  });
});
