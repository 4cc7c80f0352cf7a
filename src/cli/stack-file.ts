import fs from 'node:fs';
import path from 'node:path';
import { isComposeSource } from '../core/compose-format.js';
import { FlotillaError } from '../core/errors.js';
import { LIMITS, formatBytes } from '../core/limits.js';
import { yamlLibrary } from '../core/yaml-load.js';
import { readYaml, scanYaml } from '../core/yaml-text.js';

export interface StackFile {
  name: string;
  /** What to send to the daemon: the file as written, its `name:` replaced only when --name differs. */
  source: string;
}

/** A stack file as `up` sends it: with its folder and the variables a Compose file refers to. */
export interface StackRequest extends StackFile {
  /** The file's folder, absolute: a Compose file's relative paths and .env are read from there. */
  directory: string;
  variables: Record<string, string>;
}

export function readStackFile(
  file: string,
  nameFlag?: string,
  env: NodeJS.ProcessEnv = process.env,
): StackRequest {
  const text = readLimited(file, 'stack file');
  // The lexer alone, bounded as the daemon's reader: a file it would refuse for its size or shape is
  // refused here at once; the daemon, which reads it in full anyway, reports everything else.
  const scan = scanYaml(text, `the stack file ${file}`);
  const variables: Record<string, string> = {};
  for (const n of referencedVariables(text, scan.words)) if (env[n] !== undefined) variables[n] = env[n];
  return {
    ...stackFromScan(text, scan.name, file, nameFlag),
    directory: path.dirname(path.resolve(file)),
    variables,
  };
}

/** A file's text, its size checked before a byte is read: a file over the limit is never loaded. */
export function readLimited(
  file: string,
  what: string,
  code: 'STACK_INVALID' | 'APP_INVALID' | 'PACKAGE_OPTIONS_INVALID' = 'STACK_INVALID',
): string {
  let size: number;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) throw new Error('not a regular file');
    size = stat.size;
  } catch (err) {
    throw new FlotillaError(code, `cannot read the ${what} ${file}: ${(err as Error).message}`);
  }
  if (size > LIMITS.fileBytes)
    throw new FlotillaError(
      'PAYLOAD_TOO_LARGE',
      `the ${what} ${file} is ${formatBytes(size)}; the limit is ${formatBytes(LIMITS.fileBytes)}`,
      { limit: LIMITS.fileBytes },
    );
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new FlotillaError(code, `cannot read the ${what} ${file}: ${(err as Error).message}`);
  }
}

/**
 * The names Compose may look up in the environment: `$NAME`, `${NAME…}`, and any word that could be
 * a bare `KEY` under `environment:` (`words`, from the scan). Only what the environment sets is sent,
 * and only what the file interpolates is used, so a word sent needlessly changes nothing.
 */
export function referencedVariables(text: string, words: Iterable<string> = []): string[] {
  const names = new Set<string>(words);
  for (const m of text.replace(/\$\$/g, '').matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(m[1]!);
  return [...names];
}

/** Compose's default file names: named after the folder without reading the file. */
const COMPOSE_FILE = /^(docker-)?compose\.ya?ml$/;

/**
 * The stack's name is --name, else the file's top-level `name:`, else the file's base name (a
 * Compose file, as Compose names its project: its folder's name). The daemon refuses a file whose
 * `name:` contradicts the request, so --name (one template, many instances) rewrites it; comments
 * and layout survive.
 */
export function stackFromSource(text: string, file: string, nameFlag?: string): StackFile {
  return stackFromScan(text, scanYaml(text, `the stack file ${file}`).name, file, nameFlag);
}

function stackFromScan(
  text: string,
  scanned: string | undefined,
  file: string,
  nameFlag?: string,
): StackFile {
  // A name the scan cannot see (a flow-style file) needs the document itself, bounded as ever.
  const written = scanned ?? topLevelName(text, file);
  const fromFile = typeof written === 'string' && written !== '' ? written : undefined;
  const name = nameFlag ?? fromFile ?? defaultName(file, text);
  if (nameFlag !== undefined && fromFile !== undefined && fromFile !== nameFlag) {
    // Only the name changes; the document is built (it is within the limits) to keep the comments.
    const yaml = yamlLibrary();
    const doc = yaml.parseDocument(text, { uniqueKeys: false });
    if (doc.errors.length === 0 && yaml.isMap(doc.contents)) {
      doc.set('name', nameFlag);
      return { name, source: doc.toString() };
    }
  }
  return { name, source: text };
}

/** The top-level name of a text the scan found none in; an invalid text goes to the daemon as it is. */
function topLevelName(text: string, file: string): unknown {
  if (!/^\s*\{|\bname\b/.test(text)) return undefined;
  try {
    const data = readYaml(text, { what: `the stack file ${file}`, code: 'STACK_INVALID' });
    return data !== null && typeof data === 'object' ? (data as { name?: unknown }).name : undefined;
  } catch {
    return undefined;
  }
}

function defaultName(file: string, text: string): string {
  const base = path.basename(file);
  // A Compose file's project is named after its folder, whatever the file is called (`-f dev.yml`).
  if (COMPOSE_FILE.test(base) || isComposeSource(text)) {
    const folder = path
      .basename(path.dirname(path.resolve(file)))
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 63)
      .replace(/-+$/, '');
    if (folder !== '') return folder;
  }
  return base.replace(/\.[^.]*$/, '');
}
