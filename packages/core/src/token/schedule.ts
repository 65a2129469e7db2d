import type { AccessTokenInfo } from './access-token.js';

/** Log in this long before the max TTL ends (capped at a tenth of the TTL for short-lived tokens). */
export const MAX_TTL_MARGIN_MS = 60_000;

/** What to do next with the access token, and when (epoch ms). */
export interface PlannedAction {
  action: 'renew' | 'login';
  at: number;
}

/**
 * The Go SDK's rule with the Agent's 2/3: renew at about two thirds of the remaining life (minus up to 10 %
 * jitter, so a fleet started together spreads out), but only while a renewal can still give a whole TTL
 * before the max TTL; otherwise log in, a margin before the max TTL. `renewRefused` (the server said no,
 * or a renewal stopped extending the token) means login for the rest of the lineage.
 */
export function planNext(info: Pick<AccessTokenInfo, 'expiresAt' | 'maxExpiresAt' | 'ttlMs'>, now: number, random: number, renewRefused: boolean): PlannedAction | undefined {
  if (!Number.isFinite(info.expiresAt)) return undefined;
  const remaining = Math.max(0, info.expiresAt - now);
  let at = now + remaining * (2 / 3) * (1 - 0.1 * random);
  if (info.maxExpiresAt > 0) at = Math.min(at, info.maxExpiresAt - Math.min(MAX_TTL_MARGIN_MS, info.ttlMs / 10 || MAX_TTL_MARGIN_MS));
  at = Math.max(now, at);
  const renewalUseless = info.maxExpiresAt > 0 && info.maxExpiresAt - at < info.ttlMs;
  return { action: renewRefused || renewalUseless ? 'login' : 'renew', at };
}
