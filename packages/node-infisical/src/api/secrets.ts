import type { Answer, RequestSpec, Transport } from '../transport/http.js';
import { InfisicalApiError, InfisicalValidationError } from '../errors/errors.js';
import { isHtml404, isRouterJson404 } from '../errors/classify.js';
import type {
  DeleteSecretOptions,
  GetSecretOptions,
  ListSecretsOptions,
  ListSecretsResult,
  Secret,
  SecretScope,
  SecretsApiVersion,
  SecretWriteResult,
  WriteSecretOptions,
} from './secrets-types.js';
import { listAnswer, secretAnswer, writeAnswer, type Origin } from './shapes.js';
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

/** One generation of the secrets routes: where they live and what they call the project. */
interface Routes {
  version: 'v4' | 'v3';
  list: string;
  one: (name: string) => string;
  project: 'projectId' | 'workspaceId';
}

const V4: Routes = { version: 'v4', list: '/api/v4/secrets', one: (name) => `/api/v4/secrets/${encodeURIComponent(name)}`, project: 'projectId' };
const V3: Routes = { version: 'v3', list: '/api/v3/secrets/raw', one: (name) => `/api/v3/secrets/raw/${encodeURIComponent(name)}`, project: 'workspaceId' };

/**
 * Where the client reports its one-time switch to the v3 routes (`info` when present, else `warn`).
 *
 * @example
 * new InfisicalClient({ logger: { warn: (m) => log.warn(m), info: (m) => log.info(m) } });
 */
export interface SecretsLogger {
  warn(message: string): void;
  info?(message: string): void;
}

/** The scope with the project under the name the route generation expects. */
function scoped(routes: Routes, where: { projectId: string; environment: string; secretPath: string }): Record<string, string> {
  return { [routes.project]: where.projectId, environment: where.environment, secretPath: where.secretPath };
}

function origin(answer: Answer<unknown>, spec: RequestSpec): Origin {
  return { status: answer.status, method: spec.method, path: spec.path };
}

/**
 * Secrets (`client.secrets`): `/api/v4/secrets*`, or `/api/v3/secrets/raw*` on servers that predate v4
 * (see `apiVersion`). Every answer is checked for its shape before it is returned.
 *
 * @example
 * const { secrets } = await client.secrets.list({ projectId, environment: 'production', secretPath: '/' });
 */
export class SecretsApi {
  readonly #transport: Transport;
  readonly #mode: SecretsApiVersion;
  readonly #logger: SecretsLogger | undefined;
  #version: 'v4' | 'v3' | undefined;

  constructor(transport: Transport, options: { apiVersion?: SecretsApiVersion; logger?: SecretsLogger | undefined } = {}) {
    this.#transport = transport;
    this.#mode = options.apiVersion ?? 'auto';
    this.#logger = options.logger;
    this.#version = this.#mode === 'auto' ? undefined : this.#mode;
  }

  /**
   * The routes in use: `v4`, `v3`, or undefined while `auto` has not seen an answer yet.
   *
   * @example
   * await client.secrets.list(where);
   * if (client.secrets.apiVersion === 'v3') console.log('an older Infisical server');
   */
  get apiVersion(): 'v4' | 'v3' | undefined {
    return this.#version;
  }

  /**
   * Sends a secrets request on the current route generation. In `auto` mode a router 404 from a v4
   * route moves this client to v3 for good (logged once) and sends the request again there.
   */
  async #send(build: (routes: Routes) => RequestSpec): Promise<{ answer: Answer<unknown>; spec: RequestSpec }> {
    if (this.#version === 'v3') {
      const spec = build(V3);
      return { answer: await this.#transport.request<unknown>(spec), spec };
    }
    const spec = build(V4);
    try {
      const answer = await this.#transport.request<unknown>(spec);
      if (this.#mode === 'auto') this.#version = 'v4';
      return { answer, spec };
    } catch (error) {
      if (this.#mode === 'auto' && isRouterJson404(error)) {
        this.#switchToV3();
        const fallback = build(V3);
        return { answer: await this.#transport.request<unknown>(fallback), spec: fallback };
      }
      if (this.#mode === 'auto' && isHtml404(error)) return this.#probeV3(build, error);
      if (this.#mode === 'auto' && error instanceof InfisicalApiError) this.#version = 'v4';
      throw error;
    }
  }

  /**
   * A 404 HTML page may be a standalone-mode server without v4, or just a wrong baseUrl. v3 decides:
   * an answer from the API there (success or a JSON error) switches for good; anything else keeps v4
   * and surfaces v4's own error.
   */
  async #probeV3(build: (routes: Routes) => RequestSpec, v4Error: unknown): Promise<{ answer: Answer<unknown>; spec: RequestSpec }> {
    const fallback = build(V3);
    try {
      const answer = await this.#transport.request<unknown>(fallback);
      this.#switchToV3();
      return { answer, spec: fallback };
    } catch (error) {
      if (!(error instanceof InfisicalApiError) || isRouterJson404(error)) throw v4Error;
      this.#switchToV3();
      throw error;
    }
  }

  #switchToV3(): void {
    if (this.#version === 'v3') return;
    this.#version = 'v3';
    const message =
      'node-infisical: this Infisical server has no /api/v4/secrets routes (a release from 2024 or earlier); ' +
      "using /api/v3/secrets/raw from now on. Pin it with apiVersion: 'v3', or upgrade the server.";
    if (this.#logger?.info) this.#logger.info(message);
    else this.#logger?.warn(message);
  }

  /**
   * Lists the secrets of a folder (`GET /api/v4/secrets`, or `GET /api/v3/secrets/raw`). `imports` is
   * an empty array unless `includeImports` is set; a folder that does not exist gives empty lists, not
   * an error. Pass the previous `etag` as `ifNoneMatch` to get `notModified: true` for an unchanged folder.
   *
   * @example
   * const { secrets, imports, etag } = await client.secrets.list({ projectId, environment: 'production', secretPath: '/', includeImports: true });
   */
  async list(options: ListSecretsOptions): Promise<ListSecretsResult> {
    const where = scope(options);
    if (options.tagSlugs !== undefined && (!Array.isArray(options.tagSlugs) || options.tagSlugs.some((t) => typeof t !== 'string'))) {
      throw new InfisicalValidationError('tagSlugs', 'must be an array of tag slugs');
    }
    const ifNoneMatch = options.ifNoneMatch;
    // An ETag is printable ASCII; anything else would make fetch refuse the header (and look like a network error).
    if (ifNoneMatch !== undefined && (typeof ifNoneMatch !== 'string' || !/^[\x21-\x7e][\x20-\x7e]*$/.test(ifNoneMatch))) {
      throw new InfisicalValidationError('ifNoneMatch', 'must be the etag of an earlier list (printable ASCII), or left out');
    }
    const query = {
      recursive: flag('recursive', options.recursive),
      expandSecretReferences: flag('expandSecretReferences', options.expandSecretReferences),
      include_imports: flag('includeImports', options.includeImports),
      viewSecretValue: flag('viewSecretValue', options.viewSecretValue),
      tagSlugs: options.tagSlugs && options.tagSlugs.length > 0 ? options.tagSlugs : undefined,
    };
    const { answer, spec } = await this.#send((routes) => ({
      method: 'GET',
      path: routes.list,
      auth: true,
      query: { ...scoped(routes, where), ...query },
      ...(ifNoneMatch !== undefined ? { headers: { 'if-none-match': ifNoneMatch } } : {}),
    }));
    if (answer.notModified) return { secrets: [], imports: [], etag: ifNoneMatch, notModified: true };
    return { ...listAnswer(answer.body, origin(answer, spec)), etag: answer.etag, notModified: false };
  }

  /**
   * Reads one secret (`GET /api/v4/secrets/:secretName`, or `/api/v3/secrets/raw/:secretName`).
   *
   * @example
   * const { secret } = await client.secrets.get({ projectId, environment: 'prod', secretName: 'DATABASE_URL' });
   */
  async get(options: GetSecretOptions): Promise<{ secret: Secret }> {
    const where = scope(options);
    const secretName = requireString('secretName', options.secretName, 'the key of the secret');
    const query = {
      version: optionalNonNegativeInt('version', options.version),
      type: options.type === undefined ? undefined : secretType(options.type),
      expandSecretReferences: flag('expandSecretReferences', options.expandSecretReferences),
      include_imports: flag('includeImports', options.includeImports),
      viewSecretValue: flag('viewSecretValue', options.viewSecretValue),
    };
    const { answer, spec } = await this.#send((routes) => ({ method: 'GET', path: routes.one(secretName), auth: true, query: { ...scoped(routes, where), ...query } }));
    return secretAnswer(answer.body, origin(answer, spec));
  }

  /**
   * Creates a secret (`POST /api/v4/secrets/:secretName`, or the v3 raw route), for administrators and provisioning scripts.
   *
   * @example
   * await client.secrets.create({ projectId, environment: 'prod', secretName: 'GREETING', secretValue: 'hello' });
   */
  async create(options: WriteSecretOptions): Promise<SecretWriteResult> {
    if (typeof options?.secretValue !== 'string') throw new InfisicalValidationError('secretValue', 'is required to create a secret and must be a string');
    return this.#write('POST', options);
  }

  /**
   * Changes a secret's value or comment (`PATCH /api/v4/secrets/:secretName`, or v3 raw); the server bumps its version.
   *
   * @example
   * await client.secrets.update({ projectId, environment: 'prod', secretName: 'GREETING', secretValue: 'hi' });
   */
  async update(options: WriteSecretOptions): Promise<SecretWriteResult> {
    return this.#write('PATCH', options);
  }

  /**
   * Deletes a secret (`DELETE /api/v4/secrets/:secretName`, or v3 raw).
   *
   * @example
   * await client.secrets.delete({ projectId, environment: 'prod', secretName: 'GREETING' });
   */
  async delete(options: DeleteSecretOptions): Promise<SecretWriteResult> {
    const where = scope(options);
    const secretName = requireString('secretName', options.secretName, 'the key of the secret');
    const type = secretType(options.type);
    const { answer, spec } = await this.#send((routes) => ({ method: 'DELETE', path: routes.one(secretName), auth: true, body: { ...scoped(routes, where), type } }));
    return writeAnswer(answer.body, origin(answer, spec));
  }

  async #write(method: 'POST' | 'PATCH', options: WriteSecretOptions): Promise<SecretWriteResult> {
    const where = scope(options);
    const secretName = requireString('secretName', options.secretName, 'the key of the secret');
    const fields: Record<string, unknown> = { type: secretType(options.type) };
    const value = optionalString('secretValue', options.secretValue);
    if (value !== undefined) fields.secretValue = value;
    const comment = optionalString('secretComment', options.secretComment);
    if (comment !== undefined) fields.secretComment = comment;
    const { answer, spec } = await this.#send((routes) => ({ method, path: routes.one(secretName), auth: true, body: { ...scoped(routes, where), ...fields } }));
    return writeAnswer(answer.body, origin(answer, spec));
  }
}
