/*
 * The adapter kit: what every framework adapter needs from core, so an adapter only translates it to its
 * framework. Imported as `@infisical-k8s/core/adapter-kit`: apps never need it, and core's main entry stays the
 * app-facing API.
 */
export { readyOrClose, startConfig, type ReadyOrCloseOptions } from './ready-or-close.js';
export { readinessResponse, type ReadinessResponse } from './readiness-response.js';
export { firstSnapshot } from './first-snapshot.js';
export type { RegisteredSecretsOf } from './registered-secrets.js';
