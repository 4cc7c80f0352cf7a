import type { Document, Node } from 'yaml';
import { FlotillaError, type ErrorCode } from './errors.js';
import { LIMITS, formatBytes } from './limits.js';
import { yamlLexer, yamlLibrary } from './yaml-load.js';

/**
 * YAML text to plain data, bounded: the size is checked before anything else, a lexer pass counts
 * the nodes and the flow nesting before the document is built, and the built document is measured
 * with its aliases expanded before it is turned into data. No input within the limits costs more
 * than a few hundred milliseconds, and none outside them gets further than the check that refuses it.
 * (The yaml package's own duplicate-key check compares every key with every other: it is turned off,
 * and done here with a set per mapping.)
 */

export interface YamlOptions {
  /** What the text is, for messages: "the stack file". */
  what: string;
  /** The code of a syntax error or a duplicate key. */
  code: ErrorCode;
}

/** Token kinds that each open one node of the document (a key, a value, a list item). */
const NODE_TOKENS = new Set([
  'scalar',
  'single-quoted-scalar',
  'double-quoted-scalar',
  'block-scalar-header',
  'flow-map-start',
  'flow-seq-start',
  'seq-item-ind',
  'alias',
]);

export function readYaml(text: string, { what, code }: YamlOptions): unknown {
  checkSize(text, what);
  prescan(text, what);
  let doc: Document;
  try {
    doc = yamlLibrary().parseDocument(text, { prettyErrors: true, merge: true, uniqueKeys: false });
  } catch (err) {
    // Block nesting deep enough to exhaust the parser's stack: the lexer pass only bounds flow nesting.
    if (err instanceof RangeError) tooComplex(what, `nests deeper than ${LIMITS.depth} levels`);
    throw err;
  }
  if (doc.errors.length > 0)
    throw new FlotillaError(code, `${what} is not valid YAML: ${doc.errors[0]!.message}`);
  measure(doc, text, what, code);
  try {
    return doc.toJS({ maxAliasCount: -1 });
  } catch (err) {
    // Whatever else the yaml package finds wrong while building the data is the file's fault.
    throw new FlotillaError(
      code,
      `${what} is not valid YAML: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

export function checkSize(text: string, what: string): void {
  // A string's length bounds its UTF-8 size from below (and from above, times 3): count bytes only near the limit.
  if (
    text.length > LIMITS.fileBytes ||
    (text.length * 3 > LIMITS.fileBytes && Buffer.byteLength(text) > LIMITS.fileBytes)
  ) {
    throw new FlotillaError(
      'PAYLOAD_TOO_LARGE',
      `${what} is ${formatBytes(Buffer.byteLength(text))}; the limit is ${formatBytes(LIMITS.fileBytes)}`,
      { limit: LIMITS.fileBytes },
    );
  }
}

function tooComplex(what: string, problem: string): never {
  throw new FlotillaError('INPUT_TOO_COMPLEX', `${what} ${problem}`, {
    nodes: LIMITS.nodes,
    depth: LIMITS.depth,
  });
}

/** Counts node-opening tokens and flow nesting, on the lexer's tokens alone (about 100 ms a MiB). */
function prescan(text: string, what: string, collect = false): Scan {
  let tokens = 0;
  let flow = 0;
  let lineStart = true;
  let pendingKey: string | null = null;
  let name: string | undefined;
  const words = new Set<string>();
  let plainNext = false;
  const { CST, Lexer } = yamlLexer();
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    let scalar: string | null = null;
    if (type && NODE_TOKENS.has(type) && ++tokens > 2 * LIMITS.nodes)
      tooComplex(what, `has more than ${LIMITS.nodes} nodes (keys, values and list items)`);
    // A plain scalar comes as a marker, then its text (a token of no type).
    if (token === PLAIN_MARKER) {
      plainNext = true;
      continue;
    }
    if (!type) {
      if (!plainNext) continue;
      plainNext = false;
      scalar = token;
    } else if (type === 'single-quoted-scalar' || type === 'double-quoted-scalar')
      scalar = unquote(type, token);
    if (type === 'flow-map-start' || type === 'flow-seq-start') {
      if (++flow > LIMITS.depth) tooComplex(what, `nests deeper than ${LIMITS.depth} levels`);
    } else if (type === 'flow-map-end' || type === 'flow-seq-end') flow--;
    if (collect && scalar !== null && /^[A-Za-z_][A-Za-z0-9_]*$/.test(scalar)) words.add(scalar);
    // A top-level `name: value`: the key starts its line (no indent), outside any flow collection.
    if (pendingKey === 'name' && type === 'map-value-ind') pendingKey = 'name:';
    else if (pendingKey === 'name:') {
      if (type === 'space') continue;
      if (scalar !== null && name === undefined) name = scalar;
      pendingKey = null;
    } else pendingKey = lineStart && flow === 0 && scalar === 'name' ? 'name' : null;
    lineStart = type === 'newline' || type === 'doc-start' || type === 'doc-mode';
  }
  return { name, words };
}

const PLAIN_MARKER = '\x1f';

function unquote(type: string, token: string): string | null {
  if (type === 'single-quoted-scalar') return token.slice(1, -1).replaceAll("''", "'");
  try {
    return JSON.parse(token) as string;
  } catch {
    return null;
  }
}

/** What a cheap pass over a text tells without building it. */
export interface Scan {
  /** The value of a top-level `name:` written on a line of its own; undefined when there is none such. */
  name?: string;
  /** Every scalar that could name a variable (`KEY` in a Compose `environment:` list, say). */
  words: Set<string>;
}

/**
 * The limits a text must keep (size, nodes, flow nesting), checked by the lexer alone, with its
 * top-level name and the words that may name variables: what the CLI needs to send a file, in a
 * fraction of the time building it takes. The daemon reads the text in full (readYaml) and has the
 * last word on everything else.
 */
export function scanYaml(text: string, what: string): Scan {
  checkSize(text, what);
  return prescan(text, what, true);
}

interface Measure {
  nodes: number;
  height: number;
}

/**
 * Nodes and depth with aliases expanded (what toJS would build), each anchored node measured once;
 * and keys that appear twice in one mapping.
 */
function measure(doc: Document, text: string, what: string, code: ErrorCode): void {
  const { isAlias, isMap, isScalar, isSeq } = yamlLibrary();
  const seen = new Map<Node, Measure>();
  const open = new Set<Node>();
  let total = 0;
  const visit = (node: unknown, depth: number): Measure => {
    if (depth > LIMITS.depth) tooComplex(what, `nests deeper than ${LIMITS.depth} levels`);
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target)
        throw new FlotillaError(
          code,
          `${what}: the alias *${node.source} names no anchor before it (&${node.source})`,
        );
      if (open.has(target)) tooComplex(what, `has an alias (*${node.source}) inside the node it names`);
      const m = seen.get(target) ?? visit(target, depth);
      if (depth + m.height > LIMITS.depth) tooComplex(what, `nests deeper than ${LIMITS.depth} levels`);
      add(m.nodes);
      return m;
    }
    if (!isMap(node) && !isSeq(node)) {
      add(1);
      return { nodes: 1, height: 0 };
    }
    const cached = seen.get(node);
    if (cached) return cached;
    open.add(node);
    add(1);
    const m: Measure = { nodes: 1, height: 0 };
    const child = (c: unknown) => {
      if (c === null || c === undefined) return;
      const sub = visit(c, depth + 1);
      m.nodes += sub.nodes;
      m.height = Math.max(m.height, sub.height + 1);
    };
    if (isMap(node)) {
      const keys = new Set<string>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (isScalar(pair.key) && key !== '<<') {
          const name = String(key);
          if (keys.has(name)) {
            const line = pair.key.range ? ` (line ${lineOf(text, pair.key.range[0])})` : '';
            throw new FlotillaError(code, `${what}${line}: the key "${name}" appears twice in one mapping`);
          }
          keys.add(name);
        }
        child(pair.key);
        child(pair.value);
      }
    } else for (const item of node.items) child(item);
    open.delete(node);
    seen.set(node, m);
    return m;
  };
  // Aliases count again wherever they appear: the total is what the data would hold.
  const add = (n: number) => {
    total += n;
    if (total > LIMITS.nodes)
      tooComplex(what, `has more than ${LIMITS.nodes} nodes (keys, values and list items, aliases expanded)`);
  };
  if (doc.contents) visit(doc.contents, 0);
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
