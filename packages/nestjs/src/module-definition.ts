import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { InfisicalConfigOptions } from '@infisical-k8s/core';
import { INFISICAL_MODULE_OPTIONS } from './tokens.js';

/** `InfisicalModule.forRoot()` options: every core option. */
export type InfisicalModuleOptions<S extends StandardSchemaV1 | undefined = StandardSchemaV1 | undefined> = InfisicalConfigOptions<S>;

export const { ConfigurableModuleClass, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } = new ConfigurableModuleBuilder<InfisicalModuleOptions>({
  // Stryker disable next-line StringLiteral: Nest derives only the options token from moduleName, and optionsInjectionToken below fixes that token
  moduleName: 'Infisical',
  optionsInjectionToken: INFISICAL_MODULE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
