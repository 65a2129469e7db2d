import type { EmulatorClock } from '../clock.js';
import type { ServerGeneration, StartEmulatorOptions } from '../emulator-types.js';
import { Router } from '../http/router.js';
import { RateLimiter, bucketFor, resolveRateLimit } from '../http/rate-limit.js';
import type { RouteResponse } from '../http/router.js';
import type { AccessTokens } from './access-tokens.js';
import type { InfisicalContext } from './context.js';
import { envelope } from './errors.js';
import type { SecretEvents } from './secret-events.js';
import type { InfisicalState } from './state.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerEventRoutes } from './routes/events.js';
import { registerDynamicSecretRoutes } from './routes/dynamic-secrets.js';
import { registerFolderRoutes } from './routes/folders.js';
import { registerLoginRoutes } from './routes/login.js';
import { registerSecretRoutes } from './routes/secrets.js';
import type { SecretWriter } from './routes/secret-writer.js';

/** What every generation of the server shares: the data, the tokens and the open event streams. */
export interface SharedInfisical {
  state: InfisicalState;
  tokens: AccessTokens;
  clock: EmulatorClock;
  events: SecretEvents;
  sse: { pingIntervalMs: number; connectionTimeoutMs: number };
}

/** One server generation: its routes, its error shapes and its rate limits, over the shared data. */
export interface InfisicalApp {
  ctx: InfisicalContext;
  router: Router;
  /** An Infisical error body, as this generation's error handler shapes it. */
  envelope(status: number, message: unknown, error: string): unknown;
  /** Reshapes an error body a handler threw. */
  shapeError(body: unknown): unknown;
  /** Rate-limit headers, and the 429 when the request is over a limit. */
  admit(key: string, ip: string): { headers: Record<string, string>; reject?: RouteResponse };
}

/** Error bodies of the 2024 error handler carried no request id. */
function withoutReqId(generation: ServerGeneration, body: unknown): unknown {
  if (generation !== '2024' || !body || typeof body !== 'object' || !('reqId' in body)) return body;
  const { reqId: _reqId, ...rest } = body as Record<string, unknown>;
  return rest;
}

function contextFor(generation: ServerGeneration, options: StartEmulatorOptions, shared: SharedInfisical): InfisicalContext {
  return {
    state: shared.state,
    tokens: shared.tokens,
    clock: shared.clock,
    events: shared.events,
    options: {
      generation,
      renewalMode: options.renewalMode ?? (generation === '2024' ? 'classic' : 'current'),
      eventSubscriptions: options.eventSubscriptions ?? true,
      blockInternalKubernetesHosts: options.blockInternalKubernetesHosts ?? false,
      ipPlanFeature: options.ipPlanFeature ?? true,
      kubernetesTimeoutMs: options.kubernetesTimeoutMs ?? 10_000,
      sse: shared.sse,
    },
  };
}

function admission(generation: ServerGeneration, options: StartEmulatorOptions, clock: EmulatorClock, envelopeFor: InfisicalApp['envelope']): InfisicalApp['admit'] {
  const rateLimit = resolveRateLimit(options.rateLimit, generation === '2024' ? 'self-hosted-2024' : false);
  const limiter = rateLimit ? new RateLimiter(rateLimit, clock) : undefined;
  return (key, ip) => {
    const bucket = limiter && bucketFor(key);
    if (!bucket) return { headers: {} };
    const admitted = limiter.admit(bucket, ip);
    if (admitted.allowed) return { headers: admitted.headers };
    return {
      headers: admitted.headers,
      reject: { status: 429, body: envelopeFor(429, `Rate limit exceeded. Please try again in ${admitted.resetSeconds} seconds`, 'RateLimitExceeded') },
    };
  };
}

/**
 * The server of one generation. Every generation writes secrets through the one `writer`, so events and versions
 * stay one sequence when the emulator switches generation.
 */
export function createInfisicalApp(generation: ServerGeneration, options: StartEmulatorOptions, shared: SharedInfisical, writer: SecretWriter): InfisicalApp {
  const ctx = contextFor(generation, options, shared);
  const router = new Router();
  registerLoginRoutes(router, ctx);
  registerAdminRoutes(router, ctx);
  registerSecretRoutes(router, ctx, writer);
  registerFolderRoutes(router, ctx);
  registerEventRoutes(router, ctx);
  registerDynamicSecretRoutes(router, ctx);
  const envelopeFor = (status: number, message: unknown, error: string) => withoutReqId(generation, envelope(status, message, error));
  return { ctx, router, envelope: envelopeFor, shapeError: (body) => withoutReqId(generation, body), admit: admission(generation, options, shared.clock, envelopeFor) };
}
