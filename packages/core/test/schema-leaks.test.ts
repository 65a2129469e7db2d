import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import * as fc from 'fast-check';
import { z } from 'zod';
import * as v from 'valibot';
import { type } from 'arktype';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { InfisicalK8sError } from '@infisical-k8s/core';
import { validateSecrets } from '../src/config/validate.js';
import { harness, routes, type Harness } from './helpers.js';

// eslint-disable-next-line typescript/no-explicit-any
let h: Harness<any> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Words of our own wording and of the libraries' vocabularies: a value may be one, and must not show. */
const WORDS = ['in', 'a', 'I', 'the', 'to', 'Fix', 'fix', 'key', 'keys', 'value', 'schema', 'Invalid', 'invalid', 'input', 'string', 'email', 'regex', 'expected', 'missing', 'threw', 'more', 'match', 'Infisical', 'secrets', 'error', 'true', 'null', 'undefined', 'pattern', 'union', 'K1', 'CONFIG_INVALID', '(root)', 'hint', 'issues', 'stack', 'at', 'node'];
const TRICKY_UNITS = fc.constantFrom('"', '\\', '\n', '\r\n', "'", '`', '%', '&', '<', '/', ' ', 'é', '😀', '\u2028', '\u0000', 'x', 'Q', '{', '}', ':', ',');
const pem = fc
  .array(fc.base64String({ minLength: 8, maxLength: 64 }), { minLength: 1, maxLength: 4 })
  .map((lines) => `-----BEGIN PRIVATE KEY-----\n${lines.join('\n')}\n-----END PRIVATE KEY-----\n`);
const jsonCredential = fc
  .tuple(fc.record({ type: fc.constantFrom('service_account', 'token'), private_key: pem, note: fc.string({ unit: TRICKY_UNITS, maxLength: 12 }) }), fc.constantFrom(0, 2))
  .map(([record, indent]) => JSON.stringify(record, null, indent));

/** Values every key's schema below rejects: not a number, not an email, not one of the allowed words. */
const rejected = (value: string) => value.length > 0 && Number.isNaN(Number(value)) && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value) && !['allowed', 'also'].includes(value);
const value = fc
  .oneof(
    fc.constantFrom(...WORDS),
    fc.string({ minLength: 1, maxLength: 2 }),
    fc.string({ minLength: 1, maxLength: 2, unit: 'binary' }),
    fc.string({ minLength: 1, maxLength: 40, unit: TRICKY_UNITS }),
    fc.string({ minLength: 1, maxLength: 30, unit: 'grapheme' }),
    fc.json({ maxDepth: 2 }),
    pem,
    jsonCredential,
  )
  .filter(rejected);

const zodSchema = z.object({
  K1: z.string().regex(/^\d+$/),
  K2: z.email(),
  K3: z.enum(['allowed', 'also']),
  K4: z.coerce.number(),
  K5: z.string().max(0),
  K6: z.literal('allowed'),
  K7: z.string().refine(() => false, { error: (issue) => `bad ${String(issue.input)}` }),
  K8: z.string().superRefine((input, ctx) => ctx.addIssue({ code: 'custom', message: `nope: ${input}`, input })),
});
const valibotSchema = v.object({
  K1: v.pipe(v.string(), v.regex(/^\d+$/)),
  K2: v.pipe(v.string(), v.email()),
  K3: v.picklist(['allowed', 'also']),
  K4: v.pipe(v.string(), v.decimal()),
  K5: v.pipe(v.string(), v.maxLength(0)),
  K6: v.literal('allowed'),
  K7: v.pipe(
    v.string(),
    v.check(() => false, (issue) => `bad ${String(issue.input)}`),
  ),
  K8: v.number(),
});
const arktypeSchema = type({
  K1: 'string.integer.parse',
  K2: 'string.email',
  K3: "'allowed' | 'also'",
  K4: 'string.numeric.parse',
  K5: 'string <= 0',
  K6: "'allowed'",
  // A user's own wording may quote the value: it lands in `expected`, which must not be printed.
  K7: type('string').narrow((input, ctx) => ctx.mustBe(`not ${input}`)),
  K8: type('string').narrow((input, ctx) => ctx.reject({ expected: input, actual: input, problem: `was ${input}` })),
});
const KEYS = ['K1', 'K2', 'K3', 'K4', 'K5', 'K6', 'K7', 'K8'] as const;

/** Every way an operator or a log pipeline could see an error, down its cause chain. */
function surfaces(error: unknown): string[] {
  const out: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const err = e as Error;
    out.push(String(err), String(err.message), String(err.stack), JSON.stringify(err), inspect(err), inspect(err, { showHidden: true, depth: 10 }), JSON.stringify(Object.getOwnPropertyDescriptors(err)));
    if (e instanceof InfisicalK8sError) out.push(e.hint, JSON.stringify(e.issues), JSON.stringify(e.toJSON()));
  }
  return out;
}

/** The value as it could appear: raw, JSON-escaped, URL-encoded, and each of its lines. */
function forms(text: string): string[] {
  const lines = text.split(/\r?\n|\r|\u2028|\u2029/).filter((line) => line.trim().length > 0);
  return [...new Set([text, JSON.stringify(text).slice(1, -1), encodeURIComponent(text), ...lines])];
}

/**
 * No form of any value shows, except one that is part of the fixed wording (the text the same schema gives
 * for a placeholder value): such a word tells nothing, and `same` proves the text does not depend on it.
 */
function expectNoValue(seen: string[], baseline: string[], values: string[]): void {
  const fixed = baseline.join('\n');
  for (const text of values) {
    for (const form of forms(text)) {
      if (fixed.includes(form)) continue;
      for (const surface of seen) expect(surface.includes(form), `a form of a value (${JSON.stringify(form).slice(0, 40)}) in ${surface.slice(0, 200)}`).toBe(false);
    }
  }
}

async function failure(schema: StandardSchemaV1, raw: Record<string, string>): Promise<InfisicalK8sError> {
  const error = await validateSecrets(schema, raw).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InfisicalK8sError);
  return error as InfisicalK8sError;
}

/**
 * The surfaces of the error for `raw` and for `baseline`, built at the same call site so that their stacks
 * match frame for frame: any difference left comes from the values.
 */
async function sideBySide(schema: StandardSchemaV1, raw: Record<string, string>, baseline: Record<string, string>): Promise<[string[], string[]]> {
  const out: string[][] = [];
  for (const input of [raw, baseline]) out.push(surfaces(await failure(schema, input)));
  return [out[0]!, out[1]!];
}

const PLACEHOLDER = 'zz placeholder zz';
const placeholders = (keys: readonly string[]) => Object.fromEntries(keys.map((key) => [key, PLACEHOLDER]));

describe('Function: validateSecrets, values that fail the schema', () => {
  const libraries = [
    ['zod', zodSchema],
    ['valibot', valibotSchema],
    ['arktype', arktypeSchema],
  ] as const;

  it.each(libraries)('%s: the error names each key and its kind, and its text is the same whatever the values', async (_name, schema) => {
    const baseline = await failure(schema, placeholders(KEYS));
    expect(baseline.code).toBe('CONFIG_INVALID');
    expect(baseline.issues?.map((i) => i.path).toSorted()).toEqual([...KEYS]);
    await fc.assert(
      fc.asyncProperty(fc.tuple(...KEYS.map(() => value)), async (values) => {
        const raw = Object.fromEntries(KEYS.map((key, i) => [key, values[i]!]));
        const [seen, fixed] = await sideBySide(schema, raw, placeholders(KEYS));
        // Non-interference: what is printed does not depend on the values at all, so even `in` tells nothing.
        expect(seen).toEqual(fixed);
        expectNoValue(seen, fixed, values);
      }),
      { numRuns: 150 },
    );
  });

  it('kinds come from the libraries’ codes, never from their messages', async () => {
    const kinds = async (schema: StandardSchemaV1) => Object.fromEntries(((await failure(schema, placeholders(KEYS))).issues ?? []).map((i) => [i.path, i.message]));
    expect(await kinds(zodSchema)).toEqual({
      K1: 'invalid_format regex',
      K2: 'invalid_format email',
      K3: 'invalid_value',
      K4: 'invalid_type (expected number)',
      K5: 'too_big string',
      K6: 'invalid_value',
      K7: 'custom',
      K8: 'custom',
    });
    expect(await kinds(valibotSchema)).toEqual({ K1: 'regex', K2: 'email', K3: 'picklist', K4: 'decimal', K5: 'max_length', K6: 'literal', K7: 'check', K8: 'number' });
    expect(await kinds(arktypeSchema)).toEqual({ K1: 'pattern', K2: 'pattern', K3: 'union', K4: 'pattern', K5: 'exactLength', K6: 'unit', K7: 'predicate', K8: 'predicate' });
    expect((await failure(zodSchema, { K1: 'x' })).issues?.find((i) => i.path === 'K2')?.message).toBe('missing');
  });
});

/** A transform that throws what careless code throws: the value, raw and JSON-escaped, and a cause quoting it. */
function quoting(text: string): never {
  throw new Error(`cannot use ${text} (${JSON.stringify(text)})`, { cause: new SyntaxError(text) });
}

describe('Function: validateSecrets, a schema that throws', () => {
  const notJson = value.filter((text) => {
    try {
      JSON.parse(text);
      return false;
    } catch {
      return true;
    }
  });
  const throwers = [
    ['zod transform(JSON.parse)', z.object({ A: z.string(), B: z.string().transform((s) => JSON.parse(s) as unknown), C: z.string() })],
    ['valibot transform(JSON.parse)', v.object({ A: v.string(), B: v.pipe(v.string(), v.transform((s) => JSON.parse(s) as unknown)), C: v.string() })],
    ['arktype pipe(JSON.parse)', type({ A: 'string', B: type('string').pipe((s) => JSON.parse(s) as unknown), C: 'string' })],
    ['zod, an Error quoting the value with a cause', z.object({ A: z.string(), B: z.string().transform(quoting), C: z.string() })],
    [
      'an async schema that rejects',
      {
        '~standard': {
          version: 1,
          vendor: 'test',
          validate: async (input: unknown) => {
            const { A, B } = input as Record<string, string>;
            await Promise.resolve(A);
            return quoting(B!);
          },
        },
      } satisfies StandardSchemaV1,
    ],
  ] as const;

  it.each(throwers)('%s: CONFIG_INVALID for the key it threw on, no cause, nothing of the value', async (_name, schema) => {
    const baseline = await failure(schema, { A: 'ok', B: PLACEHOLDER, C: 'ok' });
    expect(baseline.code).toBe('CONFIG_INVALID');
    expect(baseline.issues).toEqual([{ path: 'B', message: 'threw' }]);
    expect('cause' in baseline).toBe(false);
    expect(baseline.hint).toContain('B');
    await fc.assert(
      fc.asyncProperty(notJson, async (text) => {
        const [seen, fixed] = await sideBySide(schema, { A: 'ok', B: text, C: 'ok' }, { A: 'ok', B: PLACEHOLDER, C: 'ok' });
        expect(seen).toEqual(fixed);
        expectNoValue(seen, fixed, [text]);
      }),
      { numRuns: 100 },
    );
  });
});

describe('Function: validateSecrets, cost', () => {
  // The figure (linear, 20,000 keys) is in the bench (`--only=schemaerrors`); this pins the shape of a long error.
  it('lists every failing key in issues, and 50 of them in the message and the hint', async () => {
    const shape: Record<string, z.ZodString> = {};
    const raw: Record<string, string> = {};
    for (let i = 0; i < 2_000; i++) {
      shape[`KEY_${i}`] = z.string().max(0);
      raw[`KEY_${i}`] = `value-${i}`;
    }
    const error = await failure(z.object(shape), raw);
    expect(error.issues).toHaveLength(2_000);
    expect(error.message).toContain('KEY_49 (too_big string) and 1950 more (see error.issues)');
    expect(error.hint).toContain('KEY_49 and 1950 more (see error.issues)');
  });
});

async function observe(secrets: Record<string, string>, withSchema: StandardSchemaV1): Promise<{ seen: string[]; error: InfisicalK8sError }> {
  h = await harness({ provision: { secrets }, config: { push: false, schema: withSchema, initialRetries: 1 } });
  const emitted: InfisicalK8sError[] = [];
  h.config.errors$.subscribe((e) => emitted.push(e));
  const error = (await h.config.ready().catch((e: unknown) => e)) as InfisicalK8sError;
  const seen = [...surfaces(error), ...emitted.flatMap(surfaces), ...h.logger.lines, JSON.stringify(h.config.status), inspect(h.config.status, { depth: 10 }), JSON.stringify(h.config.readiness())];
  await h.close();
  h = undefined;
  return { seen, error };
}

/** Both runs from one call site, so stacks match and any difference comes from the values. */
async function observeBoth(secrets: Record<string, string>, baseline: Record<string, string>, withSchema: StandardSchemaV1) {
  const out: Awaited<ReturnType<typeof observe>>[] = [];
  for (const input of [secrets, baseline]) out.push(await observe(input, withSchema));
  return [out[0]!, out[1]!] as const;
}

describe('Engine: what a failing schema shows through logs, errors$, status and readiness', () => {
  const TRICKY = {
    PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n',
    CREDENTIALS: JSON.stringify({ type: 'service_account', private_key: 'line1\nline2 "quoted" \\ back', client_email: 'svc@x.iam' }),
    SHORT: 'in',
    UNICODE: 'pässwörd-😀-\u2028-end',
    QUOTED: `it's "a" \\ \`value\``,
  };
  const schema = z.object({
    PRIVATE_KEY: z.string().regex(/^ssh-/),
    CREDENTIALS: z.string().transform((s) => JSON.parse(s) as unknown).pipe(z.object({ type: z.literal('authorized_user') })),
    SHORT: z.enum(['on', 'off']),
    UNICODE: z.email(),
    QUOTED: z.coerce.number(),
  });
  const THROWING = z.object({ PRIVATE_KEY: z.string().transform((s) => JSON.parse(s) as unknown) });

  it('CONFIG_INVALID with each key, and no value nor any line of one, raw, JSON-escaped or URL-encoded', async () => {
    const [{ seen, error }, placeholder] = await observeBoth(TRICKY, { ...placeholders(Object.keys(TRICKY)), CREDENTIALS: JSON.stringify({ type: PLACEHOLDER }) }, schema);
    expect(error.code).toBe('CONFIG_INVALID');
    // CREDENTIALS parses, then fails inside: its path goes one level down, to a key the schema names.
    expect(error.issues?.map((i) => i.path).toSorted()).toEqual(['CREDENTIALS.type', 'PRIVATE_KEY', 'QUOTED', 'SHORT', 'UNICODE']);
    // Not scrubbed but never written: the same text as for placeholder values, so `in` garbles nothing.
    expect(seen).toEqual(placeholder.seen);
    expect(seen.join('\n')).not.toMatch(/\[redacted\]|█/);
    expectNoValue(seen, placeholder.seen, Object.values(TRICKY));
  });

  it('a throwing schema: CONFIG_INVALID for its key, not SERVER_ERROR, no cause, no value', async () => {
    const [{ seen, error }, placeholder] = await observeBoth({ PRIVATE_KEY: TRICKY.PRIVATE_KEY }, { PRIVATE_KEY: PLACEHOLDER }, THROWING);
    expect(seen).toEqual(placeholder.seen);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.issues).toEqual([{ path: 'PRIVATE_KEY', message: 'threw' }]);
    expect('cause' in error).toBe(false);
    expectNoValue(seen, placeholder.seen, [TRICKY.PRIVATE_KEY]);
    expect(seen.join('\n')).not.toMatch(/SyntaxError|is not valid JSON/);
  });
});

describe('Engine: a schema failure is permanent for those values', () => {
  it('ready() rejects after the first attempt, no backoff retry follows, and the next poll picks up the fixed value', async () => {
    const schema = z.object({ GREETING: z.string(), PORT: z.string().transform((s) => JSON.parse(s) as unknown) });
    h = await harness({ provision: { secrets: { GREETING: 'hello', PORT: 'not json' } }, config: { push: false, schema, refreshIntervalMs: 60_000 } });
    // Default initialRetries (5): a transient error would retry with backoff before ready() gives up.
    const error = (await h.config.ready().catch((e: unknown) => e)) as InfisicalK8sError;
    expect(error.code).toBe('CONFIG_INVALID');
    expect(h.emu.counters.get(routes.list)).toBe(1);
    // Backoff would have retried at 1, 2, 4, 8 and 16 s: nothing is fetched before the poll.
    await h.clock!.advance(45_000);
    expect(h.emu.counters.get(routes.list)).toBe(1);
    h.emu.setSecret({ projectId: h.app.projectId, environment: 'prod', key: 'PORT', value: '8080' });
    await h.clock!.advance(30_000);
    expect(h.emu.counters.get(routes.list)).toBe(2);
    expect(h.config.snapshot).toEqual({ GREETING: 'hello', PORT: 8080 });
    expect(h.config.status.lastError).toBeUndefined();
  });
});
