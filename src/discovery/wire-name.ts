import { FlotillaError } from '../core/errors.js';

/**
 * Domain names on the wire (RFC 1035 §3.1, §4.1.4). Names are presented as dotted text without a
 * trailing dot (the root is ''); bytes that would be ambiguous in text ('.', '\', non-printable)
 * are escaped as \DDD so a label containing a dot can never pass for two of our labels.
 */

const MAX_NAME = 255;
const MAX_LABEL = 63;
// Pointers must point backwards and hops are capped, so a looping message cannot spin us.
const MAX_HOPS = 128;

export function malformed(why: string): FlotillaError {
  return new FlotillaError('VALIDATION_FAILED', `malformed DNS message: ${why}`);
}

function labelToText(bytes: Buffer): string {
  let text = '';
  for (const b of bytes) {
    if (b === 0x2e || b === 0x5c || b <= 0x20 || b >= 0x7f) text += `\\${String(b).padStart(3, '0')}`;
    else text += String.fromCharCode(b);
  }
  return text;
}

function textToLabels(name: string): Buffer[] {
  if (name === '' || name === '.') return [];
  const labels: Buffer[] = [];
  let current: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    if (ch === 0x5c) {
      const digits = name.slice(i + 1, i + 4);
      if (/^\d{3}$/.test(digits) && Number(digits) <= 255) {
        current.push(Number(digits));
        i += 3;
      } else if (i + 1 < name.length) {
        current.push(name.charCodeAt(++i));
      } else {
        throw malformed(`dangling escape in '${name}'`);
      }
    } else if (ch === 0x2e) {
      labels.push(Buffer.from(current));
      current = [];
    } else {
      if (ch > 0xff) throw malformed(`non-ASCII character in '${name}'`);
      current.push(ch);
    }
  }
  // A trailing dot (absolute name) leaves an empty last label, which is not a label.
  if (current.length > 0 || name.charCodeAt(name.length - 1) !== 0x2e) labels.push(Buffer.from(current));
  return labels;
}

/** Reads a possibly compressed name at `offset`; `end` is where the name ends in place. */
export function readName(buf: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let pos = offset;
  let end = -1;
  let wireLength = 1;
  for (let hops = 0; ;) {
    const len = buf[pos];
    if (len === undefined) throw malformed('name runs past the end');
    if ((len & 0xc0) === 0xc0) {
      const low = buf[pos + 1];
      if (low === undefined) throw malformed('truncated compression pointer');
      const target = ((len & 0x3f) << 8) | low;
      if (target >= pos || ++hops > MAX_HOPS) throw malformed('compression pointer does not point back');
      if (end < 0) end = pos + 2;
      pos = target;
      continue;
    }
    if ((len & 0xc0) !== 0) throw malformed('unsupported label type');
    if (len === 0) {
      if (end < 0) end = pos + 1;
      break;
    }
    if (pos + 1 + len > buf.length) throw malformed('label runs past the end');
    wireLength += len + 1;
    if (wireLength > MAX_NAME) throw malformed('name longer than 255 bytes');
    labels.push(labelToText(buf.subarray(pos + 1, pos + 1 + len)));
    pos += 1 + len;
  }
  return { name: labels.join('.'), end };
}

/** Encodes a name without compression: responses stay small enough that it is not worth the state. */
export function encodeName(name: string): Buffer {
  const parts: Buffer[] = [];
  let total = 1;
  for (const label of textToLabels(name)) {
    if (label.length === 0 || label.length > MAX_LABEL) throw malformed(`bad label length in '${name}'`);
    total += label.length + 1;
    parts.push(Buffer.from([label.length]), label);
  }
  if (total > MAX_NAME) throw malformed(`name '${name}' longer than 255 bytes`);
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}
