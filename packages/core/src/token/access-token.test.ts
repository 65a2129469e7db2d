import { describe, expect, it } from 'vitest';
import * as fc from 'fast-check';
import { describeAccessToken } from './access-token.js';

const DAY_S = 86_400;
const jwt = (claims: object) => `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;
const SENT = Date.UTC(2026, 0, 1);

describe('Function: describeAccessToken', () => {
  it('takes the smaller of expiresIn and exp - iat: current servers cap exp at 90 days while expiresIn says the TTL', () => {
    const iat = 1_000_000;
    const info = describeAccessToken(jwt({ iat, exp: iat + 90 * DAY_S, creationEpoch: iat }), { expiresIn: 365 * DAY_S, accessTokenMaxTTL: 0 }, SENT);
    expect(info.expiresAt).toBe(SENT + 90 * DAY_S * 1000);
    expect(describeAccessToken(jwt({ iat, exp: iat + 7200 }), { expiresIn: 3600, accessTokenMaxTTL: 0 }, SENT).expiresAt).toBe(SENT + 3600_000);
  });

  it('expiresIn 0 with an exp (a TTL of 0 on a current server) lives exp - iat, not forever', () => {
    const iat = 1_000_000;
    const info = describeAccessToken(jwt({ iat, exp: iat + 90 * DAY_S }), { expiresIn: 0, accessTokenMaxTTL: 0 }, SENT);
    expect(info.expiresAt).toBe(SENT + 90 * DAY_S * 1000);
    expect(info.deadOnArrival).toBe(false);
  });

  it('expiresIn 0 and no exp (a classic token with a TTL of 0) never expires; a negative expiresIn and no exp is dead', () => {
    expect(describeAccessToken(jwt({ iat: 1 }), { expiresIn: 0, accessTokenMaxTTL: 0 }, SENT)).toMatchObject({ expiresAt: Number.POSITIVE_INFINITY, deadOnArrival: false });
    expect(describeAccessToken(jwt({ iat: 1 }), { expiresIn: -5, accessTokenMaxTTL: 0 }, SENT)).toMatchObject({ expiresAt: SENT, deadOnArrival: true });
    expect(describeAccessToken(jwt({ iat: 10, exp: 10 }), { expiresIn: 3600, accessTokenMaxTTL: 0 }, SENT).deadOnArrival).toBe(true);
  });

  it('the max-TTL budget comes from the server clock (creationEpoch, iat), carried onto the pod clock', () => {
    const creationEpoch = 1_000_000;
    const iat = creationEpoch + 3000;
    const info = describeAccessToken(jwt({ iat, exp: iat + 3600, creationEpoch, accessTokenTTL: 3600, accessTokenMaxTTL: DAY_S }), { expiresIn: 3600, accessTokenMaxTTL: DAY_S }, SENT);
    expect(info).toMatchObject({ createdAt: SENT - 3000_000, maxExpiresAt: SENT - 3000_000 + DAY_S * 1000, ttlMs: 3600_000 });
  });

  it('is the same whatever the skew between the pod clock and the server clock; only the overdue figure moves', () => {
    expect(
      fc.check(
        fc.property(fc.integer({ min: -30 * DAY_S, max: 30 * DAY_S }), fc.integer({ min: 60, max: 90 * DAY_S }), (skewS, ttlS) => {
          const iat = Math.floor(SENT / 1000) + skewS;
          const info = describeAccessToken(jwt({ iat, exp: iat + ttlS, creationEpoch: iat, accessTokenTTL: ttlS, accessTokenMaxTTL: 2 * ttlS }), { expiresIn: ttlS, accessTokenMaxTTL: 2 * ttlS }, SENT);
          const overdue = SENT - (iat + ttlS) * 1000;
          return (
            info.expiresAt === SENT + ttlS * 1000 &&
            info.maxExpiresAt === SENT + 2 * ttlS * 1000 &&
            info.expiredByPodClockMs === (overdue >= 0 ? overdue : undefined)
          );
        }),
      ).counterexample,
    ).toBeNull();
  });
});

describe('Function: describeAccessToken, claims a server may leave out', () => {
  it('exp without iat (no server we know sends that) is read against the pod clock, never NaN', () => {
    const exp = Math.floor(SENT / 1000) + 1800;
    expect(describeAccessToken(jwt({ exp }), { expiresIn: 3600, accessTokenMaxTTL: 0 }, SENT)).toMatchObject({ expiresAt: SENT + 1800_000, deadOnArrival: false });
    expect(describeAccessToken(jwt({ exp }), { expiresIn: 0, accessTokenMaxTTL: 0 }, SENT).expiresAt).toBe(SENT + 1800_000);
  });

  it('creationEpoch without iat: the lineage is as old as the first login says, or starts now', () => {
    const token = jwt({ exp: Math.floor(SENT / 1000) + 3600, creationEpoch: 1_000_000 });
    expect(describeAccessToken(token, { expiresIn: 3600, accessTokenMaxTTL: DAY_S }, SENT)).toMatchObject({ createdAt: SENT, maxExpiresAt: SENT + DAY_S * 1000 });
    expect(describeAccessToken(token, { expiresIn: 3600, accessTokenMaxTTL: DAY_S }, SENT, SENT - 5000).createdAt).toBe(SENT - 5000);
  });

  it('a classic token (no creationEpoch, no TTL claims): the TTLs of the answer, the first login of the lineage, its jti', () => {
    const iat = Math.floor(SENT / 1000);
    const first = SENT - 7200_000;
    const info = describeAccessToken(jwt({ iat, exp: iat + 3600, jti: 'j-1' }), { expiresIn: 3600, accessTokenMaxTTL: DAY_S }, SENT, first);
    expect(info).toMatchObject({ createdAt: first, ttlMs: 3600_000, maxExpiresAt: first + DAY_S * 1000, usesLimit: 0, lineage: 'j-1', expiredByPodClockMs: undefined });
    // No max TTL, no TTL said (expiresIn 0), a uses limit, and the current servers' lineage id over the jti.
    const other = describeAccessToken(jwt({ iat, exp: iat + 60, jti: 'j-2', identityAccessTokenId: 'id-2', numUsesLimit: 5 }), { expiresIn: 0, accessTokenMaxTTL: 0 }, SENT);
    expect(other).toMatchObject({ createdAt: SENT, ttlMs: 0, maxExpiresAt: 0, usesLimit: 5, lineage: 'id-2' });
    // A negative expiresIn is nonsense: no TTL, not a negative one.
    expect(describeAccessToken(jwt({ iat, exp: iat + 60 }), { expiresIn: -5, accessTokenMaxTTL: 0 }, SENT).ttlMs).toBe(0);
  });

  it('counts how long a token arrived overdue by the pod clock, from the very millisecond of its exp', () => {
    const exp = Math.floor(SENT / 1000);
    expect(describeAccessToken(jwt({ iat: exp - 3600, exp }), { expiresIn: 3600, accessTokenMaxTTL: 0 }, SENT).expiredByPodClockMs).toBe(0);
    expect(describeAccessToken(jwt({ iat: exp - 3600, exp }), { expiresIn: 3600, accessTokenMaxTTL: 0 }, SENT + 2000).expiredByPodClockMs).toBe(2000);
    expect(describeAccessToken(jwt({ iat: exp - 3600, exp }), { expiresIn: 3600, accessTokenMaxTTL: 0 }, SENT - 1).expiredByPodClockMs).toBeUndefined();
  });
});
