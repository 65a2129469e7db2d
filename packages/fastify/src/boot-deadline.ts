/** Fastify's default `pluginTimeout`. */
export const FASTIFY_PLUGIN_TIMEOUT_MS = 10_000;
/** `ready()`'s own default, where Fastify sets no deadline (`pluginTimeout: 0`). */
const UNBOUNDED_DEFAULT_MS = 30_000;

/**
 * How long the plugin lets `ready()` wait for the first snapshot. Fastify abandons a plugin that has not settled
 * within `pluginTimeout` and reports FST_ERR_PLUGIN_TIMEOUT, which names neither the cause nor the fix; so the wait
 * ends earlier, with a quarter of the budget (at most 2 s) left for closing and the rest of the boot, and the app
 * sees core's typed error. A `readyTimeoutMs` the user set above that is lowered to it: `capped` says so.
 */
export function bootDeadline(pluginTimeoutMs: number, requestedMs: unknown): { readyTimeoutMs: unknown; capped: boolean } {
  if (!(pluginTimeoutMs > 0)) return { readyTimeoutMs: requestedMs ?? UNBOUNDED_DEFAULT_MS, capped: false };
  const budget = Math.max(1, Math.floor(pluginTimeoutMs - Math.min(2_000, pluginTimeoutMs / 4)));
  // Anything but a number is core's to reject (OPTIONS_INVALID), so it passes through untouched.
  if (requestedMs === undefined) return { readyTimeoutMs: budget, capped: false };
  if (typeof requestedMs !== 'number' || !(requestedMs > budget)) return { readyTimeoutMs: requestedMs, capped: false };
  return { readyTimeoutMs: budget, capped: true };
}
