import type { StandardSchemaV1 } from '@standard-schema/spec';
import { InfisicalK8sError, type ConfigIssue } from '../errors/error.js';
import { issueKind, issuePath } from '../redact/schema-issues.js';
import { keySchemaThrewOn } from '../redact/thrown-key.js';

/** The message and hint name this many keys; `issues` holds them all (a log line of 20,000 keys helps no one). */
const LISTED = 50;

function listed(items: readonly string[]): string {
  return items.length > LISTED ? `${items.slice(0, LISTED).join(', ')} and ${items.length - LISTED} more (see error.issues)` : items.join(', ');
}

/**
 * CONFIG_INVALID from the issues' paths and kinds only. No text of the schema library is kept (it quotes
 * values), so nothing here needs scrubbing, and building it is linear in the number of issues.
 */
function invalid(issues: ConfigIssue[]): InfisicalK8sError {
  const keys = [...new Set(issues.map((issue) => issue.path))];
  const shown = issues.slice(0, LISTED).map((issue) => `${issue.path} (${issue.message})`);
  const more = issues.length > LISTED ? ` and ${issues.length - LISTED} more (see error.issues)` : '';
  return new InfisicalK8sError('CONFIG_INVALID', `The secrets fetched from Infisical do not match the schema: ${shown.join('; ')}${more}`, {
    issues,
    hint: `Fix ${listed(keys)} in Infisical (no value is shown here), or relax the schema.`,
  });
}

/** The schema's code threw: CONFIG_INVALID for the key it was on, without the thrown error (it may quote the value). */
async function threw(schema: StandardSchemaV1, raw: Record<string, string>): Promise<InfisicalK8sError> {
  const key = await keySchemaThrewOn(schema, raw);
  const path = key ?? '(root)';
  return new InfisicalK8sError('CONFIG_INVALID', `The schema threw while validating ${key ?? 'the fetched secrets'} (the thrown error is not kept: it may quote the value).`, {
    issues: [{ path, message: 'threw' }],
    hint: `Fix ${key ?? 'the value'} in Infisical (no value is shown here), or make the schema report an issue instead of throwing (for example, parse JSON in a refine or with a safe parser).`,
  });
}

/**
 * Runs any Standard Schema (awaiting async ones). Any truthy `issues` is a failure even when `value` is
 * present (valibot returns both). The error names every failing key path and the kind of each issue, never
 * the input, the library's messages or what was received; a schema that throws is CONFIG_INVALID for the
 * key it threw on, with no `cause`.
 */
export async function validateSecrets<S extends StandardSchemaV1>(schema: S, raw: Record<string, string>): Promise<StandardSchemaV1.InferOutput<S>> {
  let result: StandardSchemaV1.Result<StandardSchemaV1.InferOutput<S>>;
  try {
    // The schema may mutate its input (arktype morphs do): it gets a copy, the probe another.
    result = await schema['~standard'].validate({ ...raw });
  } catch {
    throw await threw(schema, raw);
  }
  if (result.issues) {
    const list: readonly StandardSchemaV1.Issue[] = Array.isArray(result.issues) ? result.issues : [];
    const issues: ConfigIssue[] = list.map((issue) => {
      const path = issuePath(issue, raw);
      return { path, message: issueKind(issue, path, raw) };
    });
    throw invalid(issues.length > 0 ? issues : [{ path: '(root)', message: 'invalid' }]);
  }
  return result.value as StandardSchemaV1.InferOutput<S>;
}
