import { FlotillaError } from '../core/errors.js';

/** `${owner.field}`; `$${...}` escapes a literal `${...}`. Shell-style `${VAR}` (no dot) is left alone. */
const REF = /(\$?)\$\{([a-z0-9][a-z0-9-]*)\.([A-Za-z0-9_]+)\}/g;

export interface Reference {
  owner: string;
  field: string;
}

export function referencesIn(value: unknown): Reference[] {
  const refs: Reference[] = [];
  walkStrings(value, (s) => {
    for (const m of s.matchAll(REF)) if (m[1] !== '$') refs.push({ owner: m[2]!, field: m[3]! });
    return s;
  });
  return refs;
}

/** Replaces every reference with its value from `endpoints` (owner -> field -> value). */
export function interpolate<T>(value: T, endpoints: Map<string, Record<string, string>>, where: string): T {
  return walkStrings(value, (s) =>
    s.replace(REF, (whole, escape: string, owner: string, field: string) => {
      if (escape === '$') return whole.slice(1);
      const values = endpoints.get(owner);
      if (!values) {
        throw new FlotillaError(
          'STACK_REFERENCE_UNKNOWN',
          `${where}: \${${owner}.${field}} names no known service`,
        );
      }
      const v = values[field];
      if (v === undefined) {
        throw new FlotillaError(
          'STACK_REFERENCE_UNKNOWN',
          `${where}: service "${owner}" has no field "${field}"; it has ${Object.keys(values).join(', ')}`,
        );
      }
      return v;
    }),
  ) as T;
}

function walkStrings(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => walkStrings(v, fn));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walkStrings(v, fn)]));
  }
  return value;
}
