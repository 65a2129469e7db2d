import type { InfisicalClient } from 'node-infisical';
import type { InfisicalK8sError } from '../errors/error.js';
import type { ResolvedOptions } from '../options/resolve.js';
import { PushSubscription } from '../secrets/push.js';
import { TokenManager } from '../token/token-manager.js';
import type { ErrorReporter } from './error-reporter.js';
import type { RefreshScheduler } from './refresh-scheduler.js';

/** The token manager of a config: `onLogin` after each new login (not a renewal), errors to `onError`. */
export function tokenManagerFor(client: InfisicalClient, o: ResolvedOptions, hooks: { onLogin(): void; onError(error: InfisicalK8sError): void }): TokenManager {
  return new TokenManager(
    client,
    { auth: o.auth, identityId: o.identityId, tokenPath: o.tokenPath, siteUrl: o.siteUrl, clock: o.clock, logger: o.logger, random: o.random, backoff: o.backoff },
    { onToken: (kind) => kind === 'login' && hooks.onLogin(), onError: hooks.onError },
  );
}

/**
 * The push subscription of a config: events go to the scheduler (debounce, spread), a reconnect to `onReconnected`
 * (events are not replayed), a refusal back to polling with one warning.
 */
export function pushSubscriptionFor(
  client: InfisicalClient,
  tokens: TokenManager,
  o: ResolvedOptions,
  parts: { scheduler: RefreshScheduler; errors: ErrorReporter; onReconnected(): void },
): PushSubscription {
  const { scheduler, errors } = parts;
  return new PushSubscription(
    client,
    tokens,
    { clock: o.clock, logger: o.logger, random: o.random, backoff: o.backoff },
    {
      onChange: () => scheduler.pushEvent(),
      onReconnected: () => parts.onReconnected(),
      onRetryAfter: (ms) => void (errors.retryAfterMs = ms),
      onRefused: (reason) => {
        o.logger.warn(`push notifications refused by Infisical (${reason}); polling every ${scheduler.interval.current} ms instead`);
        scheduler.schedulePoll();
      },
    },
  );
}
