import { FlotillaError } from '../core/errors.js';

/** Small text formats of Compose files: variable interpolation, dotenv files, shell words, durations, sizes. */

function invalid(path: string, problem: string): never {
  throw new FlotillaError('STACK_INVALID', `${path}: ${problem}`);
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

/**
 * Compose interpolation: `$VAR`, `${VAR}`, `${VAR:-d}`, `${VAR-d}`, `${VAR:?e}`, `${VAR?e}`, `${VAR:+r}`,
 * `${VAR+r}` (nested in the operand too) and `$$` for a literal `$`. A `$` that starts no variable stays.
 * An unset variable without a default becomes "", as Compose does (it only warns).
 */
export function interpolateVariables(
  text: string,
  vars: Record<string, string>,
  path: string,
  unset?: (name: string) => void,
): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '{') {
      const end = closingBrace(text, i + 2);
      if (end < 0) invalid(path, `"${text}" has a \${ without its closing }`);
      out += braced(text.slice(i + 2, end), vars, path, unset);
      i = end + 1;
    } else if (next !== undefined && NAME_START.test(next)) {
      let j = i + 1;
      while (j < text.length && NAME_CHAR.test(text[j]!)) j++;
      const name = text.slice(i + 1, j);
      if (vars[name] === undefined) unset?.(name);
      out += vars[name] ?? '';
      i = j;
    } else {
      out += '$';
      i++;
    }
  }
  return out;
}

function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '$') i++;
    else if (text[i] === '$' && text[i + 1] === '{') {
      depth++;
      i++;
    } else if (text[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

function braced(
  expr: string,
  vars: Record<string, string>,
  path: string,
  unset?: (name: string) => void,
): string {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(expr);
  if (!m) invalid(path, `"\${${expr}}" is not a variable Compose can interpolate`);
  const [, name, op, operand = ''] = m;
  const value = vars[name!];
  if (op === undefined) {
    if (value === undefined) unset?.(name!);
    return value ?? '';
  }
  const set = op.startsWith(':') ? value !== undefined && value !== '' : value !== undefined;
  const arg = () => interpolateVariables(operand, vars, path, unset);
  switch (op.slice(-1)) {
    case '-':
      return set ? value! : arg();
    case '+':
      return set ? arg() : '';
    default: {
      if (set) return value!;
      const message = arg();
      invalid(path, `the variable ${name} is required${message ? `: ${message}` : ''}`);
    }
  }
}

/**
 * A dotenv file as Compose reads it: KEY=VALUE lines, `#` comments, an optional `export `, values in
 * single quotes (literal), double quotes (escapes, interpolated) or bare (interpolated, ` #` starts a
 * comment). A bare KEY takes its value from `lookup`, and is left out when it has none.
 */
export function parseDotenv(
  text: string,
  lookup: Record<string, string>,
  file: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(?:=\s*([\s\S]*))?$/.exec(line);
    if (!m) invalid(`${file}:${n + 1}`, `expected KEY=VALUE, got "${line}"`);
    const [, key, raw] = m;
    const vars = { ...lookup, ...out };
    if (raw === undefined) {
      if (lookup[key!] !== undefined) out[key!] = lookup[key!]!;
      continue;
    }
    const where = `${file}:${n + 1}`;
    if (raw.startsWith("'")) {
      const end = raw.indexOf("'", 1);
      if (end < 0) invalid(where, 'a single quote is not closed');
      out[key!] = raw.slice(1, end);
    } else if (raw.startsWith('"')) {
      let value = '';
      let i = 1;
      for (; i < raw.length && raw[i] !== '"'; i++) {
        if (raw[i] === '\\' && i + 1 < raw.length) {
          const e = raw[++i]!;
          value += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
        } else value += raw[i];
      }
      if (i >= raw.length) invalid(where, 'a double quote is not closed');
      out[key!] = interpolateVariables(value, vars, where);
    } else {
      out[key!] = interpolateVariables(raw.replace(/\s+#.*$/, '').trim(), vars, where);
    }
  }
  return out;
}

/** Splits a command line into words as a POSIX shell would, quotes and backslashes included, expanding nothing. */
export function splitWords(line: string, path: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) invalid(path, `a single quote is not closed in "${line}"`);
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      inWord = true;
      let closed = false;
      for (i++; i < line.length; i++) {
        const d = line[i]!;
        if (d === '"') {
          closed = true;
          break;
        }
        if (d === '\\' && i + 1 < line.length && '"\\$`\n'.includes(line[i + 1]!)) {
          if (line[++i] !== '\n') word += line[i];
        } else word += d;
      }
      if (!closed) invalid(path, `a double quote is not closed in "${line}"`);
    } else if (c === '\\') {
      if (i + 1 < line.length && line[i + 1] !== '\n') {
        word += line[i + 1];
        inWord = true;
      }
      i++;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

/** A Compose duration ("1m30s", "500ms", "10s"; a bare number is seconds) in seconds. */
export function parseDuration(value: unknown, path: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value !== 'string') invalid(path, 'must be a duration such as "30s", "1m30s" or "500ms"');
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  let total = 0;
  const rest = text.replace(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g, (_, n: string, unit: string) => {
    total += Number(n) * DURATION_UNITS[unit]!;
    return '';
  });
  if (rest !== '' || text === '')
    invalid(path, `"${value}" is not a duration such as "30s", "1m30s" or "500ms"`);
  return total;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** A Compose byte size ("512m", "1g", "1.5GB", 1048576) in MiB, Flotilla's unit for `mem`. */
export function parseMemory(value: unknown, path: string): number {
  let bytes: number;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) bytes = value;
  else {
    const m = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?\s*$/i.exec(value) : null;
    if (!m) invalid(path, `${JSON.stringify(value)} is not a size such as "512m" or "2g"`);
    bytes = Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!;
  }
  return Math.round((bytes / 1024 ** 2) * 100) / 100;
}
