import { InfisicalK8sError } from '../errors/error.js';
import type { InfisicalLogger } from '../options/types.js';
import type { AccessTokenInfo } from './access-token.js';

/** One login and the renewals that extend it: the server keeps one `jti` for all of them. */
export interface Lineage {
  generation: number;
  /** The latest JWT of the lineage: what calls, renewals and the revocation use. */
  token: string;
  info: AccessTokenInfo;
  /** The server refused it on a call (401, 403 TokenError): never used, renewed or revoked again. */
  refused: boolean;
  /** It looked expired by the pod's clock on arrival: not trusted to replace its predecessor until it renews. */
  suspect: boolean;
}

/** A token that already looked expired on arrival was then refused: stale, not skewed. */
export function staleTokenError(): InfisicalK8sError {
  return new InfisicalK8sError(
    'TOKEN_EXPIRED',
    'Infisical refused an access token that already looked expired when it arrived: this host\'s clock is ahead of Infisical\'s by more than the token TTL, or a proxy answers logins from a cache. Logging in again after a backoff.',
    { hint: 'Sync this host\'s clock (NTP) and make sure no proxy caches POST /api/v1/auth/* answers.' },
  );
}

/** The login answered a token with no lifetime left by its own numbers. */
export function deadOnArrivalError(): InfisicalK8sError {
  return new InfisicalK8sError(
    'TOKEN_EXPIRED',
    'Infisical answered the login with an access token that has no lifetime left by its own numbers (exp at or before iat, or a negative expiresIn): a proxy may be answering logins from a cache. Logging in again after a backoff.',
    { hint: 'Make sure nothing between this pod and Infisical caches POST /api/v1/auth/* answers.' },
  );
}

/** Warns once that the pod's clock disagrees with Infisical's; times are server-relative, so it is only a warning. */
export function warnSkewOnce(logger: InfisicalLogger): (info: AccessTokenInfo) => void {
  let warned = false;
  return (info) => {
    if (info.expiredByPodClockMs === undefined || warned) return;
    warned = true;
    const seconds = Math.round(info.expiredByPodClockMs / 1000);
    logger.warn(
      `clock skew: the access token Infisical just issued already looks expired by this host's clock (its exp is ${seconds} s in the past), so this host's clock is ahead of Infisical's by more than the token TTL, or a proxy returned a stale answer. Token times are counted from Infisical's own lifetime, so refreshes go on as usual; sync this host's clock (NTP).`,
      { expiredBySeconds: seconds },
    );
  };
}
