import type { StandardSchemaV1 } from '@standard-schema/spec';

/**
 * The fetched key a throwing schema was working on, or undefined when it cannot tell. A schema whose code
 * throws (`z.string().transform(JSON.parse)`) gives no issue to read, and the error it threw quotes the value
 * (V8's `SyntaxError` does), so that error is dropped unread. Instead the schema runs once more over a copy
 * whose properties are getters: the last key read before it throws is the one it failed on. Getters rather
 * than a Proxy because arktype copies the input's property descriptors before running its morphs, so reads
 * of the copy still reach them. Concurrent async transforms read every key before any of them fails: then
 * the key named is the last one read, which may not be the culprit.
 *
 * @example
 * const key = await keySchemaThrewOn(schema, raw); // 'SERVICE_ACCOUNT_JSON'
 */
export async function keySchemaThrewOn(schema: StandardSchemaV1, raw: Readonly<Record<string, string>>): Promise<string | undefined> {
  let last: string | undefined;
  const probe: Record<string, string> = {};
  for (const key of Object.keys(raw)) {
    Object.defineProperty(probe, key, {
      enumerable: true,
      configurable: true,
      get: () => {
        last = key;
        return raw[key];
      },
    });
  }
  try {
    await schema['~standard'].validate(probe);
    // It did not throw this time (it is not deterministic): nothing to name.
    return undefined;
  } catch {
    // The thrown error is not looked at: it may quote the value.
    return last;
  }
}
