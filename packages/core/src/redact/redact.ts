/** Shorter values are not redacted: replacing every `a` or `1` in a message would garble it and hide nothing. */
const MIN_REDACTED_LENGTH = 2;

/**
 * Replaces every occurrence of any of `secrets` in `text` with `[redacted]`, longest first so a value that
 * contains another goes whole. Use it on anything that might echo a secret before it reaches a log.
 *
 * @example
 * logger.warn(redact(`upstream said: ${body}`, Object.values(config.snapshot)));
 */
export function redact(text: string, secrets: Iterable<string>): string {
  const values = [...new Set(secrets)].filter((v) => typeof v === 'string' && v.length >= MIN_REDACTED_LENGTH).toSorted((a, b) => b.length - a.length);
  let result = text;
  for (const value of values) result = result.split(value).join('[redacted]');
  return result;
}
