import fs from 'node:fs';
import path from 'node:path';
import { readYaml } from '../core/yaml-text.js';
import { hostPath, type HostPaths } from './compose-host.js';
import { invalid, object, optObject, str, strings } from './compose-read.js';
import { isMapping } from '../core/compose-format.js';
import { mergeDocuments, mergeService } from './compose-merge.js';

/**
 * One Compose model from several files, before anything is interpolated or read: the override files
 * merged in order, then `include`d files (their paths relative to their own folder), then each
 * service's `extends` resolved. Files are read from the daemon's file system, held to the caller's
 * allowed folder as bind mounts are.
 */

type Data = Record<string, unknown>;

const MAX_DEPTH = 10;

export function assemble(main: unknown, overrides: unknown[], ctx: HostPaths): Data {
  let doc = object(main, 'the Compose file');
  overrides.forEach((o, i) => {
    doc = mergeDocuments(doc, object(o, `override file ${i + 1}`));
  });
  doc = resolveIncludes(doc, ctx, 0);
  if (isMapping(doc.services)) {
    const services: Data = {};
    for (const name of Object.keys(doc.services))
      services[name] = resolveExtends(doc.services, name, ctx, [], 0);
    doc = { ...doc, services };
  }
  return doc;
}

function readFile(file: string, at: string, ctx: HostPaths): Data {
  const full = hostPath(file, at, ctx);
  let text: string;
  try {
    text = fs.readFileSync(full, 'utf8');
  } catch (err) {
    return invalid(at, `cannot read ${full}: ${(err as Error).message}`);
  }
  return object(readYaml(text, { what: full, code: 'STACK_INVALID' }), full);
}

/** `include:` entries (a path, or `{path, project_directory, env_file}`): their resources join the file's. */
function resolveIncludes(doc: Data, ctx: HostPaths, depth: number): Data {
  if (doc.include === undefined || doc.include === null) return doc;
  if (!Array.isArray(doc.include)) invalid('include', 'must be a list');
  if (depth >= MAX_DEPTH) invalid('include', `includes nest deeper than ${MAX_DEPTH} files`);
  const { include, ...rest } = doc;
  let out: Data = rest;
  include.forEach((entry, i) => {
    const at = `include[${i}]`;
    const body = isMapping(entry) ? entry : { path: str(entry, at) };
    const files = strings(body.path, `${at}.path`);
    let included: Data = {};
    files.forEach((file, j) => {
      const full = hostPath(file, `${at}.path`, ctx);
      const dir = body.project_directory
        ? hostPath(str(body.project_directory, `${at}.project_directory`), at, ctx)
        : path.dirname(full);
      const sub = rebase(readFile(full, at, ctx), dir);
      const resolved = resolveIncludes(sub, { ...ctx, directory: dir }, depth + 1);
      included = j === 0 ? resolved : mergeDocuments(included, resolved);
    });
    for (const kind of ['services', 'volumes', 'networks', 'secrets', 'configs']) {
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

/** A service with its `extends` chain merged in (the base first, the service over it). */
function resolveExtends(services: Data, name: string, ctx: HostPaths, chain: string[], depth: number): Data {
  const at = `services.${name}`;
  const svc = optObject(services[name], at);
  if (svc.extends === undefined || svc.extends === null) return svc;
  const key = `${ctx.directory ?? ''}#${name}`;
  if (chain.includes(key) || depth >= MAX_DEPTH)
    invalid(
      `${at}.extends`,
      `extends itself through ${[...chain.map((c) => c.split('#')[1]), name].join(' → ')}`,
    );
  const ext = isMapping(svc.extends) ? svc.extends : { service: str(svc.extends, `${at}.extends`) };
  const baseName = str(ext.service, `${at}.extends.service`);
  let pool = services;
  let baseCtx = ctx;
  if (ext.file !== undefined && ext.file !== null) {
    const full = hostPath(str(ext.file, `${at}.extends.file`), `${at}.extends.file`, ctx);
    const dir = path.dirname(full);
    pool = optObject(rebase(readFile(full, `${at}.extends.file`, ctx), dir).services, `${full}: services`);
    baseCtx = { ...ctx, directory: dir };
  }
  if (!isMapping(pool[baseName]))
    invalid(
      `${at}.extends.service`,
      `names "${baseName}", which ${ext.file ? String(ext.file) : 'the file'} does not declare`,
    );
  const base = resolveExtends(pool, baseName, baseCtx, [...chain, key], depth + 1);
  const { extends: _drop, ...own } = svc;
  void _drop;
  return mergeService(base, own);
}

/**
 * An included or extended file's relative host paths made absolute from its own folder, as Compose
 * resolves them: build contexts, env files, bind mounts, secret and config files, extends files.
 */
function rebase(doc: Data, dir: string): Data {
  const abs = (p: unknown) =>
    typeof p === 'string' && (p.startsWith('./') || p.startsWith('../') || p === '.' || p === '..')
      ? path.resolve(dir, p)
      : p;
  const absAny = (p: unknown) =>
    typeof p === 'string' && !path.isAbsolute(p) && !p.startsWith('~') && !/^[a-z][a-z0-9+.-]*:\/\//i.test(p)
      ? path.resolve(dir, p)
      : p;
  const out: Data = { ...doc };
  if (isMapping(doc.services)) {
    out.services = Object.fromEntries(
      Object.entries(doc.services).map(([name, raw]) => {
        if (!isMapping(raw)) return [name, raw];
        const s: Data = { ...raw };
        if (typeof s.build === 'string') s.build = absAny(s.build);
        else if (isMapping(s.build)) s.build = { ...s.build, context: absAny(s.build.context ?? '.') };
        if (s.env_file !== undefined)
          s.env_file = (Array.isArray(s.env_file) ? s.env_file : [s.env_file]).map((e) =>
            isMapping(e) ? { ...e, path: absAny(e.path) } : absAny(e),
          );
        if (Array.isArray(s.volumes))
          s.volumes = s.volumes.map((v) => {
            if (isMapping(v)) return v.type === 'bind' ? { ...v, source: absAny(v.source) } : v;
            const text = String(v);
            const colon = text.indexOf(':');
            return colon > 0 ? `${String(abs(text.slice(0, colon)))}${text.slice(colon)}` : text;
          });
        if (isMapping(s.extends) && s.extends.file !== undefined)
          s.extends = { ...s.extends, file: absAny(s.extends.file) };
        return [name, s];
      }),
    );
  }
  for (const kind of ['secrets', 'configs']) {
    if (!isMapping(doc[kind])) continue;
    out[kind] = Object.fromEntries(
      Object.entries(doc[kind]).map(([n, v]) => [
        n,
        isMapping(v) && v.file ? { ...v, file: absAny(v.file) } : v,
      ]),
    );
  }
  return out;
}
