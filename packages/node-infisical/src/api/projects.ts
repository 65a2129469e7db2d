import type { Transport } from '../transport/http.js';
import { optionalString, requireString } from './validate.js';

/**
 * A project (workspace) as the server returns it.
 *
 * @example
 * const { project } = await client.projects.create({ projectName: 'payments' });
 * console.log(project.id, project.environments?.map((e) => e.slug));
 */
export interface Project {
  id: string;
  name: string;
  slug: string;
  orgId?: string;
  environments?: Array<{ id?: string; name: string; slug: string }>;
  [field: string]: unknown;
}

/**
 * Options of `client.projects.create` (`POST /api/v2/workspace`).
 *
 * @example
 * const options: CreateProjectOptions = { projectName: 'payments', slug: 'payments', projectDescription: 'card processing' };
 */
export interface CreateProjectOptions {
  projectName: string;
  /** 5 to 36 characters; the server derives one from the name when omitted. */
  slug?: string;
  projectDescription?: string;
  /** A project template (environments, roles); the server's default template when omitted. */
  template?: string;
}

/**
 * A machine identity's membership of a project.
 *
 * @example
 * const { identityMembership } = await client.projects.addIdentity({ projectId, identityId, role: 'viewer' });
 * console.log(identityMembership.id);
 */
export interface IdentityMembership {
  id: string;
  identityId?: string;
  projectId?: string;
  [field: string]: unknown;
}

/**
 * Projects and their identity memberships (`client.projects`, `/api/v2/workspace`): provisioning helpers.
 *
 * @example
 * const { project } = await client.projects.create({ projectName: 'payments' });
 * await client.projects.addIdentity({ projectId: project.id, identityId, role: 'viewer' });
 */
export class ProjectsApi {
  readonly #transport: Transport;
  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Creates a project with the server's default environments (`POST /api/v2/workspace`).
   *
   * @example
   * const { project } = await client.projects.create({ projectName: 'payments', slug: 'payments' });
   */
  async create(options: CreateProjectOptions): Promise<{ project: Project }> {
    const projectName = requireString('projectName', options?.projectName, 'a name for the project');
    const body: Record<string, string> = { projectName };
    const slug = optionalString('slug', options.slug);
    if (slug !== undefined) body.slug = requireString('slug', slug, 'a URL-friendly project slug (5 to 36 characters), or leave it out');
    const description = optionalString('projectDescription', options.projectDescription);
    if (description !== undefined) body.projectDescription = description;
    const template = optionalString('template', options.template);
    if (template !== undefined) body.template = requireString('template', template, 'a project template name, or leave it out for the default');
    return this.#transport.json({ method: 'POST', path: '/api/v2/workspace', body, auth: true });
  }

  /**
   * Adds a machine identity to a project with a role
   * (`POST /api/v2/workspace/:projectId/identity-memberships/:identityId`). Without `role` the server
   * uses `no-access`: pass `viewer` (or a custom role) for an identity that reads secrets.
   *
   * @example
   * await client.projects.addIdentity({ projectId: project.id, identityId: identity.id, role: 'viewer' });
   */
  async addIdentity(options: { projectId: string; identityId: string; role?: string }): Promise<{ identityMembership: IdentityMembership }> {
    const projectId = requireString('projectId', options?.projectId, 'the ID of the project');
    const identityId = requireString('identityId', options.identityId, 'the ID of the machine identity');
    const body: Record<string, string> = {};
    const role = optionalString('role', options.role);
    if (role !== undefined) body.role = requireString('role', role, 'a project role slug such as "viewer", "member" or "admin"');
    return this.#transport.json({
      method: 'POST',
      path: `/api/v2/workspace/${encodeURIComponent(projectId)}/identity-memberships/${encodeURIComponent(identityId)}`,
      body,
      auth: true,
    });
  }
}
