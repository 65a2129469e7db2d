import { randomBytes, randomUUID } from 'node:crypto';
import type { Router, RouteRequest } from '../../http/router.js';
import { fail } from '../errors.js';
import { Check } from '../validation.js';
import { nowIso, type InfisicalContext } from '../context.js';
import type { UniversalAuthRecord } from '../state.js';
import { identityInOrg, requireOrgAdmin } from './org-admin.js';
import { MAX_TTL } from './kubernetes-auth-checks.js';

const AUTH_PATH = '/api/v1/auth/universal-auth/identities/:identityId';

/** The identity's Universal Auth and its client ID, if attached. */
function findByIdentity(ctx: InfisicalContext, identityId: string): [string, UniversalAuthRecord] | undefined {
  for (const entry of ctx.state.universalAuth) if (entry[1].identityId === identityId) return entry;
  return undefined;
}

/**
 * Attaches Universal Auth: the token limits a login issues under. Trusted IPs are accepted and not enforced (the
 * emulator enforces them for Kubernetes Auth only).
 */
async function attach(ctx: InfisicalContext, req: RouteRequest) {
  const caller = await ctx.tokens.authenticate(req);
  const check = Check.of(req.body);
  const accessTokenTTL = check.int('accessTokenTTL', { min: 0, max: MAX_TTL }) ?? 2_592_000;
  const accessTokenMaxTTL = check.int('accessTokenMaxTTL', { min: 0, max: MAX_TTL }) ?? 2_592_000;
  const accessTokenNumUsesLimit = check.int('accessTokenNumUsesLimit', { min: 0 }) ?? 0;
  if (!check.aborted && accessTokenTTL > accessTokenMaxTTL) check.custom('accessTokenTTL', 'Access Token TTL cannot be greater than Access Token Max TTL.');
  check.done();
  const identity = identityInOrg(ctx, req.params.identityId!);
  if (findByIdentity(ctx, identity.id)) fail(400, 'Failed to add universal auth to already configured identity', 'BadRequest');
  requireOrgAdmin(caller, 'edit', 'identity');
  const clientId = randomUUID();
  ctx.state.universalAuth.set(clientId, { identityId: identity.id, clientSecrets: [], accessTokenTTL, accessTokenMaxTTL, accessTokenNumUsesLimit });
  identity.authMethods = [...new Set([...identity.authMethods, 'universal-auth'])];
  const now = nowIso(ctx.clock);
  const trusted = [{ ipAddress: '0.0.0.0', prefix: 0, type: 'ipv4' }, { ipAddress: '::', prefix: 0, type: 'ipv6' }];
  return {
    status: 200,
    body: {
      identityUniversalAuth: {
        id: randomUUID(), clientId, identityId: identity.id, accessTokenTTL, accessTokenMaxTTL, accessTokenNumUsesLimit,
        accessTokenTrustedIps: trusted, clientSecretTrustedIps: trusted, createdAt: now, updatedAt: now,
      },
    },
  };
}

/** Creates a client secret: the only answer that ever holds it. */
async function createClientSecret(ctx: InfisicalContext, req: RouteRequest) {
  const caller = await ctx.tokens.authenticate(req);
  const check = Check.of(req.body);
  const description = check.string('description') ?? '';
  const numUsesLimit = check.int('numUsesLimit', { min: 0 }) ?? 0;
  const ttl = check.int('ttl', { min: 0, max: MAX_TTL }) ?? 0;
  check.done();
  const identity = identityInOrg(ctx, req.params.identityId!);
  const found = findByIdentity(ctx, identity.id);
  if (!found) fail(404, 'Failed to find universal auth for identity', 'NotFound');
  requireOrgAdmin(caller, 'create', 'identity client secret');
  const clientSecret = randomBytes(32).toString('hex');
  found[1].clientSecrets = [...(found[1].clientSecrets ?? []), clientSecret];
  const now = nowIso(ctx.clock);
  return {
    status: 200,
    body: {
      clientSecret,
      clientSecretData: {
        id: randomUUID(), identityUAId: found[0], description, clientSecretPrefix: clientSecret.slice(0, 4), clientSecretNumUses: 0,
        clientSecretNumUsesLimit: numUsesLimit, clientSecretTTL: ttl, isClientSecretRevoked: false, createdAt: now, updatedAt: now,
      },
    },
  };
}

/** Universal Auth as administrators set it up: attach it to an identity, then create a client secret. */
export function registerUniversalAuthRoutes(router: Router, ctx: InfisicalContext): void {
  router.on('POST', AUTH_PATH, (req) => attach(ctx, req));
  router.on('POST', `${AUTH_PATH}/client-secrets`, (req) => createClientSecret(ctx, req));
}
