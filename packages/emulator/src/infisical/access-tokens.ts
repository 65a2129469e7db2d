import { randomBytes, randomUUID } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { seconds, type EmulatorClock } from '../clock.js';
import { fail } from './errors.js';
import type { AccessTokenRecord, IdentityRecord, InfisicalState, StoredTrustedIp } from './state.js';
import type { RouteRequest } from '../http/router.js';

export interface TokenSettings {
  clock: EmulatorClock;
  maxTokenAgeSeconds: number;
  /** `2024`: token rows are deleted on revoke, so every refusal of a gone token reads `No identity access token found`. */
  generation?: 'current' | '2024';
}

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
  accessTokenMaxTTL: number;
  tokenType: 'Bearer';
}

export interface AuthenticatedCaller {
  identity: IdentityRecord;
  token: AccessTokenRecord;
}

/** Signs, verifies and accounts for identity access tokens (HS256 JWTs, like the server's AUTH_SECRET ones). */
export class AccessTokens {
  readonly #secret = new Uint8Array(randomBytes(32));
  readonly #state: InfisicalState;
  readonly #settings: TokenSettings;
  /** One authentication per request: the server's hook and the route handler share it (one token use). */
  readonly #authenticated = new WeakMap<RouteRequest['raw'], Promise<AuthenticatedCaller>>();

  constructor(state: InfisicalState, settings: TokenSettings) {
    this.#state = state;
    this.#settings = settings;
  }

  /** Lifetime of a token issued now: min(TTL, remaining max-TTL budget, the 90-day ceiling); 0 TTL means the ceiling. */
  issuedTtl(record: AccessTokenRecord, now: number): number {
    const ceiling = this.#settings.maxTokenAgeSeconds;
    let ttl = record.ttl > 0 ? Math.min(record.ttl, ceiling) : ceiling;
    if (record.maxTtl > 0) ttl = Math.min(ttl, record.creationEpoch + record.maxTtl - now);
    return ttl;
  }

  async sign(record: AccessTokenRecord, identity: IdentityRecord, lifetime: number | undefined, extra: Record<string, unknown> = {}): Promise<string> {
    const now = seconds(this.#settings.clock);
    const jwt = new SignJWT({
      identityId: identity.id,
      identityName: identity.name,
      authMethod: record.authMethod,
      authTokenType: 'identityAccessToken',
      orgId: identity.orgId,
      rootOrgId: identity.orgId,
      parentOrgId: identity.orgId,
      clientSecretId: '',
      identityAccessTokenId: record.jti,
      ipRestrictionEnabled: false,
      accessTokenTTL: record.ttl,
      accessTokenMaxTTL: record.maxTtl,
      accessTokenPeriod: 0,
      creationEpoch: record.creationEpoch,
      ...(record.numUsesLimit > 0 ? { numUsesLimit: record.numUsesLimit } : {}),
      ...extra,
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setJti(record.jti)
      .setIssuedAt(now);
    if (lifetime !== undefined) jwt.setExpirationTime(now + lifetime);
    return jwt.sign(this.#secret);
  }

  /** A new token lineage for a login. */
  async issue(
    identity: IdentityRecord,
    authMethod: AccessTokenRecord['authMethod'],
    limits: { ttl: number; maxTtl: number; numUsesLimit: number },
    extra: Record<string, unknown> = {},
    neverExpires = false,
  ): Promise<IssuedToken> {
    const now = seconds(this.#settings.clock);
    const record: AccessTokenRecord = {
      jti: randomUUID(),
      identityId: identity.id,
      authMethod,
      creationEpoch: now,
      createdAtMs: this.#settings.clock.now(),
      ttl: limits.ttl,
      maxTtl: limits.maxTtl,
      numUsesLimit: limits.numUsesLimit,
      uses: 0,
      revoked: false,
    };
    this.#state.tokens.set(record.jti, record);
    const accessToken = await this.sign(record, identity, neverExpires ? undefined : this.issuedTtl(record, now), extra);
    return { accessToken, expiresIn: limits.ttl, accessTokenMaxTTL: limits.maxTtl, tokenType: 'Bearer' };
  }

  /** `jwt.verify` alone, with the server's rewritten messages: every failure is a 403 TokenError. */
  async verifyClaims(token: string): Promise<Record<string, unknown>> {
    try {
      return (await jwtVerify(token, this.#secret, { currentDate: new Date(this.#settings.clock.now()), algorithms: ['HS256'] })).payload;
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) fail(403, 'Your token has expired. Please re-authenticate.', 'TokenError');
      if (error instanceof joseErrors.JWSSignatureVerificationFailed) fail(403, 'invalid signature', 'TokenError');
      if (error instanceof joseErrors.JOSEAlgNotAllowed) fail(403, 'The provided access token has an invalid algorithm.', 'TokenError');
      fail(403, 'The provided access token is malformed. Please use a valid token or generate a new one and try again.', 'TokenError');
    }
  }

  /** `verifyClaims`, then the token's row and identity (401 when either is gone). */
  async verify(token: string): Promise<{ record: AccessTokenRecord; identity: IdentityRecord; claims: Record<string, unknown> }> {
    const claims = await this.verifyClaims(token);
    const jti = typeof claims.identityAccessTokenId === 'string' ? claims.identityAccessTokenId : '';
    const record = this.#state.tokens.get(jti);
    const identity = record ? (this.#state.identities.get(record.identityId) ?? this.#state.deletedIdentities.get(record.identityId)) : undefined;
    if (!record || !identity) fail(401, 'Invalid identity access token claims, please re-authenticate', 'UnauthorizedError');
    return { record, identity, claims };
  }

  /** The checks every authenticated identity request goes through, in the server's order; once per request. */
  authenticate(req: RouteRequest): Promise<AuthenticatedCaller> {
    let caller = this.#authenticated.get(req.raw);
    if (!caller) {
      caller = this.#authenticate(req);
      this.#authenticated.set(req.raw, caller);
    }
    return caller;
  }

  async #authenticate(req: RouteRequest): Promise<AuthenticatedCaller> {
    const header = req.headers.authorization;
    const value = Array.isArray(header) ? header[0] : header;
    if (!value) fail(401, 'Token missing', 'UnauthorizedError');
    const token = value.slice(7);
    const { record, identity } = await this.verify(token);
    if (this.#settings.generation === '2024') return this.#authenticate2024(req, record, identity);
    if (record.revoked) fail(401, 'Failed to authorize: token has been revoked', 'UnauthorizedError');
    if (this.#state.deletedIdentities.has(record.identityId)) fail(401, 'Failed to authorize: identity tokens have been revoked', 'UnauthorizedError');
    if (record.authMethod === 'kubernetes-auth' && this.#state.revokedAuthMethods.has(`${record.identityId}:${record.jti}`)) {
      fail(401, 'Failed to authorize: auth method has been revoked', 'UnauthorizedError');
    }
    if (record.numUsesLimit > 0 && record.uses >= record.numUsesLimit) {
      fail(401, 'Failed to authorize: token usage limit reached', 'UnauthorizedError');
    }
    record.uses += 1;
    if (record.authMethod === 'kubernetes-auth') {
      const auth = this.#state.kubernetesAuth.get(record.identityId);
      if (auth && !ipAllowed(req.ip, auth.accessTokenTrustedIps)) {
        fail(403, 'You are not allowed to access this resource from the current IP address', 'ForbiddenError');
      }
    }
    return { identity, token: record };
  }

  /** The October 2024 checks: a gone row (revoked, identity deleted, auth method removed) and the classic use limit. */
  #authenticate2024(req: RouteRequest, record: AccessTokenRecord, identity: IdentityRecord): AuthenticatedCaller {
    const gone =
      record.revoked || this.#state.deletedIdentities.has(record.identityId) || this.#state.revokedAuthMethods.has(`${record.identityId}:${record.jti}`);
    if (gone) fail(401, 'No identity access token found', 'UnauthorizedError');
    if (record.authMethod === 'kubernetes-auth') {
      const auth = this.#state.kubernetesAuth.get(record.identityId);
      if (auth && !ipAllowed(req.ip, auth.accessTokenTrustedIps)) {
        fail(403, 'You are not allowed to access this resource from the current IP address', 'ForbiddenError');
      }
    }
    if (record.numUsesLimit > 0 && record.uses >= record.numUsesLimit) {
      fail(401, 'Unable to renew because access token number of uses limit reached', 'UnauthorizedError');
    }
    record.uses += 1;
    return { identity, token: record };
  }
}

/** Parses an IP or CIDR into the stored form; undefined when it is neither. */
export function parseTrustedIp(input: string): StoredTrustedIp | undefined {
  const [address = '', prefixText] = input.trim().split('/');
  const family = isIP(address);
  if (family === 0) return undefined;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (prefixText === undefined) return { ipAddress: address, type };
  const prefix = Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) return undefined;
  return { ipAddress: address, type, prefix };
}

const isWildcard = (ip: StoredTrustedIp) => ip.prefix === 0;

export function ipAllowed(ip: string, trusted: StoredTrustedIp[]): boolean {
  if (trusted.every(isWildcard)) return true;
  const family = isIP(ip);
  if (family === 0) return false;
  const list = new BlockList();
  for (const entry of trusted) {
    if (entry.prefix === undefined) list.addAddress(entry.ipAddress, entry.type);
    else list.addSubnet(entry.ipAddress, entry.prefix, entry.type);
  }
  return list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}
