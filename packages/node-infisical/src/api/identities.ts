import type { Transport } from '../transport/http.js';
import { InfisicalValidationError } from '../errors/errors.js';
import { optionalBoolean, optionalString, requireString } from './validate.js';

/**
 * A machine identity as the server returns it.
 *
 * @example
 * const { identity } = await client.identities.get({ identityId });
 * console.log(identity.name, identity.authMethods);
 */
export interface Identity {
  id: string;
  name: string;
  authMethod: string | null;
  /** e.g. `["kubernetes-auth"]` once Kubernetes Auth is attached. */
  authMethods: string[];
  orgId: string;
  hasDeleteProtection: boolean;
  createdAt: string;
  updatedAt: string;
  metadata: Array<{ id?: string; key: string; value: string }>;
  [field: string]: unknown;
}

/**
 * What `client.identities.get` returns: the identity's organization membership (its `id` is the
 * membership's), with the identity itself nested under `identity`.
 *
 * @example
 * const { identity: membership } = await client.identities.get({ identityId });
 * console.log(membership.role, membership.identity.name, membership.identity.authMethods);
 */
export interface OrgIdentityMembership {
  /** The membership id (not the identity id). */
  id: string;
  orgId: string;
  /** Organization role slug, e.g. `no-access`, `member`, `admin`. */
  role: string;
  identity: { id: string; name: string; authMethods: string[]; [field: string]: unknown };
  metadata?: Array<{ id: string; key: string; value: string }>;
  [field: string]: unknown;
}

/**
 * Options of `client.identities.create`.
 *
 * @example
 * const options: CreateIdentityOptions = { name: 'k8s-service-identity', organizationId: 'org_id_here' };
 */
export interface CreateIdentityOptions {
  name: string;
  organizationId: string;
  /** Organization role; the server's default is `"no-access"` (project access is granted per project). */
  role?: string;
  hasDeleteProtection?: boolean;
  metadata?: Array<{ key: string; value: string }>;
}

/**
 * Machine identities (`client.identities`, `/api/v1/identities`).
 *
 * @example
 * const { identity } = await client.identities.create({ name: 'k8s-service-identity', organizationId: 'org_id_here' });
 */
export class IdentitiesApi {
  readonly #transport: Transport;
  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Creates a machine identity in an organization (`POST /api/v1/identities`).
   *
   * @example
   * const { identity } = await client.identities.create({ name: 'k8s-service-identity', organizationId: 'org_id_here' });
   */
  async create(options: CreateIdentityOptions): Promise<{ identity: Identity }> {
    const name = requireString('name', options?.name, 'a name for the machine identity');
    const organizationId = requireString('organizationId', options.organizationId, 'the ID of your Infisical organization');
    const body: Record<string, unknown> = { name, organizationId };
    const role = optionalString('role', options.role);
    if (role !== undefined) body.role = requireString('role', role, 'an organization role slug such as "no-access" or "member"');
    const protection = optionalBoolean('hasDeleteProtection', options.hasDeleteProtection);
    if (protection !== undefined) body.hasDeleteProtection = protection;
    if (options.metadata !== undefined) {
      if (!Array.isArray(options.metadata)) throw new InfisicalValidationError('metadata', 'must be an array of { key, value }');
      body.metadata = options.metadata.map((entry, index) => ({
        key: requireString(`metadata[${index}].key`, entry?.key, 'a non-empty key'),
        value: requireString(`metadata[${index}].value`, entry?.value, 'a non-empty value'),
      }));
    }
    return this.#transport.json({ method: 'POST', path: '/api/v1/identities', body, auth: true });
  }

  /**
   * Reads one identity's organization membership (`GET /api/v1/identities/:identityId`); the identity
   * is under `identity.identity`, as the server nests it.
   *
   * @example
   * const { identity: membership } = await client.identities.get({ identityId });
   * console.log(membership.identity.authMethods.includes('kubernetes-auth'));
   */
  async get(options: { identityId: string }): Promise<{ identity: OrgIdentityMembership }> {
    const identityId = requireString('identityId', options?.identityId, 'the ID of the machine identity');
    return this.#transport.json({ method: 'GET', path: `/api/v1/identities/${encodeURIComponent(identityId)}`, auth: true });
  }
}
