import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as v from 'valibot';
import { type } from 'arktype';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { InfisicalK8sError } from '@infisical-k8s/core';
import { harness, type Harness } from './helpers.js';

// eslint-disable-next-line typescript/no-explicit-any
let h: Harness<any> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const SEEDED = 'S3CRET-VALUE-7d1c5e';

/** Everything an operator could see of an error. */
function surfaces(error: InfisicalK8sError, logs: string[]): string[] {
  return [error.message, error.hint, String(error.stack), JSON.stringify(error), inspect(error), inspect(error, { showHidden: true, depth: 5 }), JSON.stringify(error.issues), ...logs];
}

describe('Function: validateSecrets (through createInfisicalConfig)', () => {
  it('types and transforms values with zod (coercion, defaults)', async () => {
    const schema = z.object({ GREETING: z.string(), PORT: z.coerce.number().int(), DEBUG: z.stringbool().default(false) });
    h = await harness({ config: { push: false, schema } });
    expect(await h.config.ready()).toEqual({ GREETING: 'hello', PORT: 8080, DEBUG: false });
    expect(h.config.get('PORT')).toBe(8080);
  });

  it('freezes what the schema built all the way down: no reader can change a nested value another reader sees', async () => {
    const schema = z.object({ GREETING: z.string(), PORT: z.string().transform((port) => ({ port: Number(port), hosts: ['a', 'b'] })) });
    h = await harness({ config: { push: false, schema } });
    const snapshot = await h.config.ready();
    expect(Object.isFrozen(snapshot.PORT)).toBe(true);
    expect(Object.isFrozen(snapshot.PORT.hosts)).toBe(true);
    expect(() => snapshot.PORT.hosts.push('c')).toThrow(TypeError);
    expect(h.config.get('PORT')).toEqual({ port: 8080, hosts: ['a', 'b'] });
    await h.close();
    // A function the schema built is the app's own: callable, and not frozen.
    const withFunction = z.object({ GREETING: z.string().transform((greeting) => Object.assign(() => greeting, { calls: 0 })) });
    h = await harness({ config: { push: false, schema: withFunction } });
    const greet = (await h.config.ready()).GREETING;
    expect(greet()).toBe('hello');
    expect(Object.isFrozen(greet)).toBe(false);
  });

  it('works with arktype and with an async custom Standard Schema', async () => {
    h = await harness({ config: { push: false, schema: type({ GREETING: 'string', PORT: 'string.integer.parse' }) } });
    expect(await h.config.ready()).toEqual({ GREETING: 'hello', PORT: 8080 });
    await h.close();
    const asyncSchema: StandardSchemaV1<Record<string, string>, { greeting: string }> = {
      '~standard': { version: 1, vendor: 'test', validate: async (input) => ({ value: { greeting: (input as Record<string, string>).GREETING! } }) },
    };
    h = await harness({ config: { push: false, schema: asyncSchema } });
    expect(await h.config.ready()).toEqual({ greeting: 'hello' });
  });

  it('treats any truthy issues as failure, even with a value alongside (as valibot returns)', async () => {
    const both: StandardSchemaV1<unknown, unknown> = {
      '~standard': { version: 1, vendor: 'test', validate: (input) => ({ value: input, issues: [{ message: 'nope', path: [{ key: 'PORT' }] }] }) as never },
    };
    h = await harness({ config: { push: false, schema: both, initialRetries: 1 } });
    // A schema's own message is never kept (it may quote the value): a custom schema's issue has no kind to read.
    await expect(h.config.ready()).rejects.toMatchObject({ code: 'CONFIG_INVALID', issues: [{ path: 'PORT', message: 'invalid' }] });
  });

  it('keeps the last good snapshot when a new value fails the schema, and says which key', async () => {
    const schema = z.object({ GREETING: z.string(), PORT: z.coerce.number().int() });
    h = await harness({ config: { push: false, schema } });
    const good = await h.config.ready();
    h.emu.setSecret({ projectId: h.app.projectId, environment: 'prod', key: 'PORT', value: SEEDED });
    const error = (await h.config.refresh().catch((e: unknown) => e)) as InfisicalK8sError;
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.issues?.map((i) => i.path)).toEqual(['PORT']);
    expect(error.hint).toContain('PORT');
    expect(h.config.snapshot).toBe(good);
    expect(h.config.status.lastError?.code).toBe('CONFIG_INVALID');
    for (const text of surfaces(error, h.logger.lines)) expect(text).not.toContain(SEEDED);
    // Fixed in Infisical: picked up on the next refresh.
    h.emu.setSecret({ projectId: h.app.projectId, environment: 'prod', key: 'PORT', value: '9000' });
    expect(await h.config.refresh()).toEqual({ GREETING: 'hello', PORT: 9000 });
  });

  it('scrubs valibot messages, which echo the input (`Received "..."`), and lists every failing key', async () => {
    const schema = v.object({ GREETING: v.pipe(v.string(), v.email()), PORT: v.pipe(v.string(), v.regex(/^\d+$/)), TOKEN: v.picklist(['a', 'b']) });
    h = await harness({ provision: { secrets: { GREETING: `${SEEDED}-mail`, PORT: SEEDED, TOKEN: `tok-${SEEDED}` } }, config: { push: false, schema, initialRetries: 1 } });
    const error = (await h.config.ready().catch((e: unknown) => e)) as InfisicalK8sError;
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.issues?.map((i) => i.path).toSorted()).toEqual(['GREETING', 'PORT', 'TOKEN']);
    for (const issue of error.issues ?? []) expect(issue.message).not.toMatch(/received/i);
    for (const text of surfaces(error, h.logger.lines)) expect(text).not.toContain(SEEDED);
    expect(Object.keys(error.issues![0]!).toSorted()).toEqual(['message', 'path']);
  });

  it('scrubs zod enum messages and nested paths with { key } segments', async () => {
    const schema = z.object({ GREETING: z.enum(['a', 'b']), PORT: z.string().transform((s) => JSON.parse(s) as unknown).pipe(z.object({ n: z.literal(SEEDED.slice(0, 3)) })) });
    h = await harness({ provision: { secrets: { GREETING: SEEDED, PORT: '{"n":"S3CRET-other"}' } }, config: { push: false, schema, initialRetries: 1 } });
    const error = (await h.config.ready().catch((e: unknown) => e)) as InfisicalK8sError;
    expect(error.issues?.map((i) => i.path)).toEqual(['GREETING', 'PORT.n']);
    for (const text of surfaces(error, h.logger.lines)) {
      expect(text).not.toContain(SEEDED);
      expect(text).not.toContain('{"n":"S3CRET-other"}');
    }
  });
});
