/**
 * Client-side checks: each rejects with InfisicalValidationError (code INVALID_ARGUMENT, the option's
 * `field`, a message saying what to fix) before any request reaches the server.
 */
import { describe, expect, it } from 'vitest';
import { InfisicalClient, InfisicalValidationError, MAX_TTL_SECONDS } from 'node-infisical';
import { adminFor, clientFor, rejectionOf, useEmulator } from './helpers.js';

const env = useEmulator();
const total = () => Object.values(env.emu().counters.all()).reduce((a, b) => a + b, 0);

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

const jwt = () => env.app().projected.current();
const base = () => ({ identityId: 'some-identity', kubernetesHost: env.emu().kubernetes.host });
const where = () => ({ projectId: env.app().projectId, environment: 'prod' });

function expectInvalid(error: unknown, field: string): InfisicalValidationError {
  expect(error).toBeInstanceOf(InfisicalValidationError);
  const e = error as InfisicalValidationError;
  expect(e).toMatchObject({ code: 'INVALID_ARGUMENT', name: 'InfisicalValidationError', field });
  expect(e.message.startsWith(`${field}: `)).toBe(true);
  return e;
}

describe('Class: InfisicalClient', () => {
  describe('Method: constructor', () => {
    it.each([
      ['a baseUrl without a scheme', { baseUrl: 'app.infisical.com' }, 'baseUrl'],
      ['a non-http baseUrl', { baseUrl: 'ftp://infisical.example' }, 'baseUrl'],
      ['a baseUrl with credentials', { baseUrl: 'https://user:pw@infisical.example' }, 'baseUrl'],
      ['a baseUrl with a query string', { baseUrl: 'https://infisical.example/?token=x' }, 'baseUrl'],
      ['a zero timeout', { timeoutMs: 0 }, 'timeoutMs'],
      ['a NaN timeout', { timeoutMs: Number.NaN }, 'timeoutMs'],
      ['negative retries', { retry: { retries: -1 } }, 'retry.retries'],
      ['a fraction of a retry', { retry: { retries: 1.5 } }, 'retry.retries'],
      ['a retry policy that is not an object', { retry: 'twice' as never }, 'retry'],
      ['a null retry policy', { retry: null as never }, 'retry'],
      ['a multi-line user agent', { userAgent: 'a\r\nx-injected: 1' }, 'userAgent'],
    ] as const)('rejects %s', (_name, options, field) => {
      const construct = () => new InfisicalClient(options);
      expect(construct).toThrow(InfisicalValidationError);
      expectInvalid(thrownBy(construct), field);
    });

    it.each([
      ['a negative timeout', { timeoutMs: -5 }, 'timeoutMs: must be a positive number of milliseconds (default 10000)'],
      ['an endless timeout', { timeoutMs: Number.POSITIVE_INFINITY }, 'timeoutMs: must be a positive number of milliseconds (default 10000)'],
      ['a clock that is not a function', { now: 1_700_000_000_000 as never }, 'now: must be a function returning epoch milliseconds'],
      ['a fetch that is not a function', { fetch: 'undici' as never }, 'fetch: must be a fetch-compatible function'],
      ['a fraction of a byte', { maxResponseBytes: 1024.5 }, 'maxResponseBytes: must be a positive whole number of bytes (default 10485760, 10 MiB)'],
      ['a negative size cap', { maxResponseBytes: -1 }, 'maxResponseBytes: must be a positive whole number of bytes (default 10485760, 10 MiB)'],
      ['a user agent that is not a string', { userAgent: 42 as never }, 'userAgent: must be a single-line string, e.g. "my-service/1.2.3"'],
      ['a user agent with a bare LF', { userAgent: 'a\nb' }, 'userAgent: must be a single-line string, e.g. "my-service/1.2.3"'],
      ['a negative base delay', { retry: { baseDelayMs: -1 } }, 'retry.baseDelayMs: must be a finite number, 0 or more, got a negative number'],
      ['an endless delay cap', { retry: { maxDelayMs: Number.POSITIVE_INFINITY } }, 'retry.maxDelayMs: must be a finite number, 0 or more, got an infinite number'],
      ['a delay cap that is not a number', { retry: { maxDelayMs: '10s' as never } }, 'retry.maxDelayMs: must be a finite number, 0 or more, got a string'],
      ['a retry policy that is an array', { retry: [] as never }, 'retry: must be false or an object such as { retries: 2 }, got an array'],
      ['a rateLimited that is not a boolean', { retry: { rateLimited: 1 as never } }, 'retry.rateLimited: must be true or false, got a whole number'],
      ['a baseUrl without a scheme', { baseUrl: 'infisical.internal' }, 'baseUrl: is not an absolute URL: use the Infisical site URL with its scheme, e.g. https://app.infisical.com'],
      ['a non-http baseUrl', { baseUrl: 'ws://infisical.internal' }, 'baseUrl: must be an http:// or https:// URL, not ws://'],
      ['a baseUrl with a user name only', { baseUrl: 'https://admin@infisical.internal' }, 'baseUrl: must not contain credentials: log in with client.login() instead'],
      ['a baseUrl with a password only', { baseUrl: 'https://:pw@infisical.internal' }, 'baseUrl: must not contain credentials: log in with client.login() instead'],
      ['a baseUrl with a fragment', { baseUrl: 'https://infisical.internal/#/login' }, 'baseUrl: must not contain a query string or fragment: use the site URL only, e.g. https://app.infisical.com'],
    ] as const)('words %s as the fix', (_name, options, message) => {
      const error = thrownBy(() => new InfisicalClient(options));
      expect(error).toBeInstanceOf(InfisicalValidationError);
      expect((error as Error).message).toBe(message);
    });

    it('names the kind of a bad value, never the value', () => {
      const error = expectInvalid(thrownBy(() => new InfisicalClient({ retry: { retries: 'pin-8261' as never } })), 'retry.retries');
      expect(error.message).toBe('retry.retries: must be a whole number, 0 or more, got a string');
    });

    it.each([
      ['https://app.infisical.com', 'https://app.infisical.com'],
      ['https://eu.infisical.com/', 'https://eu.infisical.com'],
      ['https://infisical.internal/api/', 'https://infisical.internal'],
      ['http://10.0.0.5:8080/infisical/api', 'http://10.0.0.5:8080/infisical'],
    ])('tolerates %s as %s', (input, normalized) => {
      expect(new InfisicalClient({ baseUrl: input }).baseUrl).toBe(normalized);
    });

    it('defaults to Infisical Cloud', () => {
      expect(new InfisicalClient().baseUrl).toBe('https://app.infisical.com');
    });
  });

  describe('Method: login', () => {
    it.each([
      ['an empty identityId', () => ({ kubernetesAuth: { identityId: '  ', jwt: jwt() } }), 'kubernetesAuth.identityId'],
      ['a missing jwt', () => ({ kubernetesAuth: { identityId: env.app().identityId } }), 'kubernetesAuth.jwt'],
      ['a jwt with two parts', () => ({ kubernetesAuth: { identityId: env.app().identityId, jwt: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0' } }), 'kubernetesAuth.jwt'],
      ['a jwt that is not base64url', () => ({ kubernetesAuth: { identityId: env.app().identityId, jwt: 'Bearer a.b.c' } }), 'kubernetesAuth.jwt'],
      ['a missing client secret', () => ({ universalAuth: { clientId: 'x' } }), 'universalAuth.clientSecret'],
      ['an empty access token', () => ({ accessToken: '' }), 'accessToken'],
      ['no auth method', () => ({}), 'login'],
    ])('rejects %s without a request', async (_name, options, field) => {
      const before = total();
      expectInvalid(await rejectionOf(clientFor(env.emu()).login(options() as never)), field);
      expect(total()).toBe(before);
    });

    it('trims the newline a token file may end with', async () => {
      const client = clientFor(env.emu());
      await client.login({ kubernetesAuth: { identityId: ` ${env.app().identityId} `, jwt: `${jwt()}\n` } });
      expect(client.auth.accessToken).toMatch(/^eyJ/);
    });
  });

  describe('Method: identityAuth.kubernetes.attach', () => {
    it.each([
      ['an empty identityId', { identityId: '' }, 'identityId'],
      ['a negative TTL', { accessTokenTTL: -1 }, 'accessTokenTTL'],
      ['a fractional TTL', { accessTokenTTL: 1.5 }, 'accessTokenTTL'],
      ['a TTL over ten years', { accessTokenTTL: MAX_TTL_SECONDS + 1, accessTokenMaxTTL: MAX_TTL_SECONDS }, 'accessTokenTTL'],
      ['a max TTL over ten years', { accessTokenMaxTTL: MAX_TTL_SECONDS + 1 }, 'accessTokenMaxTTL'],
      ['TTL above max TTL', { accessTokenTTL: 7200, accessTokenMaxTTL: 3600 }, 'accessTokenTTL'],
      ['TTL above the default max TTL', { accessTokenTTL: 3_000_000 }, 'accessTokenTTL'],
      ['TTL above a max TTL of 0 (the attach route compares even then)', { accessTokenTTL: 60, accessTokenMaxTTL: 0 }, 'accessTokenTTL'],
      ['a host with a query string', { kubernetesHost: 'https://k8s.example?x=1' }, 'kubernetesHost'],
      ['a host with spaces', { kubernetesHost: 'https://k8s example' }, 'kubernetesHost'],
      ['no host in API mode', { kubernetesHost: undefined }, 'kubernetesHost'],
      ['an empty trusted-IP list', { accessTokenTrustedIps: [] }, 'accessTokenTrustedIps'],
      ['a trusted IP that is not an IP', { accessTokenTrustedIps: [{ ipAddress: '10.0.0.0/33' }] }, 'accessTokenTrustedIps[0].ipAddress'],
      ['a negative uses limit', { accessTokenNumUsesLimit: -1 }, 'accessTokenNumUsesLimit'],
      ['a caCert that is not PEM', { caCert: 'not a certificate' }, 'caCert'],
      ['a reviewer token that is not a JWT', { tokenReviewerJwt: 'kubectl create token x' }, 'tokenReviewerJwt'],
      ['an unknown review mode', { tokenReviewMode: 'sidecar' }, 'tokenReviewMode'],
    ])('rejects %s without a request', async (_name, override, field) => {
      const before = total();
      expectInvalid(await rejectionOf(adminFor(env.emu()).identityAuth.kubernetes.attach({ ...base(), ...override } as never)), field);
      expect(total()).toBe(before);
    });

    it("words TTL above max TTL as the server does", async () => {
      const error = await rejectionOf(adminFor(env.emu()).identityAuth.kubernetes.attach({ ...base(), accessTokenTTL: 7200, accessTokenMaxTTL: 3600 }));
      expect((error as Error).message).toBe('accessTokenTTL: Access Token TTL cannot be greater than Access Token Max TTL.');
    });

    it('accepts IPv4 and IPv6 addresses and CIDR blocks', async () => {
      const emu = env.emu();
      const admin = adminFor(emu);
      const { identity } = await admin.identities.create({ name: 'ips', organizationId: emu.organizationId });
      const { identityKubernetesAuth } = await admin.identityAuth.kubernetes.attach({
        identityId: identity.id,
        kubernetesHost: emu.kubernetes.host,
        caCert: emu.kubernetes.caCert,
        accessTokenTrustedIps: [{ ipAddress: '10.1.2.3' }, { ipAddress: '10.0.0.0/8' }, { ipAddress: '2001:db8::/32' }],
      });
      expect(identityKubernetesAuth.accessTokenTrustedIps.map((ip) => ip.type)).toEqual(['ipv4', 'ipv4', 'ipv6']);
    });
  });

  describe('Method: identityAuth.kubernetes.update', () => {
    it('checks TTL against max TTL only when both are sent and non-zero, like the update route', async () => {
      const admin = adminFor(env.emu());
      expectInvalid(await rejectionOf(admin.identityAuth.kubernetes.update({ identityId: 'x', accessTokenTTL: 10, accessTokenMaxTTL: 5 })), 'accessTokenTTL');
      const before = total();
      // Passes the client's checks; the server then compares with the stored values.
      await rejectionOf(admin.identityAuth.kubernetes.update({ identityId: env.app().identityId, accessTokenTTL: 90_000 }));
      expect(total()).toBe(before + 1);
    });
  });

  describe('Method: secrets.*, events.subscribe, auth.setAccessToken', () => {
    it.each([
      ['list without projectId', (c: InfisicalClient) => c.secrets.list({ environment: 'prod' } as never), 'projectId'],
      ['list without environment', (c: InfisicalClient) => c.secrets.list({ projectId: 'p' } as never), 'environment'],
      ['a relative secretPath', (c: InfisicalClient) => c.secrets.list({ ...where(), secretPath: 'backend' }), 'secretPath'],
      ['a non-boolean flag', (c: InfisicalClient) => c.secrets.list({ ...where(), includeImports: 'yes' as never }), 'includeImports'],
      ['get without a name', (c: InfisicalClient) => c.secrets.get({ ...where(), secretName: '' }), 'secretName'],
      ['create without a value', (c: InfisicalClient) => c.secrets.create({ ...where(), secretName: 'X' }), 'secretValue'],
      ['an unknown secret type', (c: InfisicalClient) => c.secrets.delete({ ...where(), secretName: 'X', type: 'team' as never }), 'type'],
      ['a subscription without registrations', (c: InfisicalClient) => c.events.subscribe({ projectId: 'p', register: [] }), 'register'],
      ['eleven registrations', (c: InfisicalClient) => c.events.subscribe({ projectId: 'p', register: Array.from({ length: 11 }, () => ({ event: 'secret:update' as const })) }), 'register'],
      ['an unknown event', (c: InfisicalClient) => c.events.subscribe({ projectId: 'p', register: [{ event: 'secret:rotate' as never }] }), 'register[0].event'],
      [
        'a registration whose conditions name no environment',
        (c: InfisicalClient) => c.events.subscribe({ projectId: 'p', register: [{ event: 'secret:update' }, { event: 'secret:create', conditions: {} as never }] }),
        'register[1].conditions.environmentSlug',
      ],
      [
        'a registration with a relative secretPath',
        (c: InfisicalClient) => c.events.subscribe({ projectId: 'p', register: [{ event: 'secret:update', conditions: { environmentSlug: 'prod', secretPath: 'backend' } }] }),
        'register[0].conditions.secretPath',
      ],
      ['a subscription without a project', (c: InfisicalClient) => c.events.subscribe({ register: [{ event: 'secret:update' }] } as never), 'projectId'],
      ['a subscription without options', (c: InfisicalClient) => c.events.subscribe(undefined as never), 'options'],
      ['an empty identity name', (c: InfisicalClient) => c.identities.create({ name: ' ', organizationId: 'o' }), 'name'],
      ['an empty project name', (c: InfisicalClient) => c.projects.create({ projectName: '' }), 'projectName'],
      ['renew without a token', (c: InfisicalClient) => new InfisicalClient({ baseUrl: c.baseUrl }).auth.renew(), 'accessToken'],
    ])('rejects %s without a request', async (_name, call, field) => {
      const before = total();
      expectInvalid(await rejectionOf(call(adminFor(env.emu()))), field);
      expect(total()).toBe(before);
    });

    it('rejects an empty token in setAccessToken', () => {
      expect(() => adminFor(env.emu()).auth.setAccessToken(' ')).toThrow(InfisicalValidationError);
    });
  });
});
