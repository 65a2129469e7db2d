import type { Router } from '../../http/router.js';
import type { InfisicalContext } from '../context.js';
import { registerIdentityRoutes } from './identities.js';
import { registerKubernetesAuthRoutes } from './kubernetes-auth.js';
import { registerProjectRoutes } from './projects.js';
import { registerUniversalAuthRoutes } from './universal-auth.js';

export { createProject, projectView } from './project-records.js';

/** What administrators call, one module per resource: identities, their Kubernetes Auth, projects and memberships. */
export function registerAdminRoutes(router: Router, ctx: InfisicalContext): void {
  registerIdentityRoutes(router, ctx);
  registerKubernetesAuthRoutes(router, ctx);
  registerProjectRoutes(router, ctx);
  registerUniversalAuthRoutes(router, ctx);
}
