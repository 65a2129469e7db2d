/**
 * A secret as `GET /api/v4/secrets` returns it.
 *
 * @example
 * for (const secret of (await client.secrets.list(where)).secrets) console.log(secret.secretKey);
 */
export interface Secret {
  id: string;
  secretKey: string;
  secretValue: string;
  secretComment?: string;
  secretPath?: string;
  version: number;
  type: string;
  environment: string;
  workspace?: string;
  /** True with `viewSecretValue: false`; the value is then `<hidden-by-infisical>`. */
  secretValueHidden?: boolean;
  tags?: Array<{ id: string; slug: string; name?: string; color?: string | null }>;
  [field: string]: unknown;
}

/**
 * Secrets a folder imports from another environment or path (with `includeImports: true`).
 *
 * @example
 * const { imports } = await client.secrets.list({ ...where, includeImports: true });
 * for (const i of imports) console.log(i.environment, i.secretPath, i.secrets.length);
 */
export interface SecretImport {
  secretPath: string;
  environment: string;
  folderId?: string;
  secrets: Secret[];
}

/**
 * Where secrets live.
 *
 * @example
 * const where: SecretScope = { projectId, environment: 'prod', secretPath: '/' };
 */
export interface SecretScope {
  projectId: string;
  /** Environment slug, e.g. `dev`, `staging`, `prod`. */
  environment: string;
  /** Folder path, default `/`. */
  secretPath?: string;
}

/**
 * Options of `client.secrets.list`. Booleans are sent as `"true"`/`"false"`; omitted ones take the
 * server's defaults (`expandSecretReferences` false on v4, `viewSecretValue` true).
 *
 * @example
 * await client.secrets.list({ projectId, environment: 'prod', secretPath: '/', recursive: true, includeImports: true });
 */
export interface ListSecretsOptions extends SecretScope {
  recursive?: boolean;
  expandSecretReferences?: boolean;
  includeImports?: boolean;
  viewSecretValue?: boolean;
  /** Only secrets with any of these tag slugs. */
  tagSlugs?: string[];
  /** The `etag` of an earlier list of the same folder: an unchanged folder answers `304`, `notModified: true`. */
  ifNoneMatch?: string;
}

/**
 * What `client.secrets.list` resolves to. With `ifNoneMatch` and an unchanged folder the server answers
 * `304`: then `notModified` is true, both lists are empty and `etag` is the one sent (keep your copy).
 *
 * @example
 * const first = await client.secrets.list(where);
 * const next = await client.secrets.list({ ...where, ifNoneMatch: first.etag });
 * const secrets = next.notModified ? first.secrets : next.secrets;
 */
export interface ListSecretsResult {
  secrets: Secret[];
  imports: SecretImport[];
  /** The answer's `ETag` header (servers without ETags: undefined). */
  etag: string | undefined;
  notModified: boolean;
}

/**
 * Which secrets routes the client uses: `v4` (`/api/v4/secrets*`), `v3` (`/api/v3/secrets/raw*`, servers
 * from 2024 and earlier), or `auto` (v4 first, v3 from the first router 404 on).
 *
 * @example
 * new InfisicalClient({ apiVersion: 'v3' });
 */
export type SecretsApiVersion = 'auto' | 'v4' | 'v3';

/**
 * Options of `client.secrets.get`.
 *
 * @example
 * await client.secrets.get({ projectId, environment: 'prod', secretName: 'DATABASE_URL', version: 3 });
 */
export interface GetSecretOptions extends SecretScope {
  secretName: string;
  version?: number;
  type?: 'shared' | 'personal';
  expandSecretReferences?: boolean;
  includeImports?: boolean;
  viewSecretValue?: boolean;
}

/**
 * Options of `client.secrets.create` (value required) and `update` (value optional).
 *
 * @example
 * await client.secrets.create({ projectId, environment: 'prod', secretName: 'GREETING', secretValue: 'hello', secretComment: 'demo' });
 */
export interface WriteSecretOptions extends SecretScope {
  secretName: string;
  secretValue?: string;
  secretComment?: string;
  type?: 'shared' | 'personal';
}

/**
 * Options of `client.secrets.delete`.
 *
 * @example
 * await client.secrets.delete({ projectId, environment: 'prod', secretName: 'GREETING' });
 */
export interface DeleteSecretOptions extends SecretScope {
  secretName: string;
  type?: 'shared' | 'personal';
}

/**
 * A write's answer: the secret, or `approval` when a change-approval policy holds the change
 * (then `secret` is absent).
 *
 * @example
 * const result = await client.secrets.update({ projectId, environment: 'prod', secretName: 'GREETING', secretValue: 'hi' });
 * if (result.approval) console.log('waiting for approval');
 */
export interface SecretWriteResult {
  secret: Secret;
  approval?: Record<string, unknown>;
}
