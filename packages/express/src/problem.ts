import type { Response } from 'express';
import type { InfisicalK8sError } from '@infisical-k8s/core';

/** An RFC 9457 problem document: the error code and a plain detail, never a value or a token. */
export function sendUnavailable(res: Response, retryAfterSeconds: number, error: InfisicalK8sError | undefined): void {
  res
    .status(503)
    .set('Retry-After', String(retryAfterSeconds))
    .type('application/problem+json')
    .send(
      JSON.stringify({
        type: 'about:blank',
        title: 'Service Unavailable',
        status: 503,
        detail: 'Configuration secrets are not loaded yet.',
        // Stryker disable next-line OptionalChaining,StringLiteral: unreachable fallback, the middleware's only caller passes the rejection of firstSnapshot(), always an InfisicalK8sError (NOT_READY included)
        code: error?.code ?? 'NOT_READY',
      }),
    );
}
