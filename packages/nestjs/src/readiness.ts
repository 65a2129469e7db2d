import { Inject, Injectable } from '@nestjs/common';
import type { InfisicalConfig } from '@infisical-k8s/core';
import { INFISICAL_CONFIG } from './tokens.js';

/** What a readiness probe answers. */
export interface ReadinessResult {
  status: 'ready' | 'not-ready';
  stale: boolean;
  code?: string;
}

/**
 * Readiness for a Kubernetes probe: not ready before the first snapshot or once it is stale.
 *
 * @example
 * @Get('ready') ready(@Res({ passthrough: true }) res) { const r = this.readiness.check(); res.status(r.status === 'ready' ? 200 : 503); return r; }
 */
@Injectable()
export class InfisicalReadiness {
  constructor(@Inject(INFISICAL_CONFIG) private readonly config: InfisicalConfig<unknown>) {}

  check(): ReadinessResult {
    const status = this.config.status;
    const ready = this.config.isReady();
    return { status: ready ? 'ready' : 'not-ready', stale: status.stale, ...(status.lastError ? { code: status.lastError.code } : {}) };
  }
}
