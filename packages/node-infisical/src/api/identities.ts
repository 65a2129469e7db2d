import type { Transport } from '../transport/http.js';
import { requireString } from './validate.js';

/** A machine identity as the server returns it. */
export interface Identity {
  id: string;
  name: string;
  authMethod: string | null;
  authMethods: string[];
  orgId: string;
  hasDeleteProtection: boolean;
  createdAt: string;
  updatedAt: string;
  metadata: Array<{ id?: string; key: string; value: string }>;
  [field: string]: unknown;
}

export interface CreateIdentityOptions {
  name: string;
  organizationId: string;
  /** Organization role; the server's default is `"no-access"`. */
  role?: string;
  hasDeleteProtection?: boolean;
  metadata?: Array<{ key: string; value: string }>;
}

/** Machine identities (`/api/v1/identities`). */
export class IdentitiesApi {
  readonly #transport: Transport;
  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Creates a machine identity in an organization.
   *
   * @example
   * const { identity } = await client.identities.create({ name: 'k8s-service-identity', organizationId: 'org_id' });
   */
  async create(options: CreateIdentityOptions): Promise<{ identity: Identity }> {
    const name = requireString('name', options?.name, 'a name for the machine identity');
    const organizationId = requireString('organizationId', options?.organizationId, 'the ID of your Infisical organization');
    const body: Record<string, unknown> = { name, organizationId, role: options.role ?? 'no-access' };
    if (options.hasDeleteProtection !== undefined) body.hasDeleteProtection = options.hasDeleteProtection;
    if (options.metadata !== undefined) body.metadata = options.metadata;
    return this.#transport.json({ method: 'POST', path: '/api/v1/identities', body, auth: true });
  }

  /**
   * Reads one identity.
   *
   * @example
   * const { identity } = await client.identities.get({ identityId });
   */
  async get(options: { identityId: string }): Promise<{ identity: Identity }> {
    const identityId = requireString('identityId', options?.identityId, 'the ID of the machine identity');
    return this.#transport.json({ method: 'GET', path: `/api/v1/identities/${encodeURIComponent(identityId)}`, auth: true });
  }
}
