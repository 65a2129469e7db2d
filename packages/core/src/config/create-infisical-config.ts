import type { StandardSchemaV1 } from '@standard-schema/spec';
import { InfisicalError } from 'node-infisical';
import { InfisicalK8sError } from '../errors/error.js';
import { resolveOptions } from '../options/resolve.js';
import type { InfisicalConfigOptions } from '../options/types.js';
import { TypedConfig } from './typed-config.js';
import type { ConfigOutput, InfisicalConfig } from './types.js';

/**
 * Creates a config that logs in with the pod's service-account token, keeps the access token alive,
 * and serves typed, validated secrets that stay fresh. Options are checked at once (throws
 * `OPTIONS_INVALID`); loading starts at once; `ready()` awaits the first snapshot.
 *
 * @example
 * const config = createInfisicalConfig({
 *   kubernetesAuth: { identityId: process.env.INFISICAL_IDENTITY_ID },
 *   secrets: { projectId: 'p', environment: 'prod', secretPath: '/' },
 *   schema: z.object({ DATABASE_URL: z.string().url(), PORT: z.coerce.number().default(3000) }),
 * });
 * const { PORT } = await config.ready();
 */
export function createInfisicalConfig<S extends StandardSchemaV1 | undefined = undefined>(options: InfisicalConfigOptions<S> = {}): InfisicalConfig<ConfigOutput<S>> {
  const resolved = resolveOptions(options, (options as { env?: unknown } | null | undefined)?.env ?? process.env);
  try {
    return new TypedConfig<ConfigOutput<S>>(resolved, options.schema);
  } catch (error) {
    // The client checks what it is given too (URL, CA, timeouts): its refusal is an options problem.
    if (error instanceof InfisicalError) throw new InfisicalK8sError('OPTIONS_INVALID', error.message, { cause: error });
    throw error;
  }
}
