import { describe, expect, it } from 'vitest';
import { readTokenClaims, scrubCredentials } from 'node-infisical';

const jwt = (claims: unknown) => `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;

describe('Function: readTokenClaims', () => {
  it("reads an Infisical access token's lifetime, limits and lineage, dropping claims of the wrong type", () => {
    const token = jwt({ exp: 200, iat: 100, accessTokenTTL: 100, accessTokenMaxTTL: 'x', creationEpoch: 90, numUsesLimit: 3, identityAccessTokenId: 'lin', jti: 7 });
    expect(readTokenClaims(token)).toEqual({ exp: 200, iat: 100, accessTokenTTL: 100, creationEpoch: 90, numUsesLimit: 3, identityAccessTokenId: 'lin' });
  });

  it("reads a service-account token's namespace, name and audiences, from kubernetes.io or else sub", () => {
    expect(readTokenClaims(jwt({ aud: ['infisical'], 'kubernetes.io': { namespace: 'apps', serviceaccount: { name: 'web' } }, sub: 'system:serviceaccount:x:y' }))).toEqual({
      audiences: ['infisical'],
      namespace: 'apps',
      serviceAccount: 'web',
    });
    expect(readTokenClaims(jwt({ aud: 'api', sub: 'system:serviceaccount:team:worker' }))).toEqual({ audiences: ['api'], namespace: 'team', serviceAccount: 'worker' });
  });

  it('is undefined for what is not a JWT with a JSON object payload', () => {
    for (const token of ['', 'abc', 'a.!!!.c', jwt(null), jwt('text')]) expect(readTokenClaims(token)).toBeUndefined();
  });
});

describe('Function: scrubCredentials', () => {
  it('replaces JWTs (also glued to other text), service tokens and bearer credentials', () => {
    const token = jwt({ sub: 'x' });
    expect(scrubCredentials(`a ${token} b`)).toBe('a [redacted-jwt] b');
    expect(scrubCredentials(`token=${token}`)).toBe('token=[redacted-jwt]');
    expect(scrubCredentials('st.abcdefgh1.abcdefgh2.abcdefgh3 and Bearer abcdefghijk')).toBe('[redacted-token] and Bearer [redacted]');
  });
});
