import type { InfisicalConfig } from '@infisical-k8s/core';
import type { RegisteredSecretsOf } from '@infisical-k8s/core/adapter-kit';

/**
 * Tells TypeScript what `req.secrets` holds, once for the whole app:
 *
 * @example
 * const schema = z.object({ DATABASE_URL: z.string().url() });
 * declare module '@infisical-k8s/express' {
 *   interface Register { secrets: z.infer<typeof schema> }
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Register {}

/** The registered snapshot type, or `Record<string, string>` when nothing is registered. */
export type RegisteredSecrets = RegisteredSecretsOf<Register>;

declare global {
  // Express's own types extend this namespace; the augmentation is how its ecosystem types `req` (express-session does the same).
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The latest validated snapshot of your Infisical secrets, as it was when this request arrived. */
      secrets: RegisteredSecrets;
      /** The live config behind `req.secrets`. */
      infisical: InfisicalConfig<RegisteredSecrets>;
    }
  }
}
