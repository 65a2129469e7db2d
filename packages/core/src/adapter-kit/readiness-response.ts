import type { InfisicalConfig, ReadinessReport } from '../config/types.js';

/**
 * What a readiness probe answers: the HTTP status and core's report as the JSON body.
 *
 * @example
 * const { statusCode, body } = readinessResponse(config); // { statusCode: 503, body: { status: 'not-ready', stale: false } }
 */
export interface ReadinessResponse {
  /**
   * 200 when a snapshot is loaded and fresh, or degraded (the fallback file's snapshot during an outage: the pod
   * can serve, and a 503 would take every restarted pod out at once), else 503 (Kubernetes stops routing to the pod).
   */
  statusCode: 200 | 503;
  body: ReadinessReport;
}

/**
 * The readiness probe's answer for a config, in framework-neutral form: an adapter only writes it out.
 * The body holds a code at most, never a value or a token.
 *
 * @example
 * app.get('/ready', (_req, res) => {
 *   const { statusCode, body } = readinessResponse(config);
 *   res.status(statusCode).json(body);
 * });
 */
export function readinessResponse(config: Pick<InfisicalConfig<unknown>, 'readiness'>): ReadinessResponse {
  const body = config.readiness();
  return { statusCode: body.status === 'not-ready' ? 503 : 200, body };
}
