import type { StandardSchemaV1 } from '@standard-schema/spec';
import { InfisicalK8sError, type ConfigIssue } from '../errors/error.js';

function pathOf(issue: StandardSchemaV1.Issue): string {
  if (!issue.path || issue.path.length === 0) return '(root)';
  return issue.path.map((segment) => String(typeof segment === 'object' && segment !== null ? segment.key : segment)).join('.');
}

/** Values long enough to be recognisable are removed from messages; longest first so overlaps go whole. */
export function scrub(message: string, values: Iterable<string>): string {
  let text = message
    // valibot: `... but received "value"`; zod 3 enums: `received 'value'`
    .replace(/,?\s*(but\s+)?received\s+("([^"\\]|\\.)*"|'([^'\\]|\\.)*'|`[^`]*`)/gi, '')
    .replace(/\s*Received\s+.*$/i, '');
  const sorted = [...new Set(values)].filter((v) => v.length >= 2).sort((a, b) => b.length - a.length);
  for (const value of sorted) text = text.split(value).join('[redacted]');
  return text;
}

/**
 * Runs any Standard Schema. Any truthy `issues` is a failure even when `value` is present (valibot
 * returns both). The error lists every failing key and never the input.
 */
export async function validateSecrets<S extends StandardSchemaV1>(schema: S, raw: Record<string, string>): Promise<StandardSchemaV1.InferOutput<S>> {
  let result = schema['~standard'].validate(raw);
  if (result instanceof Promise) result = await result;
  if (result.issues) {
    const values = Object.values(raw);
    const issues: ConfigIssue[] = result.issues.map((issue) => ({ path: pathOf(issue), message: scrub(issue.message, values) }));
    const keys = [...new Set(issues.map((i) => i.path))];
    throw new InfisicalK8sError(
      'CONFIG_INVALID',
      `The secrets fetched from Infisical do not match the schema: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      { issues, hint: `Fix ${keys.join(', ')} in Infisical (values are never shown), or relax the schema.` },
    );
  }
  return result.value as StandardSchemaV1.InferOutput<S>;
}
