// Bench section `schemaerrors`: how long core takes to build CONFIG_INVALID when many keys fail the schema.
// The error used to be quadratic (every issue's message scrubbed of every value: 4,000 keys blocked the event
// loop for 16 s); it is built from paths and issue codes now, so it should grow linearly.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const SIZES = [5_000, 10_000, 20_000];

/**
 * A schema that hands back `n` precomputed zod-shaped issues whose messages quote the value (as valibot's do),
 * so the time measured is core building the error, not the library validating.
 */
function failingSchema(n) {
  const raw = {};
  const issues = [];
  for (let i = 0; i < n; i++) {
    const value = `value-${i}-${((i * 2_654_435_761) % 2 ** 32).toString(36)}`;
    raw[`KEY_${i}`] = value;
    issues.push({ code: 'invalid_format', format: 'regex', path: [`KEY_${i}`], message: `Invalid string: must match pattern /^\\d+$/, received "${value}"` });
  }
  return { raw, schema: { '~standard': { version: 1, vendor: 'bench', validate: () => ({ issues }) } } };
}

const median = (values) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)];

/** Median ms to build the error for each size, over `repeats` runs. */
export async function schemaErrors({ root, quick }) {
  // validateSecrets is internal (not in core's exports): the built file is loaded by path, as the rest of the bench loads dist.
  const { validateSecrets } = await import(pathToFileURL(join(root, 'packages', 'core', 'dist', 'config', 'validate.js')).href);
  const repeats = quick ? 3 : 7;
  const ms = {};
  for (const n of SIZES) {
    const { raw, schema } = failingSchema(n);
    const runs = [];
    for (let r = 0; r < repeats; r++) {
      const started = performance.now();
      const error = await validateSecrets(schema, raw).then(
        () => undefined,
        (e) => e,
      );
      runs.push(performance.now() - started);
      if (error?.code !== 'CONFIG_INVALID' || error.issues.length !== n) throw new Error(`schemaerrors: expected CONFIG_INVALID with ${n} issues`);
    }
    ms[n] = Math.round(median(runs) * 10) / 10;
  }
  const largest = SIZES.at(-1);
  return {
    failingKeys: SIZES,
    medianMs: ms,
    nsPerKeyAt20000: Math.round((ms[largest] * 1e6) / largest),
    // Linear growth gives 4 (20,000 keys against 5,000); quadratic gives 16.
    growth20000Over5000: Math.round((ms[largest] / ms[SIZES[0]]) * 10) / 10,
    repeats,
  };
}
