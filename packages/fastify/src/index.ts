import './register.js';

export { infisicalPlugin, type InfisicalPluginOptions } from './plugin.js';
export type { Register, RegisteredSecrets } from './register.js';
export { InfisicalK8sError, type ConfigOutput, type InfisicalConfig } from '@infisical-k8s/core';
export { infisicalPlugin as default } from './plugin.js';
