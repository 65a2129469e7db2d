import { validationFailure, type ZodLikeIssue } from './errors.js';

type Body = Record<string, unknown>;

/** A tiny zod stand-in: collects issues, then fails with one 422 listing them all. */
export class Check {
  readonly issues: ZodLikeIssue[] = [];
  constructor(readonly body: Body) {}

  static of(value: unknown): Check {
    return new Check(value && typeof value === 'object' && !Array.isArray(value) ? (value as Body) : {});
  }

  private issue(path: string, message: string, code = 'invalid_type', extra: Partial<ZodLikeIssue> = {}): void {
    this.issues.push({ code, message, path: [path], ...extra });
  }

  string(field: string, opts: { required?: boolean; trim?: boolean; min?: number; nullable?: boolean } = {}): string | null | undefined {
    const value = this.body[field];
    if (value === undefined) {
      if (opts.required) this.issue(field, 'Required', 'invalid_type', { expected: 'string', received: 'undefined' });
      return undefined;
    }
    if (value === null && opts.nullable) return null;
    if (typeof value !== 'string') {
      this.issue(field, `Expected string, received ${value === null ? 'null' : typeof value}`, 'invalid_type', { expected: 'string', received: typeof value });
      return undefined;
    }
    const result = opts.trim === false ? value : value.trim();
    if (opts.min !== undefined && result.length < opts.min) {
      this.issue(field, `String must contain at least ${opts.min} character(s)`, 'too_small');
      return undefined;
    }
    return result;
  }

  int(field: string, opts: { min?: number; max?: number } = {}): number | undefined {
    const value = this.body[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.issue(field, `Expected number, received ${typeof value}`, 'invalid_type', { expected: 'number', received: typeof value });
      return undefined;
    }
    if (!Number.isInteger(value)) {
      this.issue(field, 'Expected integer, received float', 'invalid_type');
      return undefined;
    }
    if (opts.min !== undefined && value < opts.min) {
      this.issue(field, `Number must be greater than or equal to ${opts.min}`, 'too_small');
      return undefined;
    }
    if (opts.max !== undefined && value > opts.max) {
      this.issue(field, `Number must be less than or equal to ${opts.max}`, 'too_big');
      return undefined;
    }
    return value;
  }

  boolean(field: string): boolean | undefined {
    const value = this.body[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') {
      this.issue(field, `Expected boolean, received ${typeof value}`);
      return undefined;
    }
    return value;
  }

  /** `z.string().array()`: a form body's single field is a string, not an array, and fails as zod fails it. */
  stringArray(field: string): string[] | undefined {
    const value = this.body[field];
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) {
      this.issue(field, `Expected array, received ${value === null ? 'null' : typeof value}`, 'invalid_type', { expected: 'array', received: typeof value });
      return undefined;
    }
    const bad = value.findIndex((v) => typeof v !== 'string');
    if (bad >= 0) {
      this.issues.push({ code: 'invalid_type', message: `Expected string, received ${typeof value[bad]}`, path: [field, bad] });
      return undefined;
    }
    return value as string[];
  }

  /** zod skips an object's refinements once a field has the wrong type (the parse is "aborted"). */
  get aborted(): boolean {
    return this.issues.some((i) => i.code === 'invalid_type');
  }

  uuid(field: string, opts: { nullable?: boolean } = {}): string | null | undefined {
    const value = this.string(field, { nullable: opts.nullable ?? false });
    if (typeof value === 'string' && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) {
      this.issues.push({ code: 'invalid_string', message: 'Invalid uuid', path: [field] });
      return undefined;
    }
    return value;
  }

  enumIssue(field: string, options: string[], received: string): void {
    this.issues.push({
      code: 'invalid_enum_value',
      message: `Invalid enum value. Expected ${options.map((o) => `'${o}'`).join(' | ')}, received '${received}'`,
      path: [field],
    });
  }

  custom(path: string | Array<string | number>, message: string, code = 'custom'): void {
    this.issues.push({ code, message, path: Array.isArray(path) ? path : [path] });
  }

  done(): void {
    if (this.issues.length > 0) validationFailure(this.issues);
  }
}

/** Strict `"true"`/`"false"` query booleans, as `z.enum(["true","false"])` enforces. */
export function queryBoolean(query: URLSearchParams, name: string, fallback: boolean, issues: ZodLikeIssue[]): boolean {
  const value = query.get(name);
  if (value === null) return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  issues.push({ code: 'invalid_enum_value', message: `Invalid enum value. Expected 'true' | 'false', received '${value}'`, path: [name] });
  return fallback;
}
