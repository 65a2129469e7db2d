export { infisical, type InfisicalMiddleware, type InfisicalMiddlewareOptions } from './middleware.js';
export type { Register, RegisteredSecrets } from './register.js';
export { InfisicalK8sError, type ConfigOutput, type InfisicalConfig, type InfisicalConfigOptions } from '@infisical-k8s/core';
