import { FlotillaError } from '../core/errors.js';

/**
 * Readers for Compose values, after interpolation: a number may arrive as a string ("${REPLICAS}"),
 * so numbers and booleans are read from either form. Every error names the key path.
 */

export function invalid(path: string, problem: string): never {
  throw new FlotillaError('STACK_INVALID', `${path}: ${problem}`);
}

export function unsupported(path: string, why: string): never {
  throw new FlotillaError(
    'COMPOSE_UNSUPPORTED',
    `${path}: ${why}; see docs/compose.md for what Flotilla runs`,
    { path },
  );
}

export function object(value: unknown, path: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) invalid(path, 'must be a mapping');
  return value as Record<string, unknown>;
}

/** A mapping that may be left empty (`db:` with nothing under it). */
export function optObject(value: unknown, path: string): Record<string, unknown> {
  return value === null || value === undefined ? {} : object(value, path);
}

export function str(value: unknown, path: string): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') invalid(path, 'must be a string');
  return value;
}

export function int(value: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n))
    invalid(path, `must be a whole number, got ${JSON.stringify(value)}`);
  if (n < min || n > max) invalid(path, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function num(value: unknown, path: string, min: number): number {
  const n = typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n))
    invalid(path, `must be a number, got ${JSON.stringify(value)}`);
  if (n < min) invalid(path, `must be at least ${min}, got ${n}`);
  return n;
}

export function bool(value: unknown, path: string): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  invalid(path, 'must be true or false');
}

/** A string or a list of strings, as several Compose keys take either. */
export function strings(value: unknown, path: string): string[] {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) invalid(path, 'must be a string or a list of strings');
  return value.map((v, i) => str(v, `${path}[${i}]`));
}

/**
 * A mapping or a list of "KEY=VALUE" (environment, labels, build args). A key without a value (`KEY`
 * in a list, `KEY:` in a mapping) is handed to `bare`, which returns its value or undefined to leave it out.
 */
export function keyValues(
  value: unknown,
  path: string,
  bare: (key: string) => string | undefined = () => '',
): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (k: string, v: string | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      const entry = str(item, `${path}[${i}]`);
      const eq = entry.indexOf('=');
      if (eq === 0) invalid(`${path}[${i}]`, `"${entry}" has no name before =`);
      if (eq < 0) put(entry, bare(entry));
      else put(entry.slice(0, eq), entry.slice(eq + 1));
    });
    return out;
  }
  for (const [k, v] of Object.entries(optObject(value, path))) {
    put(k, v === null || v === undefined ? bare(k) : str(v, `${path}.${k}`));
  }
  return out;
}
