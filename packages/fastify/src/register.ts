import type { InfisicalConfig } from '@infisical-k8s/core';
import type { RegisteredSecretsOf } from '@infisical-k8s/core/adapter-kit';

/**
 * Tells TypeScript what `app.secrets` and `request.secrets` hold, once for the whole app:
 *
 * @example
 * declare module '@infisical-k8s/fastify' {
 *   interface Register { secrets: z.infer<typeof schema> }
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Register {}

/** The registered snapshot type, or `Record<string, string>` when nothing is registered. */
export type RegisteredSecrets = RegisteredSecretsOf<Register>;

declare module 'fastify' {
  interface FastifyInstance {
    /** The latest validated snapshot (a getter: always current). */
    readonly secrets: RegisteredSecrets;
    /** The live config: `get`, `changes$`, `errors$`, `status`, `refresh`. */
    readonly infisical: InfisicalConfig<RegisteredSecrets>;
  }
  interface FastifyRequest {
    /** The latest validated snapshot (a getter: always current). */
    readonly secrets: RegisteredSecrets;
  }
}
