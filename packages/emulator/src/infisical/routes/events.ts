import type { Router } from '../../http/router.js';
import { fail } from '../errors.js';
import { Check } from '../validation.js';
import type { InfisicalContext } from '../context.js';

const EVENTS = new Set(['secret:create', 'secret:update', 'secret:delete', 'secret:import-mutation']);

/** `POST /api/v1/events/subscribe/project-events`: server-sent secret-change events. */
export function registerEventRoutes(router: Router, ctx: InfisicalContext): void {
  // The October 2024 server had no event route: its router answers 404.
  if (ctx.options.generation === 'current') registerSubscribe(router, ctx);

  router.on('GET', '/api/status', () => ({
    status: 200,
    body: { date: new Date(ctx.clock.now()).toISOString(), message: 'Ok', emailConfigured: false, inviteOnlySignup: false, redisConfigured: true, secretScanningConfigured: false, maxIdentityAccessTokenTTL: 7_776_000 },
  }));
}

function registerSubscribe(router: Router, ctx: InfisicalContext): void {
  router.on('POST', '/api/v1/events/subscribe/project-events', async (req, res) => {
    const caller = await ctx.tokens.authenticate(req);
    const check = Check.of(req.body);
    const projectId = check.string('projectId', { required: true });
    const register = check.body.register;
    if (!Array.isArray(register)) check.custom('register', 'Required', 'invalid_type');
    else if (register.length < 1) check.custom('register', 'Array must contain at least 1 element(s)', 'too_small');
    else if (register.length > 10) check.custom('register', 'Array must contain at most 10 element(s)', 'too_big');
    else
      register.forEach((r: { event?: unknown; conditions?: { environmentSlug?: unknown } }, index) => {
        if (!EVENTS.has(String(r?.event))) {
          check.custom(['register', index, 'event'], `Invalid enum value. Expected ${[...EVENTS].map((e) => `'${e}'`).join(' | ')}, received '${String(r?.event)}'`, 'invalid_enum_value');
        }
        if (r?.conditions && typeof r.conditions.environmentSlug !== 'string') check.custom(['register', index, 'conditions', 'environmentSlug'], 'Required', 'invalid_type');
      });
    check.done();
    // The service checks the caller's permission (403) before the plan (400).
    const project = ctx.state.projects.get(projectId!);
    if (!project) fail(404, `Project with ID '${projectId}' not found`, 'NotFound');
    if (caller.identity.role !== 'admin' && !project.members.has(caller.identity.id)) {
      fail(403, 'You are not allowed to subscribe-on-created on secret-events', 'PermissionDenied');
    }
    if (!ctx.options.eventSubscriptions) {
      fail(400, 'Event subscriptions are not available on your current plan. Please upgrade to access this feature.', 'BadRequest');
    }
    ctx.events.open(project.id, register as never, res);
  });
}
