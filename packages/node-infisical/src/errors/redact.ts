/**
 * Server messages are copied into our errors, and some servers echo what they were sent. Anything shaped like a
 * JWT (a header that starts `eyJ`, three base64url parts) or a service token is replaced, so no credential can
 * reach a log line through us. The workspace's one scrubber: core's errors use it too.
 */
const JWT_LIKE = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
const SERVICE_TOKEN = /\bst\.[A-Za-z0-9]{8,}\.[A-Za-z0-9]{8,}\.[A-Za-z0-9]{8,}/g;
const BEARER = /\b(Bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi;

/**
 * `text` with every JWT, service token and bearer credential replaced by a marker.
 *
 * @example
 * logger.warn(scrubCredentials(`upstream said: ${body}`));
 */
export function scrubCredentials(text: string): string {
  return text.replace(JWT_LIKE, '[redacted-jwt]').replace(SERVICE_TOKEN, '[redacted-token]').replace(BEARER, '$1 [redacted]');
}

/** Characters a credential is made of (JWT, service token, bearer value). */
const CREDENTIAL_CHAR = /[A-Za-z0-9._~+/=-]/;

/**
 * `scrubCredentials` of the first `max` characters of `text` only (the patterns are not linear on hostile text of
 * any length). A cut inside a word may go through a credential and leave a piece no pattern knows (a JWT's head
 * without its signature): that last word is dropped too.
 */
export function scrubCredentialsHead(text: string, max: number): string {
  if (text.length <= max || !CREDENTIAL_CHAR.test(text[max]!)) return scrubCredentials(text.slice(0, max));
  let end = max;
  while (end > 0 && CREDENTIAL_CHAR.test(text[end - 1]!)) end -= 1;
  return scrubCredentials(text.slice(0, end));
}
