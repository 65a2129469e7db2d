import { z } from 'zod';

/**
 * What this app needs: the database host from a static folder, the user and password from a lease
 * (the dynamic secret's DB_USERNAME and DB_PASSWORD, renamed by the source's `fields`).
 */
export const schema = z.object({
  DB_HOST: z.string().min(1),
  DB_USER: z.string().min(1),
  DB_PASS: z.string().min(1),
});

export type AppSecrets = z.infer<typeof schema>;
