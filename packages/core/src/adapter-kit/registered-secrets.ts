/**
 * The snapshot type an app registered on an adapter's `Register` interface, or `Readonly<Record<string, string>>`
 * when it registered none. Each adapter declares its own empty `Register` (so that
 * `declare module '@infisical-k8s/<adapter>'` reaches it, and two adapters in one app stay independent) and
 * derives its request and instance types from it through this one rule.
 *
 * @example
 * // in an adapter
 * export interface Register {}
 * export type RegisteredSecrets = RegisteredSecretsOf<Register>;
 * // in an app
 * declare module '@infisical-k8s/express' {
 *   interface Register { secrets: z.infer<typeof schema> }
 * }
 */
export type RegisteredSecretsOf<R> = R extends { secrets: infer T } ? T : Readonly<Record<string, string>>;
