import type { Transport } from '../transport/http.js';
import { requireString } from './validate.js';

/** A project (workspace) as the server returns it. */
export interface Project {
  id: string;
  name: string;
  slug: string;
  orgId?: string;
  environments?: Array<{ id?: string; name: string; slug: string }>;
  [field: string]: unknown;
}

/** Projects (`/api/v2/workspace`): provisioning helpers for administrators. */
export class ProjectsApi {
  readonly #transport: Transport;
  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Creates a project with the default environments (dev, staging, prod).
   *
   * @example
   * const { project } = await client.projects.create({ projectName: 'payments' });
   */
  async create(options: { projectName: string; slug?: string }): Promise<{ project: Project }> {
    const projectName = requireString('projectName', options?.projectName, 'a name for the project');
    const body: Record<string, string> = { projectName };
    if (options.slug) body.slug = options.slug;
    return this.#transport.json({ method: 'POST', path: '/api/v2/workspace', body, auth: true });
  }

  /**
   * Gives a machine identity a role in a project, so it can read its secrets.
   *
   * @example
   * await client.projects.addIdentity({ projectId: project.id, identityId: identity.id, role: 'viewer' });
   */
  async addIdentity(options: { projectId: string; identityId: string; role?: string }): Promise<{ identityMembership: Record<string, unknown> }> {
    const projectId = requireString('projectId', options?.projectId, 'the ID of the project');
    const identityId = requireString('identityId', options?.identityId, 'the ID of the machine identity');
    return this.#transport.json({
      method: 'POST',
      path: `/api/v2/workspace/${encodeURIComponent(projectId)}/identity-memberships/${encodeURIComponent(identityId)}`,
      body: { role: options.role ?? 'viewer' },
      auth: true,
    });
  }
}
