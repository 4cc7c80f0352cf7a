/**
 * YAML written as `docker compose config` writes it (go.yaml.in/yaml/v4, indent 2, width 80), so that
 * Flotilla's `compose config` prints the same text: keys in the object's order (compose-config-values.ts
 * puts them in Compose's), sequences indented under their key, strings plain when YAML reads them
 * back as strings, else quoted: 'single' for YAML 1.1 booleans and base-60 numbers (and where plain
 * is not allowed), "double" for what would read as a number, bool or null; multi-line strings as
 * literal blocks; long plain and quoted strings folded at spaces past column 80.
 */
export type GoYaml = string | number | boolean | null | GoFloat | GoYaml[] | { [key: string]: GoYaml };

/** A float field (cpus): written as Go writes a float64 ('g', shortest). */
export class GoFloat {
  constructor(readonly value: number) {}
}

const WIDTH = 80;

export function goYaml(doc: Record<string, GoYaml>): string {
  const lines: string[] = [];
  mapping(doc, 0, lines);
  return lines.join('\n') + '\n';
}

function isMap(v: GoYaml): v is { [key: string]: GoYaml } {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof GoFloat);
}

function mapping(m: { [key: string]: GoYaml }, indent: number, lines: string[]): void {
  const pad = ' '.repeat(indent);
  for (const [k, v] of Object.entries(m)) {
    const head = `${pad}${scalar(k, 0, 0, true)}:`;
    if (isMap(v) && Object.keys(v).length > 0) {
      lines.push(head);
      mapping(v, indent + 2, lines);
    } else if (Array.isArray(v) && v.length > 0) {
      lines.push(head);
      sequence(v, indent + 2, lines);
    } else lines.push(`${head} ${leaf(v, [...head].length + 1, indent + 2)}`);
  }
}

function sequence(items: GoYaml[], indent: number, lines: string[]): void {
  const pad = ' '.repeat(indent);
  for (const v of items) {
    if ((isMap(v) && Object.keys(v).length > 0) || (Array.isArray(v) && v.length > 0)) {
      const inner: string[] = [];
      if (Array.isArray(v)) sequence(v, indent + 2, inner);
      else mapping(v as { [key: string]: GoYaml }, indent + 2, inner);
      inner[0] = `${pad}- ${inner[0]!.slice(indent + 2)}`;
      lines.push(...inner);
    } else lines.push(`${pad}- ${leaf(v, indent + 2, indent + 2)}`);
  }
}

/** An empty collection or a scalar, starting at `column`; folded lines continue at `indent`. */
function leaf(v: GoYaml, column: number, indent: number): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return '[]';
  if (v instanceof GoFloat) return goFloat(v.value);
  if (typeof v === 'object') return '{}';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return scalar(v, column, indent, false);
}

function goFloat(f: number): string {
  if (!Number.isFinite(f)) return Number.isNaN(f) ? '.nan' : f > 0 ? '.inf' : '-.inf';
  const exp = f === 0 ? 0 : Math.floor(Math.log10(Math.abs(f)));
  if (exp < -4 || exp >= 21) {
    const [mant, e] = f.toExponential().split('e') as [string, string];
    const n = Number(e);
    return `${mant}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return String(f);
}

// What YAML (as go-yaml resolves plain scalars) would read as something other than a string.
const SPECIAL = new Set(
  'true True TRUE false False FALSE null Null NULL ~ .nan .NaN .NAN .inf .Inf .INF +.inf +.Inf +.INF -.inf -.Inf -.INF -0 -0.0 <<'
    .split(' ')
    .concat(['']),
);
const INT = /^[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[0-9]+)$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const TIMESTAMP =
  /^\d{4}-\d\d?-\d\d?(?:(?:[Tt]|\s+)\d\d?:\d\d?:\d\d?(?:\.\d*)?(?:\s*(?:Z|[-+]\d\d?(?::\d\d)?))?)?$/;
const BASE60 = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const OLD_BOOL = new Set('y Y yes Yes YES on On ON n N no No NO off Off OFF'.split(' '));

function readsAsOther(s: string): boolean {
  if (SPECIAL.has(s)) return true;
  const c = s[0]!;
  if (c === '.') return FLOAT.test(s);
  if (!/[-+0-9]/.test(c)) return false;
  if (TIMESTAMP.test(s)) return true;
  const plain = s.replaceAll('_', '');
  return INT.test(plain) || FLOAT.test(plain);
}

interface Allowed {
  plain: boolean;
  single: boolean;
  block: boolean;
}

const isBreak = (c: string | undefined) => c === '\n' || c === '\r';
const isBlank = (c: string | undefined) => c === ' ' || c === '\t';

function printable(c: string): boolean {
  const n = c.codePointAt(0)!;
  return (
    n === 0x0a ||
    (n >= 0x20 && n <= 0x7e) ||
    n === 0x85 ||
    (n >= 0xa0 && n <= 0xd7ff) ||
    (n >= 0xe000 && n <= 0xfffd && n !== 0xfeff) ||
    n >= 0x10000
  );
}

/** libyaml's analysis: which styles can write the string. */
function analyse(chars: string[]): Allowed {
  if (chars.length === 0) return { plain: true, single: true, block: false };
  let blockIndicators = /^(---|\.\.\.)/.test(chars.slice(0, 3).join(''));
  let lineBreaks = false;
  let special = false;
  let tabs = false;
  let leadSpace = false;
  let leadBreak = false;
  let trailSpace = false;
  let trailBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let prevSpace = false;
  let prevBreak = false;
  let precededByWs = true;
  chars.forEach((c, i) => {
    const last = i === chars.length - 1;
    const followedByWs = last || isBlank(chars[i + 1]);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(c)) blockIndicators = true;
      else if ((c === '?' || c === ':' || c === '-') && followedByWs) blockIndicators = true;
    } else if ((c === ':' && followedByWs) || (c === '#' && precededByWs)) blockIndicators = true;
    if (c === '\t') tabs = true;
    else if (!printable(c)) special = true;
    if (c === ' ') {
      if (i === 0) leadSpace = true;
      if (last) trailSpace = true;
      if (prevBreak) breakSpace = true;
      prevSpace = true;
      prevBreak = false;
    } else if (isBreak(c)) {
      lineBreaks = true;
      if (i === 0) leadBreak = true;
      if (last) trailBreak = true;
      if (prevSpace) spaceBreak = true;
      prevSpace = false;
      prevBreak = true;
    } else {
      prevSpace = false;
      prevBreak = false;
    }
    precededByWs = isBlank(c) || isBreak(c);
  });
  const plain = !(
    leadSpace ||
    leadBreak ||
    trailSpace ||
    trailBreak ||
    breakSpace ||
    spaceBreak ||
    tabs ||
    special ||
    lineBreaks ||
    blockIndicators
  );
  return {
    plain,
    single: !(breakSpace || spaceBreak || tabs || special),
    block: !(trailSpace || spaceBreak || special),
  };
}

/** A string as go-yaml writes it, its first character at `column` (a key is never folded). */
function scalar(s: string, column: number, indent: number, key: boolean): string {
  const chars = [...s];
  const ok = analyse(chars);
  const hasBreak = s.includes('\n');
  let style: 'plain' | 'single' | 'double' | 'literal';
  if (hasBreak) style = !key && ok.block && /\S/.test(s) && chars.length >= 2 ? 'literal' : 'double';
  else if (BASE60.test(s) || OLD_BOOL.has(s) || s === '<<') style = 'single';
  else if (readsAsOther(s)) style = 'double';
  else style = ok.plain ? 'plain' : 'single';
  if (style === 'single' && !ok.single) style = 'double';
  if (style === 'literal') return literal(chars, indent);
  return quoted(chars, style, column, indent, !key);
}

function quoted(
  chars: string[],
  style: 'plain' | 'single' | 'double',
  column: number,
  indent: number,
  breaks: boolean,
): string {
  const q = style === 'single' ? "'" : style === 'double' ? '"' : '';
  let out = q;
  let col = column + q.length;
  let spaces = false;
  chars.forEach((c, i) => {
    if (c === ' ') {
      const inside = style === 'plain' || (i > 0 && i < chars.length - 1);
      const nextSpace = chars[i + 1] === ' ';
      if (breaks && !spaces && col > WIDTH && inside && (style === 'double' || !nextSpace)) {
        out += '\n' + ' '.repeat(indent) + (style === 'double' && nextSpace ? '\\' : '');
        col = indent + (style === 'double' && nextSpace ? 1 : 0);
      } else {
        out += ' ';
        col++;
      }
      spaces = true;
      return;
    }
    spaces = false;
    const text = style === 'double' ? escape(c) : style === 'single' && c === "'" ? "''" : c;
    out += text;
    col += [...text].length;
  });
  return out + q;
}

const ESCAPES: Record<string, string> = {
  '\0': '0',
  '\x07': 'a',
  '\b': 'b',
  '\t': 't',
  '\n': 'n',
  '\v': 'v',
  '\f': 'f',
  '\r': 'r',
  '\x1b': 'e',
  '"': '"',
  '\\': '\\',
  '\x85': 'N',
  '\xa0': '_',
  '\u2028': 'L',
  '\u2029': 'P',
};

function escape(c: string): string {
  const n = c.codePointAt(0)!;
  if (printable(c) && n !== 0xfeff && !'\n\r"\\\x85\u2028\u2029'.includes(c)) return c;
  if (ESCAPES[c] !== undefined) return `\\${ESCAPES[c]}`;
  const hex = n.toString(16).toUpperCase();
  return n <= 0xff
    ? `\\x${hex.padStart(2, '0')}`
    : n <= 0xffff
      ? `\\u${hex.padStart(4, '0')}`
      : `\\U${hex.padStart(8, '0')}`;
}

/** `|` with its hints: an indentation digit for a leading space; `-` without a final newline, `+` for more. */
function literal(chars: string[], indent: number): string {
  const s = chars.join('');
  const chomp = !s.endsWith('\n') ? '-' : s === '\n' || s.endsWith('\n\n') ? '+' : '';
  const body = s.endsWith('\n') ? s.slice(0, -1) : s;
  const pad = ' '.repeat(indent);
  return [
    `|${s.startsWith(' ') ? '2' : ''}${chomp}`,
    ...body.split('\n').map((l) => (l === '' ? '' : pad + l)),
  ].join('\n');
}
