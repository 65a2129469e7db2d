import type { Transport } from '../transport/http.js';
import { requireString } from './validate.js';
import { InfisicalValidationError } from '../errors/errors.js';

/** A secret as `GET /api/v4/secrets` returns it. */
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
  secretValueHidden?: boolean;
  tags?: Array<{ id: string; slug: string; name?: string; color?: string | null }>;
  [field: string]: unknown;
}

/** Secrets that a folder imports from another environment or path. */
export interface SecretImport {
  secretPath: string;
  environment: string;
  folderId?: string;
  secrets: Secret[];
}

/** Where secrets live. */
export interface SecretScope {
  projectId: string;
  environment: string;
  /** Folder path, default `/`. */
  secretPath?: string;
}

export interface ListSecretsOptions extends SecretScope {
  recursive?: boolean;
  expandSecretReferences?: boolean;
  includeImports?: boolean;
  viewSecretValue?: boolean;
  tagSlugs?: string[];
}

export interface GetSecretOptions extends SecretScope {
  secretName: string;
  version?: number;
  type?: 'shared' | 'personal';
  expandSecretReferences?: boolean;
  includeImports?: boolean;
}

export interface WriteSecretOptions extends SecretScope {
  secretName: string;
  secretValue: string;
  secretComment?: string;
  type?: 'shared' | 'personal';
}

function scope(options: SecretScope | undefined): { projectId: string; environment: string; secretPath: string } {
  const projectId = requireString('projectId', options?.projectId, 'the ID of the Infisical project');
  const environment = requireString('environment', options?.environment, 'the environment slug, e.g. "dev" or "prod"');
  const secretPath = options?.secretPath ?? '/';
  if (typeof secretPath !== 'string' || !secretPath.startsWith('/')) {
    throw new InfisicalValidationError('secretPath', 'must be a folder path starting with "/"');
  }
  return { projectId, environment, secretPath };
}

const bool = (value: boolean | undefined) => (value === undefined ? undefined : value ? 'true' : 'false');

/** Secrets (`/api/v4/secrets`). */
export class SecretsApi {
  readonly #transport: Transport;
  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Lists the secrets of a folder. `imports` is an empty array unless `includeImports` is set.
   *
   * @example
   * const { secrets } = await client.secrets.list({ projectId, environment: 'production', secretPath: '/' });
   */
  async list(options: ListSecretsOptions): Promise<{ secrets: Secret[]; imports: SecretImport[] }> {
    const where = scope(options);
    const response = await this.#transport.json<{ secrets?: Secret[]; imports?: SecretImport[] }>({
      method: 'GET',
      path: '/api/v4/secrets',
      auth: true,
      query: {
        ...where,
        recursive: bool(options.recursive),
        expandSecretReferences: bool(options.expandSecretReferences),
        include_imports: bool(options.includeImports),
        viewSecretValue: bool(options.viewSecretValue),
        tagSlugs: options.tagSlugs && options.tagSlugs.length > 0 ? options.tagSlugs : undefined,
      },
    });
    return { secrets: response?.secrets ?? [], imports: response?.imports ?? [] };
  }

  /**
   * Reads one secret.
   *
   * @example
   * const { secret } = await client.secrets.get({ projectId, environment: 'prod', secretName: 'DATABASE_URL' });
   */
  async get(options: GetSecretOptions): Promise<{ secret: Secret }> {
    const where = scope(options);
    const secretName = requireString('secretName', options?.secretName, 'the key of the secret');
    return this.#transport.json({
      method: 'GET',
      path: `/api/v4/secrets/${encodeURIComponent(secretName)}`,
      auth: true,
      query: {
        ...where,
        version: options.version,
        type: options.type,
        expandSecretReferences: bool(options.expandSecretReferences),
        include_imports: bool(options.includeImports),
      },
    });
  }

  /**
   * Creates a secret (administrators and provisioning scripts).
   *
   * @example
   * await client.secrets.create({ projectId, environment: 'prod', secretName: 'GREETING', secretValue: 'hello' });
   */
  async create(options: WriteSecretOptions): Promise<{ secret: Secret }> {
    return this.#write('POST', options);
  }

  /**
   * Changes a secret's value; the server bumps its version.
   *
   * @example
   * await client.secrets.update({ projectId, environment: 'prod', secretName: 'GREETING', secretValue: 'hi' });
   */
  async update(options: WriteSecretOptions): Promise<{ secret: Secret }> {
    return this.#write('PATCH', options);
  }

  /**
   * Deletes a secret.
   *
   * @example
   * await client.secrets.delete({ projectId, environment: 'prod', secretName: 'GREETING' });
   */
  async delete(options: Omit<WriteSecretOptions, 'secretValue'>): Promise<{ secret: Secret }> {
    const where = scope(options);
    const secretName = requireString('secretName', options?.secretName, 'the key of the secret');
    return this.#transport.json({ method: 'DELETE', path: `/api/v4/secrets/${encodeURIComponent(secretName)}`, auth: true, body: { ...where, type: options.type ?? 'shared' } });
  }

  async #write(method: 'POST' | 'PATCH', options: WriteSecretOptions): Promise<{ secret: Secret }> {
    const where = scope(options);
    const secretName = requireString('secretName', options?.secretName, 'the key of the secret');
    if (typeof options.secretValue !== 'string') throw new InfisicalValidationError('secretValue', 'must be a string');
    const body: Record<string, unknown> = { ...where, secretValue: options.secretValue, type: options.type ?? 'shared' };
    if (options.secretComment !== undefined) body.secretComment = options.secretComment;
    return this.#transport.json({ method, path: `/api/v4/secrets/${encodeURIComponent(secretName)}`, auth: true, body });
  }
}
