import fs from 'node:fs';
import path from 'node:path';
import { isMap, parseDocument } from 'yaml';
import { FlotillaError } from '../core/errors.js';
import { LIMITS, formatBytes } from '../core/limits.js';
import { readYaml } from '../core/yaml-text.js';

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
  // Read once, bounded as the daemon reads it: a file it would refuse is refused here, at once.
  const data = readYaml(text, { what: `the stack file ${file}`, code: 'STACK_INVALID' });
  const variables: Record<string, string> = {};
  for (const n of referencedVariables(text, data)) if (env[n] !== undefined) variables[n] = env[n];
  return {
    ...stackFromData(text, data, file, nameFlag),
    directory: path.dirname(path.resolve(file)),
    variables,
  };
}

/** A file's text, its size checked before a byte is read: a file over the limit is never loaded. */
export function readLimited(file: string, what: string): string {
  let size: number;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) throw new Error('not a regular file');
    size = stat.size;
  } catch (err) {
    throw new FlotillaError('STACK_INVALID', `cannot read the ${what} ${file}: ${(err as Error).message}`);
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
    throw new FlotillaError('STACK_INVALID', `cannot read the ${what} ${file}: ${(err as Error).message}`);
  }
}

/** The names Compose would look up in the environment: `$NAME`, `${NAME…}`, and a bare `KEY` under environment. */
export function referencedVariables(text: string, data: unknown): string[] {
  const names = new Set<string>();
  for (const m of text.replace(/\$\$/g, '').matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(m[1]!);
  const services = (data as { services?: unknown } | null)?.services;
  if (services && typeof services === 'object') {
    for (const s of Object.values(services as Record<string, unknown>)) {
      const environment = (s as { environment?: unknown } | null)?.environment;
      if (Array.isArray(environment)) {
        for (const e of environment) if (typeof e === 'string' && !e.includes('=')) names.add(e);
      } else if (environment && typeof environment === 'object') {
        for (const [k, v] of Object.entries(environment)) if (v === null) names.add(k);
      }
    }
  }
  return [...names];
}

/** Compose's default file names: such a file is named after its folder, as Compose names its project. */
const COMPOSE_FILE = /^(docker-)?compose\.ya?ml$/;

/**
 * The stack's name is --name, else the file's top-level `name:`, else the file's base name (a
 * compose.yaml: its folder's name). The daemon refuses a file whose `name:` contradicts the
 * request, so --name (one template, many instances) rewrites it; comments and layout survive.
 */
export function stackFromSource(text: string, file: string, nameFlag?: string): StackFile {
  return stackFromData(
    text,
    readYaml(text, { what: `the stack file ${file}`, code: 'STACK_INVALID' }),
    file,
    nameFlag,
  );
}

function stackFromData(text: string, data: unknown, file: string, nameFlag?: string): StackFile {
  const written =
    data !== null && typeof data === 'object' && !Array.isArray(data)
      ? (data as { name?: unknown }).name
      : undefined;
  const fromFile = typeof written === 'string' && written !== '' ? written : undefined;
  const name = nameFlag ?? fromFile ?? defaultName(file);
  if (nameFlag !== undefined && fromFile !== undefined && fromFile !== nameFlag) {
    // Only the name changes; the document is built again (it is within the limits) to keep comments.
    const doc = parseDocument(text, { uniqueKeys: false });
    if (isMap(doc.contents)) {
      doc.set('name', nameFlag);
      return { name, source: doc.toString() };
    }
  }
  return { name, source: text };
}

function defaultName(file: string): string {
  const base = path.basename(file);
  if (COMPOSE_FILE.test(base)) {
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
