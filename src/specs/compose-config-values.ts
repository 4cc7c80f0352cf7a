import { isMapping } from '../core/compose-format.js';
import type { GoYaml } from './compose-config-yaml.js';
import { asMapping } from './compose-merge.js';

/**
 * Values as compose-go's types print them in `docker compose config`: structs keep their field order
 * (`ordered`), Go maps come out sorted as go-yaml sorts them (`sortGoKeys`), sizes in bytes and
 * durations as Go writes them.
 */

/**
 * A struct's fields in `order` (then any other key, then `x-` keys sorted), each through its
 * converter in `convert` or as it is; without an order, the keys sorted as a Go map's.
 */
export function ordered(
  v: unknown,
  convert: Record<string, (x: unknown) => GoYaml | undefined>,
  order?: string[],
): Record<string, GoYaml> {
  const m = asMapping(v);
  const keys = order
    ? [
        ...order.filter((k) => k in m),
        ...Object.keys(m).filter((k) => !order.includes(k) && !k.startsWith('x-')),
        ...Object.keys(sortGoKeys(m)).filter((k) => k.startsWith('x-')),
      ]
    : Object.keys(sortGoKeys(m));
  const out: Record<string, GoYaml> = {};
  for (const k of keys) {
    if (m[k] === undefined || m[k] === null) continue;
    const x = convert[k] ? convert[k](m[k]) : plain(m[k]);
    if (x !== undefined) out[k] = x;
  }
  return out;
}

/** Data as it is, its mappings sorted as Go maps. */
export function plain(v: unknown): GoYaml {
  if (Array.isArray(v)) return v.map(plain);
  if (isMapping(v)) return sortGoKeys(Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])));
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null) return v;
  return v === undefined ? null : String(v);
}

/** `["A=1", "B"]` or `{A: 1, B: null}` as a sorted mapping of strings (Go map[string]string: B is ""). */
export function stringMap(v: unknown): GoYaml {
  return sortGoKeys(
    Object.fromEntries(Object.entries(asMapping(v)).map(([k, x]) => [k, x === null ? '' : String(x)])),
  );
}

/** Go's order of map keys in go-yaml: letters by code point, digit runs by value, other characters first. */
export function goKeyLess(a: string, b: string): boolean {
  const ar = [...a];
  const br = [...b];
  const letter = (c: string) => /\p{L}/u.test(c);
  const digit = (c: string | undefined) => c !== undefined && /\p{Nd}/u.test(c);
  let digits = false;
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const x = ar[i]!;
    const y = br[i]!;
    if (x === y) {
      digits = digit(x);
      continue;
    }
    const al = letter(x);
    const bl = letter(y);
    if (al && bl) return x < y;
    if (al || bl) return digits ? al : bl;
    let an = 0;
    let bn = 0;
    if (x === '0' || y === '0') {
      for (let j = i - 1; j >= 0 && digit(ar[j]); j--) {
        if (ar[j] !== '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < ar.length && digit(ar[ai]); ai++) an = an * 10 + Number(ar[ai]);
    for (; bi < br.length && digit(br[bi]); bi++) bn = bn * 10 + Number(br[bi]);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return x < y;
  }
  return ar.length < br.length;
}

/** A Go map's entries in go-yaml's order. */
export function sortGoKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(
    Object.entries(o).sort(([a], [b]) => (goKeyLess(a, b) ? -1 : goKeyLess(b, a) ? 1 : 0)),
  );
}

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/** A size as Compose writes it: its bytes, as a string ("512m" → "536870912"). */
export function bytes(v: unknown): GoYaml {
  if (typeof v === 'number') return String(v);
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp]?)i?b?$/i.exec(String(v));
  return m ? String(Math.floor(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!)) : String(v);
}

const DURATION = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
const NANOS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 6e10, h: 3.6e12 };

/** A duration as Go's time.Duration prints it: "1m30s", "2m0s", "500ms" (a bare number is seconds). */
export function goDuration(v: unknown): GoYaml {
  const text = String(v).trim();
  let ns = 0;
  if (/^\d+(\.\d+)?$/.test(text)) ns = Number(text) * 1e9;
  else if (text.replace(DURATION, '') !== '') return text;
  else for (const [, n, unit] of text.matchAll(DURATION)) ns += Number(n) * NANOS[unit!]!;
  ns = Math.round(ns);
  if (ns === 0) return '0s';
  if (ns < 1e3) return `${ns}ns`;
  if (ns < 1e6) return `${ns / 1e3}µs`;
  if (ns < 1e9) return `${ns / 1e6}ms`;
  const h = Math.floor(ns / 3.6e12);
  const m = Math.floor((ns % 3.6e12) / 6e10);
  const s = (ns % 6e10) / 1e9;
  return `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${s}s`;
}
