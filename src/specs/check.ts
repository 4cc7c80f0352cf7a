import { FlotillaError, type ErrorCode } from '../core/errors.js';

/** Small typed readers for user input that fail with a coded error naming the exact field. */
export class Reader {
  constructor(
    private readonly code: ErrorCode,
    private readonly where: string,
  ) {}

  fail(field: string, problem: string): never {
    throw new FlotillaError(this.code, `${this.where}${field ? `.${field}` : ''}: ${problem}`);
  }

  object(value: unknown, field: string): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      this.fail(field, 'must be an object');
    return value as Record<string, unknown>;
  }

  string(value: unknown, field: string): string {
    if (value === undefined) this.fail(field, 'is required');
    if (typeof value !== 'string') this.fail(field, 'must be a string');
    return value;
  }

  number(value: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(field, 'must be a number');
    if (value < min || value > max) this.fail(field, `must be between ${min} and ${max}, got ${value}`);
    return value;
  }

  integer(value: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const n = this.number(value, field, min, max);
    if (!Number.isInteger(n)) this.fail(field, `must be a whole number, got ${n}`);
    return n;
  }

  boolean(value: unknown, field: string): boolean {
    if (typeof value !== 'boolean') this.fail(field, 'must be true or false');
    return value;
  }

  stringArray(value: unknown, field: string): string[] {
    if (!Array.isArray(value)) this.fail(field, 'must be a list of strings');
    return value.map((v, i) => this.string(v, `${field}[${i}]`));
  }

  stringMap(value: unknown, field: string): Record<string, string> {
    const obj = this.object(value, field);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
      else out[k] = this.string(v, `${field}.${k}`);
    }
    return out;
  }
}

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Names become DNS labels and directory names: lowercase letters, digits and dashes. */
export function checkName(reader: Reader, value: unknown, field: string): string {
  const name = reader.string(value, field);
  if (!NAME.test(name)) {
    reader.fail(
      field,
      `"${name}" is not a valid name: use lowercase letters, digits and dashes (at most 63)`,
    );
  }
  return name;
}
