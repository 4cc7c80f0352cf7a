/**
 * The install form, generated from a package's options JSON Schema: one field per property, and the
 * schema's own rules checked before anything is sent. The daemon checks again (it is the authority);
 * this only saves a round trip and says what is wrong next to the field.
 */
export interface FieldSchema {
  type?: string | string[];
  enum?: unknown[];
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  writeOnly?: boolean;
  examples?: unknown[];
  properties?: Record<string, FieldSchema>;
  items?: FieldSchema;
  required?: string[];
}

export interface Field {
  name: string;
  schema: FieldSchema;
  required: boolean;
  /** How it is entered: a select, a checkbox, a number, text, or JSON for objects and arrays. */
  input: 'enum' | 'boolean' | 'number' | 'integer' | 'text' | 'json';
}

export function fieldsOf(schema: FieldSchema): Field[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, s]) => ({
    name,
    schema: s,
    required: required.has(name),
    input: s.enum
      ? 'enum'
      : typeOf(s) === 'boolean'
        ? 'boolean'
        : typeOf(s) === 'integer'
          ? 'integer'
          : typeOf(s) === 'number'
            ? 'number'
            : typeOf(s) === 'string'
              ? 'text'
              : 'json',
  }));
}

function typeOf(s: FieldSchema): string | undefined {
  return Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
}

/** The text a field shows at first: its default, if the schema has one. */
export function initialText(f: Field): string {
  const d = f.schema.default;
  if (d === undefined) return '';
  return f.input === 'json' ? JSON.stringify(d) : String(d);
}

/**
 * Reads the form's texts into options, checking each against its schema. A field left empty is not
 * sent (the daemon applies the default). Errors are keyed by field name.
 */
export function readForm(
  fields: Field[],
  texts: Record<string, string>,
): { options: Record<string, unknown>; errors: Record<string, string> } {
  const options: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const text = (texts[f.name] ?? '').trim();
    if (text === '') {
      if (f.required) errors[f.name] = 'is required';
      continue;
    }
    const { value, error } = parse(f, text);
    const problem = error ?? check(f.schema, value);
    if (problem) errors[f.name] = problem;
    else options[f.name] = value;
  }
  return { options, errors };
}

function parse(f: Field, text: string): { value?: unknown; error?: string } {
  switch (f.input) {
    case 'boolean':
      return { value: text === 'true' };
    case 'integer':
    case 'number': {
      const n = Number(text);
      if (!Number.isFinite(n)) return { error: 'must be a number' };
      if (f.input === 'integer' && !Number.isInteger(n)) return { error: 'must be a whole number' };
      return { value: n };
    }
    case 'json':
      try {
        return { value: JSON.parse(text) };
      } catch {
        return { error: 'must be JSON' };
      }
    case 'enum': {
      const match = f.schema.enum?.find((v) => String(v) === text);
      return match === undefined
        ? { error: `must be one of ${f.schema.enum?.join(', ')}` }
        : { value: match };
    }
    default:
      return { value: text };
  }
}

/** The schema's rules for one value; the first broken one, in words. */
export function check(s: FieldSchema, v: unknown): string | undefined {
  if (typeof v === 'number') {
    if (s.minimum !== undefined && v < s.minimum) return `must be at least ${s.minimum}`;
    if (s.maximum !== undefined && v > s.maximum) return `must be at most ${s.maximum}`;
    if (s.exclusiveMinimum !== undefined && v <= s.exclusiveMinimum)
      return `must be more than ${s.exclusiveMinimum}`;
    if (s.exclusiveMaximum !== undefined && v >= s.exclusiveMaximum)
      return `must be less than ${s.exclusiveMaximum}`;
  }
  if (typeof v === 'string') {
    if (s.minLength !== undefined && v.length < s.minLength)
      return `must be at least ${s.minLength} characters`;
    if (s.maxLength !== undefined && v.length > s.maxLength)
      return `must be at most ${s.maxLength} characters`;
    if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(v)) {
      return `must match ${s.pattern}${s.examples ? ` (e.g. ${s.examples.join(', ')})` : ''}`;
    }
  }
  if (s.enum && !s.enum.some((e) => e === v)) return `must be one of ${s.enum.join(', ')}`;
  return undefined;
}

/** The daemon's PACKAGE_OPTIONS_INVALID names fields in `details.errors[].path`: the top-level name. */
export function fieldsNamed(details: unknown): string[] {
  const errors = (details as { errors?: { path?: string }[] } | undefined)?.errors ?? [];
  return errors.map((e) => (e.path ?? '').split('.')[0] ?? '').filter((p) => p !== '');
}
