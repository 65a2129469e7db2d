import { z } from 'zod';

/** What this app needs from Infisical, validated and coerced. */
export const schema = z.object({
  GREETING: z.string(),
  DATABASE_URL: z.string().url(),
  API_KEY: z.string().min(8),
  PORT: z.coerce.number().int().default(3000),
});

export type AppSecrets = z.infer<typeof schema>;
