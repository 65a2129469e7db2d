/**
 * How a wrong value is named in a message: its kind, never its content (an option could hold a credential, and
 * even a number could be a PIN). node-infisical's validation and core's options both word bad values with it.
 *
 * @example
 * kindOf(-1); // 'a negative number'
 * kindOf('s3cr3t'); // 'a string'
 */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return 'an infinite number';
    if (value < 0) return 'a negative number';
    if (value === 0) return 'zero';
    return Number.isInteger(value) ? 'a whole number' : 'a fraction';
  }
  const type = typeof value;
  return `${type === 'object' || type === 'undefined' ? 'an' : 'a'} ${type}`;
}
