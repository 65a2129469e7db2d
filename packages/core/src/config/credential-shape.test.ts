import { describe, expect, it } from 'vitest';
import { isPlatformCredential } from './credential-shape.js';

const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (payload: object) => `${part({ alg: 'RS256', typ: 'JWT' })}.${part(payload)}.c2lnbmF0dXJl`;

describe('Function: isPlatformCredential', () => {
  it.each([
    ['an Infisical identity access token', jwt({ identityId: 'i', identityAccessTokenId: 't', authTokenType: 'identityAccessToken' })],
    ['a projected service-account token', jwt({ iss: 'https://kubernetes.default.svc', 'kubernetes.io': { namespace: 'ns' } })],
    ['a legacy service-account token', jwt({ iss: 'kubernetes/serviceaccount', sub: 'system:serviceaccount:ns:app' })],
    ['one with surrounding whitespace', ` ${jwt({ authTokenType: 'identityAccessToken' })}\n`],
  ])('refuses %s', (_what, value) => {
    expect(isPlatformCredential(value)).toBe(true);
  });

  it.each([
    ["a third party's JWT", jwt({ sub: 'user-1', role: 'anon' })],
    ['a plain value', 'postgres://db/app'],
    ['a JWT-shaped value whose payload is not JSON', `${part({ alg: 'none' })}.eyJub3QganNvbg.x`],
  ])('lets %s through', (_what, value) => {
    expect(isPlatformCredential(value)).toBe(false);
  });
});
