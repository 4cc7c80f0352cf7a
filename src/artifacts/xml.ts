/**
 * Just enough XML for Maven's settings.xml: elements, text, comments, CDATA, the five named entities
 * and numeric references. Attributes are skipped (settings.xml keeps everything in elements) and
 * namespace prefixes are dropped. Anything else malformed throws, so a broken settings.xml is reported
 * instead of being half-read.
 */
export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export class XmlError extends Error {}

export function parseXml(src: string): XmlElement {
  const doc: XmlElement = { name: '#document', children: [], text: '' };
  const stack: XmlElement[] = [doc];
  let i = 0;
  const fail = (what: string, at: number): never => {
    const line = src.slice(0, at).split('\n').length;
    throw new XmlError(`${what} at line ${line}`);
  };
  const until = (marker: string, from: number, what: string): number => {
    const end = src.indexOf(marker, from);
    return end < 0 ? fail(`unterminated ${what}`, from) : end;
  };
  while (i < src.length) {
    const top = stack[stack.length - 1]!;
    const lt = src.indexOf('<', i);
    const textEnd = lt < 0 ? src.length : lt;
    if (textEnd > i) top.text += decode(src.slice(i, textEnd), i, fail);
    if (lt < 0) break;
    if (src.startsWith('<!--', lt)) {
      i = until('-->', lt + 4, 'comment') + 3;
    } else if (src.startsWith('<![CDATA[', lt)) {
      const end = until(']]>', lt + 9, 'CDATA section');
      top.text += src.slice(lt + 9, end);
      i = end + 3;
    } else if (src.startsWith('<?', lt)) {
      i = until('?>', lt + 2, 'processing instruction') + 2;
    } else if (src.startsWith('<!', lt)) {
      // A DOCTYPE without an internal subset; settings.xml never has one with.
      i = until('>', lt + 2, 'declaration') + 1;
    } else if (src.startsWith('</', lt)) {
      const end = until('>', lt + 2, 'end tag');
      const name = localName(src.slice(lt + 2, end).trim());
      if (stack.length === 1 || name !== top.name) fail(`unexpected </${name}>`, lt);
      stack.pop();
      i = end + 1;
    } else {
      const end = tagEnd(src, lt + 1) ?? fail('unterminated start tag', lt);
      const body = src.slice(lt + 1, end);
      const selfClosing = body.endsWith('/');
      const name = localName(/^[^\s/>]+/.exec(body)?.[0] ?? fail('empty tag name', lt));
      if (stack.length === 1 && doc.children.length > 0) fail(`second root element <${name}>`, lt);
      const el: XmlElement = { name, children: [], text: '' };
      top.children.push(el);
      if (!selfClosing) stack.push(el);
      i = end + 1;
    }
  }
  if (stack.length > 1) fail(`<${stack[stack.length - 1]!.name}> is never closed`, src.length);
  if (doc.text.trim() !== '') fail('text outside the root element', 0);
  return doc.children[0] ?? fail('no root element', 0);
}

/** The end of a start tag, skipping quoted attribute values (which may hold '>'). */
function tagEnd(src: string, from: number): number | undefined {
  let quote: string | null = null;
  for (let j = from; j < src.length; j++) {
    const c = src[j]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return j;
  }
  return undefined;
}

function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

function decode(text: string, at: number, fail: (what: string, at: number) => never): string {
  return text.replace(/&([^;&\s]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) return fail(`bare '&'`, at);
    if (ref in ENTITIES) return ENTITIES[ref]!;
    const code = /^#x[0-9a-f]+$/i.test(ref)
      ? parseInt(ref.slice(2), 16)
      : /^#[0-9]+$/.test(ref)
        ? Number(ref.slice(1))
        : NaN;
    return Number.isNaN(code) || code > 0x10ffff
      ? fail(`unknown entity &${ref};`, at)
      : String.fromCodePoint(code);
  });
}

export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

export function children(el: XmlElement | undefined, name: string): XmlElement[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}

/** Trimmed text of a child element; undefined when the element is absent or empty. */
export function childText(el: XmlElement | undefined, name: string): string | undefined {
  const text = child(el, name)?.text.trim();
  return text ? text : undefined;
}
