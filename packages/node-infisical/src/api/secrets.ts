import type { Transport } from '../transport/http.js';
import { InfisicalValidationError } from '../errors/errors.js';
import type { DeleteSecretOptions, GetSecretOptions, ListSecretsOptions, Secret, SecretImport, SecretScope, SecretWriteResult, WriteSecretOptions } from './secrets-types.js';
import { optionalBoolean, optionalNonNegativeInt, optionalString, requirePath, requireString } from './validate.js';

function scope(options: SecretScope | undefined): { projectId: string; environment: string; secretPath: string } {
  if (!options || typeof options !== 'object') throw new InfisicalValidationError('options', 'pass { projectId, environment, secretPath? }');
  const projectId = requireString('projectId', options.projectId, 'the ID of the Infisical project');
  const environment = requireString('environment', options.environment, 'the environment slug, e.g. "dev" or "prod"');
  return { projectId, environment, secretPath: requirePath('secretPath', options.secretPath) };
}

/** The server takes the strings `"true"`/`"false"` only (anything else is a 422). */
function flag(field: string, value: unknown): 'true' | 'false' | undefined {
  const b = optionalBoolean(field, value);
  return b === undefined ? undefined : b ? 'true' : 'false';
}

function secretType(value: unknown): 'shared' | 'personal' {
  if (value === undefined) return 'shared';
  if (value !== 'shared' && value !== 'personal') throw new InfisicalValidationError('type', 'must be "shared" or "personal"');
  return value;
}

function secretPathOf(name: string): string {
  return `/api/v4/secrets/${encodeURIComponent(name)}`;
}

/**
 * Secrets (`client.secrets`, `/api/v4/secrets`).
 *
 * @example
 * const { secrets } = await client.secrets.list({ projectId, environment: 'production', secretPath: '/' });
 */
export class SecretsApi {
  readonly #transport: Transport;
  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Lists the secrets of a folder (`GET /api/v4/secrets`). `imports` is an empty array unless
   * `includeImports` is set; a folder that does not exist gives empty lists, not an error.
   *
   * @example
   * const { secrets, imports } = await client.secrets.list({ projectId, environment: 'production', secretPath: '/', includeImports: true });
   */
  async list(options: ListSecretsOptions): Promise<{ secrets: Secret[]; imports: SecretImport[] }> {
    const where = scope(options);
    if (options.tagSlugs !== undefined && (!Array.isArray(options.tagSlugs) || options.tagSlugs.some((t) => typeof t !== 'string'))) {
      throw new InfisicalValidationError('tagSlugs', 'must be an array of tag slugs');
    }
    const response = await this.#transport.json<{ secrets?: Secret[]; imports?: SecretImport[] } | undefined>({
      method: 'GET',
      path: '/api/v4/secrets',
      auth: true,
      query: {
        ...where,
        recursive: flag('recursive', options.recursive),
        expandSecretReferences: flag('expandSecretReferences', options.expandSecretReferences),
        include_imports: flag('includeImports', options.includeImports),
        viewSecretValue: flag('viewSecretValue', options.viewSecretValue),
        tagSlugs: options.tagSlugs && options.tagSlugs.length > 0 ? options.tagSlugs : undefined,
      },
    });
    return {
      secrets: Array.isArray(response?.secrets) ? response.secrets : [],
      imports: Array.isArray(response?.imports) ? response.imports : [],
    };
  }

  /**
   * Reads one secret (`GET /api/v4/secrets/:secretName`).
   *
   * @example
   * const { secret } = await client.secrets.get({ projectId, environment: 'prod', secretName: 'DATABASE_URL' });
   */
  async get(options: GetSecretOptions): Promise<{ secret: Secret }> {
    const where = scope(options);
    const secretName = requireString('secretName', options.secretName, 'the key of the secret');
    return this.#transport.json({
      method: 'GET',
      path: secretPathOf(secretName),
      auth: true,
      query: {
        ...where,
        version: optionalNonNegativeInt('version', options.version),
        type: options.type === undefined ? undefined : secretType(options.type),
        expandSecretReferences: flag('expandSecretReferences', options.expandSecretReferences),
        include_imports: flag('includeImports', options.includeImports),
        viewSecretValue: flag('viewSecretValue', options.viewSecretValue),
      },
    });
  }

  /**
   * Creates a secret (`POST /api/v4/secrets/:secretName`), for administrators and provisioning scripts.
   *
   * @example
   * await client.secrets.create({ projectId, environment: 'prod', secretName: 'GREETING', secretValue: 'hello' });
   */
  async create(options: WriteSecretOptions): Promise<SecretWriteResult> {
    if (typeof options?.secretValue !== 'string') throw new InfisicalValidationError('secretValue', 'is required to create a secret and must be a string');
    return this.#write('POST', options);
  }

  /**
   * Changes a secret's value or comment (`PATCH /api/v4/secrets/:secretName`); the server bumps its version.
   *
   * @example
   * await client.secrets.update({ projectId, environment: 'prod', secretName: 'GREETING', secretValue: 'hi' });
   */
  async update(options: WriteSecretOptions): Promise<SecretWriteResult> {
    return this.#write('PATCH', options);
  }

  /**
   * Deletes a secret (`DELETE /api/v4/secrets/:secretName`).
   *
   * @example
   * await client.secrets.delete({ projectId, environment: 'prod', secretName: 'GREETING' });
   */
  async delete(options: DeleteSecretOptions): Promise<SecretWriteResult> {
    const where = scope(options);
    const secretName = requireString('secretName', options.secretName, 'the key of the secret');
    return this.#transport.json({ method: 'DELETE', path: secretPathOf(secretName), auth: true, body: { ...where, type: secretType(options.type) } });
  }

  async #write(method: 'POST' | 'PATCH', options: WriteSecretOptions): Promise<SecretWriteResult> {
    const where = scope(options);
    const secretName = requireString('secretName', options.secretName, 'the key of the secret');
    const body: Record<string, unknown> = { ...where, type: secretType(options.type) };
    const value = optionalString('secretValue', options.secretValue);
    if (value !== undefined) body.secretValue = value;
    const comment = optionalString('secretComment', options.secretComment);
    if (comment !== undefined) body.secretComment = comment;
    return this.#transport.json({ method, path: secretPathOf(secretName), auth: true, body });
  }
}
