/**
 * Server messages are copied into our errors, and some servers echo what they were sent. Anything
 * shaped like a JWT or a service token is replaced, so no credential can reach a log line through us.
 */
const JWT_LIKE = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const SERVICE_TOKEN = /\bst\.[A-Za-z0-9]{8,}\.[A-Za-z0-9]{8,}\.[A-Za-z0-9]{8,}/g;
const BEARER = /\b(Bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi;

export function scrub(text: string): string {
  return text.replace(JWT_LIKE, '[redacted-jwt]').replace(SERVICE_TOKEN, '[redacted-token]').replace(BEARER, '$1 [redacted]');
}
