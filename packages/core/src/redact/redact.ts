/** Shorter values are not redacted: replacing every `a` or `1` in a message would garble it and hide nothing. */
const MIN_REDACTED_LENGTH = 2;
const MARKER = '[redacted]';
/** One character cannot contain a value of two or more, so this fallback marker can never re-create one. */
const FALLBACK_MARKER = '█';

/**
 * Replaces every occurrence of any of `secrets` (of two characters or more) in `text` with `[redacted]`, longest
 * first so a value that contains another goes whole. If a value would survive (it overlaps the marker, like
 * `act`, or re-forms across a replacement), a one-character marker is used instead; the result never contains
 * any of the values. Use it on anything that might echo a secret before it reaches a log. It is a last resort,
 * not how core keeps values out of its own errors: text that quotes a value escaped (JSON, URL) keeps it, and a
 * short value garbles the words around it (`in` in `Invalid input`), which shows it; core writes its texts from
 * key paths and codes instead.
 *
 * @example
 * logger.warn(redact(`upstream said: ${body}`, Object.values(config.snapshot)));
 */
export function redact(text: string, secrets: Iterable<string>): string {
  return redactValues(text, secrets, MIN_REDACTED_LENGTH);
}

/** `redact` with a chosen minimum length (fixed prose uses a higher one, so `in` does not garble `Infisical`). */
export function redactValues(text: string, secrets: Iterable<string>, minLength: number): string {
  const values = [...new Set(secrets)].filter((v) => typeof v === 'string' && v.length >= Math.max(minLength, MIN_REDACTED_LENGTH)).toSorted((a, b) => b.length - a.length);
  if (values.length === 0) return text;
  for (const marker of [MARKER, FALLBACK_MARKER]) {
    let result = text;
    for (const value of values) result = result.split(value).join(marker);
    if (!values.some((value) => result.includes(value))) return result;
  }
  return FALLBACK_MARKER;
}
