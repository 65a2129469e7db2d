import type { StandardSchemaV1 } from '@standard-schema/spec';
import { InfisicalK8sError, type ConfigIssue } from '../errors/error.js';
import { redact, redactValues } from '../redact/redact.js';

/** Values shorter than this are left alone in our fixed wording (`in` would otherwise garble `Infisical`). */
const PROSE_MIN_LENGTH = 3;

function pathOf(issue: StandardSchemaV1.Issue): string {
  if (!issue.path || issue.path.length === 0) return '(root)';
  return issue.path.map((segment) => String(typeof segment === 'object' && segment !== null ? segment.key : segment)).join('.');
}

/**
 * A schema message with the input taken out: schema libraries echo it (valibot ends `Received "<value>"`,
 * Zod 3 enums say `received '<value>'`), so strip those tails, then remove every fetched value anywhere.
 */
export function scrubIssueMessage(message: string, values: Iterable<string>): string {
  const text = message
    .replace(/,?\s*(but\s+)?received\s+("([^"\\]|\\.)*"|'([^'\\]|\\.)*'|`[^`]*`)/gi, '')
    .replace(/,?\s*Received\s+.*$/is, '');
  return redact(text, values).trim() || redactValues('Invalid value', values, PROSE_MIN_LENGTH);
}

/**
 * Runs any Standard Schema (awaiting async ones). Any truthy `issues` is a failure even when `value` is
 * present (valibot returns both). The error lists every failing key path and never the input, the raw
 * issues or what was received.
 */
export async function validateSecrets<S extends StandardSchemaV1>(schema: S, raw: Record<string, string>): Promise<StandardSchemaV1.InferOutput<S>> {
  const result = await schema['~standard'].validate(raw);
  if (result.issues) {
    const values = Object.values(raw);
    const issues: ConfigIssue[] = result.issues.map((issue) => ({ path: pathOf(issue), message: scrubIssueMessage(String(issue.message), values) }));
    const keys = [...new Set(issues.map((i) => i.path))];
    // Even our own prose goes through the filter: a value may happen to be a word of it ("the", "schema").
    const prose = (text: string) => redactValues(text, values, PROSE_MIN_LENGTH);
    throw new InfisicalK8sError(
      'CONFIG_INVALID',
      `${prose('The secrets fetched from Infisical do not match the schema:')} ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      { issues, hint: `${prose('Fix')} ${keys.join(', ')} ${prose('in Infisical (no value is shown here), or relax the schema.')}` },
    );
  }
  return result.value as StandardSchemaV1.InferOutput<S>;
}
