import type { Router, RouteRequest } from '../../http/router.js';
import { fail } from '../errors.js';
import { Check } from '../validation.js';
import type { InfisicalContext } from '../context.js';
import { normalizePath } from '../state.js';
import type { AuthenticatedCaller } from '../access-tokens.js';
import { durationMs, type DynamicSecretRecord, type LeaseRecord } from '../dynamic-secrets-state.js';
import { requireProjectAccess } from './secret-access.js';

const BASE = '/api/v1/dynamic-secrets/leases';
const MINUTE = 60_000;
const DAY = 86_400_000;

const iso = (ms: number): string => new Date(ms).toISOString();

/** `DynamicSecretLeasesSchema` as the server answers it. */
export function leaseView(lease: LeaseRecord) {
  return {
    id: lease.id,
    version: lease.version,
    externalEntityId: lease.externalEntityId,
    expireAt: iso(lease.expireAtMs),
    status: null,
    statusDetails: null,
    dynamicSecretId: lease.dynamicSecretId,
    createdAt: iso(lease.createdAtMs),
    updatedAt: iso(lease.updatedAtMs),
  };
}

/** `SanitizedDynamicSecretSchema`: the provider inputs (encrypted) are left out. */
function secretView(secret: DynamicSecretRecord) {
  const { folderKey: _folderKey, ...rest } = secret;
  return { ...rest, version: 1, type: 'sql-database', status: null, statusDetails: null };
}

/** The body's (or query's) `ttl`: a `ms` string from one minute to one day, as the route's refinement checks. */
function ttlField(check: Check): string | undefined {
  const ttl = check.string('ttl');
  if (ttl === undefined || ttl === null || ttl === '') return undefined;
  const ms = durationMs(ttl);
  // The server's `ms()` of an unparsable string is undefined and the service then fails; a 422 names it here.
  if (Number.isNaN(ms)) check.custom('ttl', 'TTL must be a duration such as "30m" or "1h"');
  else if (ms < MINUTE) check.custom('ttl', 'TTL must be a greater than 1min');
  else if (ms > DAY) check.custom('ttl', 'TTL must be less than a day');
  return ttl;
}

interface Scope {
  projectSlug: string;
  environmentSlug: string;
  path: string;
}

function scopeOf(check: Check): Scope {
  const projectSlug = check.string('projectSlug', { required: true, min: 1 });
  const environmentSlug = check.string('environmentSlug', { required: true, min: 1 });
  const path = normalizePath(check.string('path') || '/');
  return { projectSlug: projectSlug!, environmentSlug: environmentSlug!, path };
}

/** The service's checks, in its order: project by slug, permission, folder. Returns the folder key. */
function requireFolder(ctx: InfisicalContext, caller: AuthenticatedCaller, scope: Scope, write: boolean): string {
  const project = [...ctx.state.projects.values()].find((p) => p.slug === scope.projectSlug);
  if (!project) fail(404, 'Project not found', 'NotFound');
  requireProjectAccess(ctx, caller, project.id, write);
  if (!ctx.state.folder(project.id, scope.environmentSlug, scope.path)) fail(404, 'Folder not found', 'NotFound');
  return ctx.state.folderKey(project.id, scope.environmentSlug, scope.path);
}

/** The lease by id alone: the server does not check that it belongs to the folder named in the request. */
function requireLease(ctx: InfisicalContext, leaseId: string): LeaseRecord {
  const lease = ctx.state.dynamicSecrets.live(leaseId, ctx.clock.now());
  if (!lease) fail(404, 'Dynamic secret lease not found', 'NotFound');
  return lease;
}

async function createLease(ctx: InfisicalContext, req: RouteRequest) {
  const caller = await ctx.tokens.authenticate(req);
  const check = Check.of(req.body);
  const name = check.string('dynamicSecretName', { required: true, min: 1 })?.toLowerCase();
  const ttl = ttlField(check);
  const scope = scopeOf(check);
  check.done();
  const folderKey = requireFolder(ctx, caller, scope, false);
  const secret = ctx.state.dynamicSecrets.find(folderKey, name!);
  if (!secret) fail(404, 'Dynamic secret not found', 'NotFound');
  const now = ctx.clock.now();
  const expireAt = now + durationMs(ttl ?? secret.defaultTTL);
  if (secret.maxTTL && expireAt > now + durationMs(secret.maxTTL)) fail(400, 'TTL cannot be larger than max TTL', 'BadRequest');
  const lease = ctx.state.dynamicSecrets.mint(secret, now, expireAt);
  return { status: 200, body: { lease: leaseView(lease), dynamicSecret: secretView(secret), data: { DB_USERNAME: lease.externalEntityId, DB_PASSWORD: lease.password } } };
}

async function renewLease(ctx: InfisicalContext, req: RouteRequest) {
  const caller = await ctx.tokens.authenticate(req);
  const check = Check.of(req.body);
  const ttl = ttlField(check);
  const scope = scopeOf(check);
  check.done();
  requireFolder(ctx, caller, scope, true);
  const lease = requireLease(ctx, req.params.leaseId!);
  const secret = ctx.state.dynamicSecrets.secrets.get(lease.dynamicSecretId)!;
  // The server adds the TTL to the lease's current end, not to now, and caps it at creation + max TTL.
  const expireAt = lease.expireAtMs + durationMs(ttl ?? secret.defaultTTL);
  if (secret.maxTTL && expireAt > lease.createdAtMs + durationMs(secret.maxTTL)) fail(400, 'TTL cannot be larger than max ttl', 'BadRequest');
  lease.expireAtMs = expireAt;
  lease.updatedAtMs = ctx.clock.now();
  return { status: 200, body: { lease: leaseView(lease) } };
}

async function revokeLease(ctx: InfisicalContext, req: RouteRequest) {
  const caller = await ctx.tokens.authenticate(req);
  const check = Check.of(req.body);
  const scope = scopeOf(check);
  check.boolean('isForced');
  check.done();
  requireFolder(ctx, caller, scope, true);
  const lease = requireLease(ctx, req.params.leaseId!);
  ctx.state.dynamicSecrets.leases.delete(lease.id);
  return { status: 200, body: { lease: leaseView(lease) } };
}

async function getLease(ctx: InfisicalContext, req: RouteRequest) {
  const caller = await ctx.tokens.authenticate(req);
  const check = Check.of(Object.fromEntries(req.query));
  const scope = scopeOf(check);
  check.done();
  requireFolder(ctx, caller, scope, false);
  const lease = requireLease(ctx, req.params.leaseId!);
  const secret = ctx.state.dynamicSecrets.secrets.get(lease.dynamicSecretId)!;
  return { status: 200, body: { lease: { ...leaseView(lease), dynamicSecret: secretView(secret) } } };
}

/**
 * The dynamic-secret lease routes of the October 2024 server (`backend/src/ee/routes/v1/dynamic-secret-lease-router.ts`):
 * create needs read access to the folder's secrets, renew edit, revoke delete (a `member` role, not `viewer`).
 */
export function registerDynamicSecretRoutes(router: Router, ctx: InfisicalContext): void {
  router.on('POST', BASE, (req) => createLease(ctx, req));
  router.on('POST', `${BASE}/:leaseId/renew`, (req) => renewLease(ctx, req));
  router.on('DELETE', `${BASE}/:leaseId`, (req) => revokeLease(ctx, req));
  router.on('GET', `${BASE}/:leaseId`, (req) => getLease(ctx, req));
}
