export { InfisicalModule } from './infisical.module.js';
export type { InfisicalModuleOptions } from './module-definition.js';
export { InfisicalReadiness, type ReadinessResult } from './readiness.js';
export { infisicalConfigLoader, type InfisicalConfigLoader } from './config-loader.js';
export {
  InjectSecrets,
  InjectSecretChanges,
  getSecretsToken,
  INFISICAL_CONFIG,
  INFISICAL_CHANGES,
  INFISICAL_MODULE_OPTIONS,
  type Secrets,
} from './tokens.js';
export { InfisicalK8sError, type ConfigChange, type ConfigOutput, type InfisicalConfig } from '@infisical-k8s/core';
export { InfisicalConfigModule } from './infisical-config.module.js';
