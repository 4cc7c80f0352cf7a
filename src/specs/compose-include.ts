import fs from 'node:fs';
import path from 'node:path';
import { FlotillaError } from '../core/errors.js';
import { isMapping } from '../core/compose-format.js';
import { hostPath, type HostPaths } from './compose-host.js';
import { checkKeys, type KeyTable } from './compose-keys.js';
import { mergeDocuments } from './compose-merge.js';
import { invalid, optObject, str, strings } from './compose-read.js';
import { readComposeFile, rebase } from './compose-rebase.js';
import { parseDotenv } from './compose-text.js';

/**
 * Top-level `include:`, as compose-go's loader/include.go applies it: each entry (a path, or
 * `{path, project_directory, env_file}`) is a Compose project of its own, loaded apart (interpolated
 * with its own variables, its own includes and extends resolved, its relative paths made absolute from
 * its project directory), and only then are its services, volumes, networks, secrets and configs added
 * to the including file's, which was interpolated before: nothing is interpolated twice.
 */

type Data = Record<string, unknown>;

/** What one file is loaded with: its folder, and the variables it is interpolated with. */
export interface LoadContext extends HostPaths {
  vars: Record<string, string>;
  /** One file's tree interpolated with `vars` (the caller's rules: `x-` blocks, unset names). */
  interpolate: (tree: Data, vars: Record<string, string>) => Data;
}

/** Loads one file's tree (interpolated, its includes and extends resolved) in `ctx`. */
export type LoadTree = (doc: Data, ctx: LoadContext, depth: number) => Data;

export const MAX_DEPTH = 10;

const INCLUDE_KEYS: KeyTable = { path: true, project_directory: true, env_file: true };
const RESOURCES = ['services', 'volumes', 'networks', 'secrets', 'configs'];

export function resolveIncludes(doc: Data, ctx: LoadContext, depth: number, load: LoadTree): Data {
  if (doc.include === undefined || doc.include === null) return doc;
  if (!Array.isArray(doc.include)) invalid('include', 'must be a list');
  if (depth >= MAX_DEPTH) invalid('include', `includes nest deeper than ${MAX_DEPTH} files`);
  const { include, ...rest } = doc;
  let out: Data = rest;
  include.forEach((entry, i) => {
    const at = `include[${i}]`;
    const body = isMapping(entry) ? entry : { path: str(entry, at) };
    checkKeys(body, at, INCLUDE_KEYS, () => undefined);
    const files = strings(body.path, `${at}.path`);
    if (files.length === 0) invalid(`${at}.path`, 'names no file');
    // The first file is the project's; the others override it, their paths relative to its directory.
    const dir =
      body.project_directory === undefined || body.project_directory === null
        ? path.dirname(hostPath(files[0]!, `${at}.path`, ctx))
        : hostPath(str(body.project_directory, `${at}.project_directory`), `${at}.project_directory`, ctx);
    const inner: LoadContext = { ...ctx, directory: dir, vars: includeVariables(body, at, ctx, dir) };
    let included: Data = {};
    files.forEach((file, j) => {
      const { full, data } = readComposeFile(file, `${at}.path`, ctx);
      const loaded = rebase(
        inFile(full, () => load(data, inner, depth + 1)),
        dir,
      );
      included = j === 0 ? loaded : mergeDocuments(included, loaded);
    });
    included = withBareKeys(included, inner.vars);
    for (const kind of RESOURCES) {
      const theirs = optObject(included[kind], `${at}.${kind}`);
      const ours = optObject(out[kind], kind);
      for (const name of Object.keys(theirs))
        if (name in ours && kind === 'services')
          invalid(`${at}`, `the service "${name}" is declared both here and in ${files.join(', ')}`);
      if (Object.keys(theirs).length > 0) out = { ...out, [kind]: { ...theirs, ...ours } };
    }
  });
  return out;
}

/**
 * The variables an included project is interpolated with: the including file's (the request's and
 * its env files') over those of the entry's `env_file`s (relative to the including file's folder, a
 * later file over an earlier one; `/dev/null` skipped), else over the project directory's `.env`
 * when there is one: compose-go merges them that way (types.Mapping.Merge keeps what is set).
 */
function includeVariables(body: Data, at: string, ctx: LoadContext, dir: string): Record<string, string> {
  let files: { full: string; at: string }[];
  if (body.env_file === undefined || body.env_file === null) {
    const dotenv = path.join(dir, '.env');
    files = fs.statSync(dotenv, { throwIfNoEntry: false })?.isFile()
      ? [{ full: hostPath(dotenv, at, ctx), at }]
      : [];
  } else {
    const list = strings(body.env_file, `${at}.env_file`);
    files = list.flatMap((f, k) => {
      const where = Array.isArray(body.env_file) ? `${at}.env_file[${k}]` : `${at}.env_file`;
      return f === '/dev/null' ? [] : [{ full: hostPath(f, where, ctx), at: where }];
    });
  }
  let fromFiles: Record<string, string> = {};
  for (const f of files) {
    let text: string;
    try {
      if (!fs.statSync(f.full).isFile()) throw new Error('not a file');
      text = fs.readFileSync(f.full, 'utf8');
    } catch (err) {
      invalid(f.at, `cannot read the env file ${f.full}: ${(err as Error).message}`);
    }
    fromFiles = { ...fromFiles, ...parseDotenv(text, { ...fromFiles, ...ctx.vars }, f.full) };
  }
  return { ...fromFiles, ...ctx.vars };
}

/**
 * A bare `KEY` of a list-form `environment` takes its value from the included project's variables,
 * as compose-go's ResolveEnvironment does when it loads that project (the mapping form is left to the
 * project's own variables, as Compose leaves it).
 */
function withBareKeys(doc: Data, vars: Record<string, string>): Data {
  if (!isMapping(doc.services)) return doc;
  const services = Object.fromEntries(
    Object.entries(doc.services).map(([name, svc]) => {
      if (!isMapping(svc) || !Array.isArray(svc.environment)) return [name, svc];
      const environment = svc.environment.map((e) =>
        typeof e === 'string' && !e.includes('=') && vars[e] !== undefined ? `${e}=${vars[e]}` : e,
      );
      return [name, { ...svc, environment }];
    }),
  );
  return { ...doc, services };
}

/** An error met while loading an included file, named with that file. */
function inFile<T>(full: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof FlotillaError)) throw err;
    throw new FlotillaError(err.code, `${full}: ${err.message}`, err.details);
  }
}
