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
  /** jti -> epoch ms when the lineage's last-signed JWT expires (Infinity: no `exp`). Older JWTs expire no later. */
  readonly #expiresAt = new Map<string, number>();

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
    const expiresAt = lifetime === undefined ? Number.POSITIVE_INFINITY : (now + lifetime) * 1000;
    this.#expiresAt.set(record.jti, Math.max(this.#expiresAt.get(record.jti) ?? 0, expiresAt));
    return jwt.sign(this.#secret);
  }

  /**
   * Token lineages (one per login; renewals keep the lineage) that could still authenticate a call: issued,
   * not revoked (by token, identity or auth method), and holding a JWT that has not expired on the emulator clock.
   */
  live(identityId?: string): number {
    const now = this.#settings.clock.now();
    let count = 0;
    for (const record of this.#state.tokens.values()) {
      if (identityId !== undefined && record.identityId !== identityId) continue;
      if (record.revoked || this.#state.deletedIdentities.has(record.identityId)) continue;
      if (this.#state.revokedAuthMethods.has(`${record.identityId}:${record.jti}`)) continue;
      if ((this.#expiresAt.get(record.jti) ?? 0) > now) count += 1;
    }
    return count;
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

  /** `jwt.verify` with the server's rewritten messages: every failure is a 403 TokenError. */
  async verify(token: string): Promise<{ record: AccessTokenRecord; identity: IdentityRecord; claims: Record<string, unknown> }> {
    let claims: Record<string, unknown>;
    try {
      ({ payload: claims } = await jwtVerify(token, this.#secret, { currentDate: new Date(this.#settings.clock.now()), algorithms: ['HS256'] }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) fail(403, 'Your token has expired. Please re-authenticate.', 'TokenError');
      if (error instanceof joseErrors.JWSSignatureVerificationFailed) fail(403, 'invalid signature', 'TokenError');
      if (error instanceof joseErrors.JOSEAlgNotAllowed) fail(403, 'The provided access token has an invalid algorithm.', 'TokenError');
      fail(403, 'The provided access token is malformed. Please use a valid token or generate a new one and try again.', 'TokenError');
    }
    const jti = typeof claims.identityAccessTokenId === 'string' ? claims.identityAccessTokenId : '';
    const record = this.#state.tokens.get(jti);
    const identity = record ? (this.#state.identities.get(record.identityId) ?? this.#state.deletedIdentities.get(record.identityId)) : undefined;
    if (!record || !identity) fail(401, 'Invalid identity access token claims, please re-authenticate', 'UnauthorizedError');
    return { record, identity, claims };
  }

  /** The checks every authenticated identity request goes through, in the server's order. */
  async authenticate(req: RouteRequest): Promise<AuthenticatedCaller> {
    const header = req.headers.authorization;
    const value = Array.isArray(header) ? header[0] : header;
    if (!value) fail(401, 'Token missing', 'UnauthorizedError');
    const token = value.slice(7);
    const { record, identity } = await this.verify(token);
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
