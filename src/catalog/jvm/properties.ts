/**
 * A value as java.util.Properties reads it back verbatim (ZooKeeper's zoo.cfg, Kafka's server.properties): escapes
 * backslashes and line breaks, and writes non-ASCII as \uXXXX because the file is read as ISO-8859-1.
 */
export function propValue(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\f') out += '\\f';
    else if (code < 0x20 || code > 0x7e) {
      for (const unit of ch.split('')) out += `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  // Leading blanks would be taken for the separator.
  return out.startsWith(' ') ? `\\${out}` : out;
}
