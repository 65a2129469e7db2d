import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import * as v from 'valibot';
import { type } from 'arktype';
import { createInfisicalConfig, type ConfigChange, type ConfigOutput, type InfisicalConfig, type InfisicalErrorCode, type InfisicalK8sError } from '@infisical-k8s/core';

// Checked by `pnpm --filter @infisical-k8s/core typecheck` (tsc) as well as by vitest.
type ConfigOf<S extends Parameters<typeof createInfisicalConfig>[0]> = ReturnType<typeof createInfisicalConfig<NonNullable<S>['schema']>>;

describe('Types: inferred snapshot types', () => {
  it('zod: the output type, transforms and defaults applied', () => {
    const schema = z.object({ PORT: z.coerce.number(), URL: z.url(), DEBUG: z.stringbool().default(false), MODE: z.enum(['a', 'b']).optional() });
    type Config = ConfigOf<{ schema: typeof schema }>;
    expectTypeOf<Config>().toEqualTypeOf<InfisicalConfig<{ PORT: number; URL: string; DEBUG: boolean; MODE?: 'a' | 'b' | undefined }>>();
    expectTypeOf<Config['snapshot']['PORT']>().toEqualTypeOf<number>();
    expectTypeOf<ReturnType<Config['get']>>().toEqualTypeOf<number | string | boolean | 'a' | 'b' | undefined>();
    expectTypeOf<Config['ready']>().returns.resolves.toHaveProperty('DEBUG').toEqualTypeOf<boolean>();
    expectTypeOf<Config['changes$']>().toHaveProperty('subscribe');
  });

  it('valibot: the output type of a pipe with a transform', () => {
    const schema = v.object({ DEBUG: v.pipe(v.string(), v.transform((s) => s === 'true')), NAME: v.string() });
    expectTypeOf<ConfigOf<{ schema: typeof schema }>['snapshot']>().toEqualTypeOf<{ DEBUG: boolean; NAME: string }>();
  });

  it('arktype: the parsed type', () => {
    const schema = type({ PORT: 'string.integer.parse' });
    expectTypeOf<ConfigOutput<typeof schema>>().toEqualTypeOf<{ PORT: number }>();
  });

  it('no schema: a read-only string record', () => {
    expectTypeOf<ReturnType<typeof createInfisicalConfig<undefined>>['snapshot']>().toEqualTypeOf<Readonly<Record<string, string>>>();
  });

  it('get() only takes keys of the schema; errors carry stable codes', () => {
    const schema = z.object({ PORT: z.coerce.number() });
    type Config = ConfigOf<{ schema: typeof schema }>;
    expectTypeOf<Parameters<Config['get']>[0]>().toEqualTypeOf<'PORT'>();
    expectTypeOf<InfisicalK8sError['code']>().toEqualTypeOf<InfisicalErrorCode>();
    expectTypeOf<ConfigChange<{ PORT: number }>['changedKeys']>().toEqualTypeOf<string[]>();
    expectTypeOf<'NAMESPACE_NOT_ALLOWED'>().toExtend<InfisicalErrorCode>();
  });
});
