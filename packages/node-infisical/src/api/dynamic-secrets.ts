import type { Transport } from '../transport/http.js';
import { InfisicalResponseError, InfisicalValidationError } from '../errors/errors.js';
import { kindOf } from '../errors/kind.js';
import type { Origin } from './shapes.js';
import { optionalBoolean, requirePath, requireString } from './validate.js';

/**
 * A lease of a dynamic secret as the server answers it (`DynamicSecretLeasesSchema`). Dates are ISO strings;
 * `expireAtMs` is `expireAt` parsed, for scheduling.
 *
 * @example
 * const { lease } = await client.dynamicSecrets.leases.create({ dynamicSecretName: 'orders-db', projectSlug, environmentSlug: 'prod' });
 * setTimeout(renew, (lease.expireAtMs - Date.now()) * 2 / 3);
 */
export interface DynamicSecretLease {
  id: string;
  expireAt: string;
  expireAtMs: number;
  createdAt: string;
  version?: number;
  dynamicSecretId?: string;
  [field: string]: unknown;
}

/**
 * Where a dynamic secret lives: the project by slug (the October 2024 lease routes take no project id), the
 * environment and the folder.
 *
 * @example
 * const scope: DynamicSecretScope = { projectSlug: 'payments', environmentSlug: 'prod', path: '/db' };
 */
export interface DynamicSecretScope {
  projectSlug: string;
  environmentSlug: string;
  /** Folder of the dynamic secret; default `/`. */
  path?: string;
}

/**
 * A lease's TTL: whole seconds (60 to 86 400), or the server's own duration string (`"30m"`, `"1h"`).
 * Omitted, the dynamic secret's default TTL applies.
 *
 * @example
 * const ttl: LeaseTtl = '1h'; // or 3600
 */
export type LeaseTtl = number | string;

/**
 * Options of `client.dynamicSecrets.leases.create`.
 *
 * @example
 * const options: CreateLeaseOptions = { dynamicSecretName: 'orders-db', projectSlug: 'payments', environmentSlug: 'prod', ttl: '1h' };
 */
export interface CreateLeaseOptions extends DynamicSecretScope {
  dynamicSecretName: string;
  ttl?: LeaseTtl;
}

/**
 * A new lease and the credential it carries (`data`, the provider's fields: `DB_USERNAME` and `DB_PASSWORD` for a
 * SQL database). `data` is a credential: never log it.
 *
 * @example
 * const { lease, data } = await client.dynamicSecrets.leases.create(options);
 */
export interface CreatedLease {
  lease: DynamicSecretLease;
  data: Record<string, unknown>;
  dynamicSecret?: { id?: string; name?: string; defaultTTL?: string; maxTTL?: string | null; [field: string]: unknown };
}

const TTL_STRING = /^\d+(?:ms|s|m|h|d)$/;

/** Seconds become the server's `ms` string; strings pass as given once they look like one. */
function ttlField(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 60 || value > 86_400) {
      throw new InfisicalValidationError('ttl', `must be whole seconds from 60 to 86400 (the server's range), got ${Number.isInteger(value) ? 'a number out of range' : 'a fraction'}`);
    }
    return `${value}s`;
  }
  if (typeof value === 'string' && TTL_STRING.test(value.trim())) return value.trim();
  throw new InfisicalValidationError('ttl', `must be seconds (a number) or a duration such as "30m" or "1h", got ${kindOf(value)}`);
}

function scopeOf(options: DynamicSecretScope): Record<string, string> {
  return {
    projectSlug: requireString('projectSlug', options?.projectSlug, 'the slug of the project that holds the dynamic secret'),
    environmentSlug: requireString('environmentSlug', options.environmentSlug, 'the environment slug, e.g. "prod"'),
    path: requirePath('path', options.path),
  };
}

function bad(origin: Origin, detail: string): InfisicalResponseError {
  return new InfisicalResponseError(origin.status, origin.method, origin.path, `${detail} (is baseUrl an Infisical server?)`);
}

/** `{ lease }` with an id and a parsable `expireAt`; anything else is not the lease route answering. */
function leaseAt(body: unknown, origin: Origin): DynamicSecretLease {
  const lease = body !== null && typeof body === 'object' ? (body as Record<string, unknown>).lease : undefined;
  if (lease === null || typeof lease !== 'object' || Array.isArray(lease)) throw bad(origin, `lease is ${kindOf(lease)}, not a lease object`);
  const record = lease as Record<string, unknown>;
  if (typeof record.id !== 'string' || record.id === '') throw bad(origin, `lease.id is ${record.id === '' ? 'empty' : kindOf(record.id)}, not a non-empty string`);
  const expireAtMs = typeof record.expireAt === 'string' ? Date.parse(record.expireAt) : Number.NaN;
  if (Number.isNaN(expireAtMs)) throw bad(origin, `lease.expireAt is ${kindOf(record.expireAt)}, not a date`);
  return { ...record, expireAtMs } as DynamicSecretLease;
}

/**
 * Leases of dynamic secrets (`client.dynamicSecrets.leases`, `/api/v1/dynamic-secrets/leases`). Creating needs read
 * access to the folder's secrets; renewing needs edit and revoking delete (a project `member`, not a `viewer`).
 *
 * @example
 * const { lease, data } = await client.dynamicSecrets.leases.create({ dynamicSecretName: 'orders-db', projectSlug, environmentSlug: 'prod' });
 * await client.dynamicSecrets.leases.renew({ leaseId: lease.id, projectSlug, environmentSlug: 'prod', ttl: '1h' });
 * await client.dynamicSecrets.leases.revoke({ leaseId: lease.id, projectSlug, environmentSlug: 'prod' });
 */
export class DynamicSecretLeasesApi {
  readonly #transport: Transport;
  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Creates a lease: the provider mints a credential that lives until `lease.expireAt` (`POST /api/v1/dynamic-secrets/leases`).
   *
   * @example
   * const { lease, data } = await client.dynamicSecrets.leases.create({ dynamicSecretName: 'orders-db', projectSlug: 'payments', environmentSlug: 'prod', ttl: 3600 });
   */
  async create(options: CreateLeaseOptions): Promise<CreatedLease> {
    const dynamicSecretName = requireString('dynamicSecretName', options?.dynamicSecretName, 'the name of the dynamic secret');
    const body: Record<string, string> = { dynamicSecretName, ...scopeOf(options) };
    const ttl = ttlField(options.ttl);
    if (ttl !== undefined) body.ttl = ttl;
    const path = '/api/v1/dynamic-secrets/leases';
    const answer = await this.#transport.json<unknown>({ method: 'POST', path, body, auth: true });
    const lease = leaseAt(answer, { status: 200, method: 'POST', path });
    const data = (answer as Record<string, unknown>).data;
    if (data === null || typeof data !== 'object' || Array.isArray(data)) throw bad({ status: 200, method: 'POST', path }, `data is ${kindOf(data)}, not the credential's fields`);
    return { ...(answer as object), lease, data: data as Record<string, unknown> } as CreatedLease;
  }

  /**
   * Extends a lease by `ttl` (default: the secret's default TTL) counted from its current end, not from now
   * (`POST .../leases/:leaseId/renew`). Past the secret's max TTL the server refuses with 400
   * `TTL cannot be larger than max ttl`: create a new lease then.
   *
   * @example
   * const { lease } = await client.dynamicSecrets.leases.renew({ leaseId, projectSlug, environmentSlug: 'prod', ttl: '1h' });
   */
  async renew(options: DynamicSecretScope & { leaseId: string; ttl?: LeaseTtl }): Promise<{ lease: DynamicSecretLease }> {
    const leaseId = requireString('leaseId', options?.leaseId, 'the id of a lease (lease.id of create)');
    const body: Record<string, string> = scopeOf(options);
    const ttl = ttlField(options.ttl);
    if (ttl !== undefined) body.ttl = ttl;
    const path = `/api/v1/dynamic-secrets/leases/${encodeURIComponent(leaseId)}/renew`;
    const answer = await this.#transport.json<unknown>({ method: 'POST', path, body, auth: true });
    return { lease: leaseAt(answer, { status: 200, method: 'POST', path }) };
  }

  /**
   * Revokes a lease: the provider drops the credential (`DELETE .../leases/:leaseId`). `isForced` deletes the lease
   * even when the provider fails to drop it.
   *
   * @example
   * await client.dynamicSecrets.leases.revoke({ leaseId, projectSlug, environmentSlug: 'prod' });
   */
  async revoke(options: DynamicSecretScope & { leaseId: string; isForced?: boolean }): Promise<{ lease: DynamicSecretLease }> {
    const leaseId = requireString('leaseId', options?.leaseId, 'the id of a lease (lease.id of create)');
    const body: Record<string, unknown> = scopeOf(options);
    const isForced = optionalBoolean('isForced', options.isForced);
    if (isForced !== undefined) body.isForced = isForced;
    const path = `/api/v1/dynamic-secrets/leases/${encodeURIComponent(leaseId)}`;
    const answer = await this.#transport.json<unknown>({ method: 'DELETE', path, body, auth: true });
    return { lease: leaseAt(answer, { status: 200, method: 'DELETE', path }) };
  }

  /**
   * Reads a lease (`GET .../leases/:leaseId`); an expired or revoked one is 404 `Dynamic secret lease not found`.
   *
   * @example
   * const { lease } = await client.dynamicSecrets.leases.get({ leaseId, projectSlug, environmentSlug: 'prod' });
   */
  async get(options: DynamicSecretScope & { leaseId: string }): Promise<{ lease: DynamicSecretLease }> {
    const leaseId = requireString('leaseId', options?.leaseId, 'the id of a lease (lease.id of create)');
    const path = `/api/v1/dynamic-secrets/leases/${encodeURIComponent(leaseId)}`;
    const answer = await this.#transport.json<unknown>({ method: 'GET', path, query: scopeOf(options), auth: true });
    return { lease: leaseAt(answer, { status: 200, method: 'GET', path }) };
  }
}
