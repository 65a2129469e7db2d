import { readTokenPayload } from 'node-infisical';

/** Three base64url parts, the first two JSON: a JWT, whatever signed it. */
const JWT_SHAPE = /^eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Whether a value is one of the credentials this library holds: an Infisical identity access token (its
 * `authTokenType` claim) or a Kubernetes service-account token (its `kubernetes.io` claim or its
 * `system:serviceaccount:` subject). Other JWTs an app keeps in Infisical (a third party's API key) are plain
 * secrets. The signature is not checked: the shape alone is reason enough to keep it out of the environment.
 */
export function isPlatformCredential(value: string): boolean {
  const trimmed = value.trim();
  if (!JWT_SHAPE.test(trimmed)) return false;
  const claims = readTokenPayload(trimmed);
  if (!claims) return false;
  const subject = typeof claims.sub === 'string' ? claims.sub : '';
  return 'authTokenType' in claims || 'identityAccessTokenId' in claims || 'kubernetes.io' in claims || subject.startsWith('system:serviceaccount:');
}
