import { Inject, Injectable } from '@nestjs/common';
import type { InfisicalConfig, ReadinessReport } from '@infisical-k8s/core';
import { INFISICAL_CONFIG } from './tokens.js';

/** What a readiness probe answers: core's report. */
export type ReadinessResult = ReadinessReport;

/**
 * Readiness for a Kubernetes probe: not ready before the first snapshot or once it is stale; `degraded` (serving
 * the fallback file during an outage) still takes traffic.
 *
 * @example
 * @Get('ready') ready(@Res({ passthrough: true }) res) { const r = this.readiness.check(); res.status(r.status === 'not-ready' ? 503 : 200); return r; }
 */
@Injectable()
export class InfisicalReadiness {
  constructor(@Inject(INFISICAL_CONFIG) private readonly config: InfisicalConfig<unknown>) {}

  check(): ReadinessResult {
    return this.config.readiness();
  }
}
