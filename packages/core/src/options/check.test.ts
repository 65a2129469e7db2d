import { describe, expect, it } from 'vitest';
import { createInfisicalConfig, invalidOption, isInfisicalK8sError, type InfisicalConfigOptions } from '../index.js';
import { kindOf } from './check.js';

describe('Function: kindOf', () => {
  it.each([
    [null, 'null'],
    [undefined, 'an undefined'],
    [['x'], 'an array'],
    [{ a: 1 }, 'an object'],
    ['s3cr3t-value', 'a string'],
    [true, 'a boolean'],
    [-1234, 'a negative number'],
    [0, 'zero'],
    [1.5, 'a fraction'],
    [4321, 'a whole number'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'an infinite number'],
    [() => 1, 'a function'],
  ])('%s is %s', (value, kind) => {
    expect(kindOf(value)).toBe(kind);
  });
});

describe('Function: invalidOption', () => {
  it('names the option, what it must be and the kind of value, never the value', () => {
    const error = invalidOption('waitForSecretsMs', 'a non-negative number', -4321);
    expect(error.code).toBe('OPTIONS_INVALID');
    expect(error.message).toBe('waitForSecretsMs must be a non-negative number, got a negative number');
    expect(invalidOption('readinessRoute', 'a path starting with "/"', 'hunter2').message).not.toContain('hunter2');
  });
});

describe('Function: createInfisicalConfig (options the client owns)', () => {
  const base: InfisicalConfigOptions = { siteUrl: 'http://127.0.0.1:9', kubernetesAuth: { identityId: 'i' }, secrets: { projectId: 'p', environment: 'e' }, push: false };

  it.each([
    ['a fraction of a retry', { retries: 1.5 }, 'retry.retries'],
    ['negative retries', { retries: -1 }, 'retry.retries'],
    ['a negative delay', { baseDelayMs: -1 }, 'retry.baseDelayMs'],
    ['a retry policy that is a string', 'twice', 'client.retry'],
  ])('client.retry: %s is OPTIONS_INVALID', (_name, retry, field) => {
    let thrown: unknown;
    try {
      createInfisicalConfig({ ...base, env: {}, client: { retry: retry as never } } as InfisicalConfigOptions).close();
    } catch (error) {
      thrown = error;
    }
    expect(isInfisicalK8sError(thrown) && thrown.code).toBe('OPTIONS_INVALID');
    expect((thrown as Error).message).toContain(field);
  });
});
