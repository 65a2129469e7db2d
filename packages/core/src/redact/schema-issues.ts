import type { StandardSchemaV1 } from '@standard-schema/spec';

/**
 * Why issue texts are built rather than scrubbed: schema libraries quote the failing value in their messages
 * (valibot raw inside quotes, arktype JSON-escaped, zod 3 enums), and no scrubber catches every escaping of it.
 * A short value cannot be scrubbed without garbling the text around it, which then reveals the value anyway.
 * So the text of an issue depends only on its path and on fields the library fills from the schema, and only
 * when they look like an identifier: never `message`, `input`, `received`, `actual`, `data` or `values`.
 */

/** Library vocabulary: zod `code`/`format`/`origin`, valibot `type`, arktype `code`. */
const KIND_FIELDS = ['code', 'type', 'format', 'origin'] as const;
const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;
/** Deeper path segments come from parsed values (a JSON record's keys): only identifier-like ones are shown. */
const SEGMENT = /^(?:[A-Za-z_$][A-Za-z0-9_$-]{0,63}|\d{1,9})$/;
/** Infisical key names (shown by design) and schema keys look like this; anything else is not printed. */
const TOP_SEGMENT = /^[A-Za-z0-9_.-]{1,256}$/;
/**
 * `expected` can hold text a user wrote (arktype's `ctx.mustBe(...)`, `ctx.reject({ expected })`), so it is
 * read only on zod's own type check, and only when it is one of these type names: a fixed list cannot carry
 * a value, and a text that shows it only sometimes would tell which value it is.
 */
const EXPECTED_TYPES = new Set([
  'string', 'number', 'bigint', 'boolean', 'symbol', 'undefined', 'null', 'object', 'array', 'date',
  'function', 'integer', 'nan', 'never', 'unknown', 'map', 'set', 'promise', 'tuple', 'record', 'file', 'blob',
]);

/** Reads a field of a foreign issue object; a throwing getter counts as absent. */
function field(issue: object, name: string): unknown {
  try {
    return (issue as Record<string, unknown>)[name];
  } catch {
    return undefined;
  }
}

function segmentKey(segment: unknown): unknown {
  return typeof segment === 'object' && segment !== null ? field(segment, 'key') : segment;
}

/**
 * The dotted path of an issue: the top key as is when it is a fetched key or key-like, deeper segments only
 * when identifier-like or an index (`*` otherwise), `(root)` when there is none.
 */
export function issuePath(issue: StandardSchemaV1.Issue, raw: Readonly<Record<string, string>>): string {
  const path = field(issue, 'path');
  if (!Array.isArray(path) || path.length === 0) return '(root)';
  const parts: string[] = [];
  for (const [index, segment] of path.entries()) {
    const key = segmentKey(segment);
    const text = typeof key === 'string' || typeof key === 'number' ? String(key) : '*';
    const shown = index === 0 ? Object.hasOwn(raw, text) || TOP_SEGMENT.test(text) : SEGMENT.test(text);
    parts.push(shown ? text : '*');
  }
  return parts.join('.');
}

/**
 * What went wrong, in the library's own words for it (`invalid_format email`, `invalid_type (expected number)`,
 * `min_length`), or `missing` for a key Infisical did not return, or `invalid` when the library says nothing
 * usable. Never derived from the value.
 */
export function issueKind(issue: StandardSchemaV1.Issue, path: string, raw: Readonly<Record<string, string>>): string {
  if (!path.includes('.') && path !== '(root)' && !Object.hasOwn(raw, path)) return 'missing';
  // `origin` adds to a size check (`too_small string`); beside a format it only repeats `string`.
  const names = field(issue, 'format') === undefined ? KIND_FIELDS : KIND_FIELDS.filter((name) => name !== 'origin');
  const words: string[] = [];
  for (const name of names) {
    const value = field(issue, name);
    if (typeof value === 'string' && IDENTIFIER.test(value) && !words.includes(value)) words.push(value);
  }
  const kind = words.join(' ') || 'invalid';
  const expected = field(issue, 'code') === 'invalid_type' ? field(issue, 'expected') : undefined;
  return typeof expected === 'string' && EXPECTED_TYPES.has(expected) ? `${kind} (expected ${expected})` : kind;
}
