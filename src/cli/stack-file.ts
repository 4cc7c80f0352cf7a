import fs from 'node:fs';
import path from 'node:path';
import { isMap, parseDocument } from 'yaml';
import { FlotillaError } from '../core/errors.js';

export interface StackFile {
  name: string;
  /** What to send to the daemon: the file as written, its `name:` replaced only when --name differs. */
  source: string;
}

export function readStackFile(file: string, nameFlag?: string): StackFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new FlotillaError('STACK_INVALID', `cannot read the stack file ${file}: ${(err as Error).message}`);
  }
  return stackFromSource(text, file, nameFlag);
}

/**
 * The stack's name is --name, else the file's top-level `name:`, else the file's base name. The
 * daemon refuses a file whose `name:` contradicts the request, so --name (one template, many
 * instances) rewrites it; comments and layout survive.
 */
export function stackFromSource(text: string, file: string, nameFlag?: string): StackFile {
  const doc = parseDocument(text);
  // An invalid file goes to the daemon as is: its error names the place to fix.
  const top = doc.errors.length === 0 && isMap(doc.contents) ? doc.contents : null;
  const written = top?.get('name');
  const fromFile = typeof written === 'string' && written !== '' ? written : undefined;
  const name = nameFlag ?? fromFile ?? path.basename(file).replace(/\.[^.]*$/, '');
  if (nameFlag !== undefined && fromFile !== undefined && fromFile !== nameFlag && top) {
    doc.set('name', nameFlag);
    return { name, source: doc.toString() };
  }
  return { name, source: text };
}
