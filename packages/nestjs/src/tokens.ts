import { Inject } from '@nestjs/common';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { ConfigOutput, InfisicalConfig } from '@infisical-k8s/core';

/** Injection token of the live `InfisicalConfig`. */
export const INFISICAL_CONFIG = 'InfisicalK8sConfig';
/** Injection token of `changes$`. */
export const INFISICAL_CHANGES = 'InfisicalK8sChanges';
/** Injection token of the module options. */
export const INFISICAL_MODULE_OPTIONS = 'InfisicalK8sModuleOptions';

/**
 * The injected config for a schema: `get('PORT')` is typed from the schema's output.
 *
 * @example
 * constructor(@InjectSecrets() private readonly secrets: Secrets<typeof schema>) {}
 */
export type Secrets<S extends StandardSchemaV1 | undefined = undefined> = InfisicalConfig<ConfigOutput<S>>;

/**
 * The token under which the config is provided, for `moduleRef.get()` and tests.
 *
 * @example
 * const secrets = app.get<Secrets<typeof schema>>(getSecretsToken());
 */
export function getSecretsToken(): string {
  return INFISICAL_CONFIG;
}

/**
 * Injects the live config (always the latest snapshot).
 *
 * @example
 * constructor(@InjectSecrets() private readonly secrets: Secrets<typeof schema>) {}
 */
export function InjectSecrets(): PropertyDecorator & ParameterDecorator {
  return Inject(INFISICAL_CONFIG);
}

/**
 * Injects `changes$`: an Observable of new snapshots with the keys that changed.
 *
 * @example
 * constructor(@InjectSecretChanges() changes$: Observable<ConfigChange<Config>>) {}
 */
export function InjectSecretChanges(): PropertyDecorator & ParameterDecorator {
  return Inject(INFISICAL_CHANGES);
}
