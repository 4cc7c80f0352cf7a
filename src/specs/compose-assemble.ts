import path from 'node:path';
import type { HostPaths } from './compose-host.js';
import { MAX_DEPTH, resolveIncludes, type LoadContext } from './compose-include.js';
import { invalid, object, optObject, str } from './compose-read.js';
import { readComposeFile, rebase } from './compose-rebase.js';
import { isMapping } from '../core/compose-format.js';
import { mergeDocuments, mergeService } from './compose-merge.js';

/**
 * One Compose model from several files, in compose-go's order: the override files merged in order,
 * the result interpolated, then the `include`d projects added (each loaded the same way with its own
 * variables, compose-include.ts), then each service's `extends` resolved (a base from another file
 * interpolated with the extending file's variables). Files are read from the daemon's file system,
 * held to the caller's allowed folder as bind mounts are.
 */

type Data = Record<string, unknown>;

export function assemble(
  main: unknown,
  overrides: unknown[],
  host: HostPaths,
  vars: Record<string, string>,
  interpolate: LoadContext['interpolate'],
): Data {
  let doc = object(main, 'the Compose file');
  overrides.forEach((o, i) => {
    doc = mergeDocuments(doc, object(o, `override file ${i + 1}`));
  });
  return loadTree(doc, { ...host, vars, interpolate }, 0);
}

/** One file's tree (or the main file's with its overrides): interpolated, includes, extends. */
function loadTree(raw: Data, ctx: LoadContext, depth: number): Data {
  let doc = resolveIncludes(ctx.interpolate(raw, ctx.vars), ctx, depth, loadTree);
  if (isMapping(doc.services)) {
    const services: Data = {};
    for (const name of Object.keys(doc.services))
      services[name] = resolveExtends(doc.services, name, ctx, [], 0);
    doc = { ...doc, services };
  }
  return doc;
}

/** A service with its `extends` chain merged in (the base first, the service over it). */
function resolveExtends(
  services: Data,
  name: string,
  ctx: LoadContext,
  chain: string[],
  depth: number,
): Data {
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
    const { full, data } = readComposeFile(str(ext.file, `${at}.extends.file`), `${at}.extends.file`, ctx);
    const dir = path.dirname(full);
    pool = optObject(rebase(ctx.interpolate(data, ctx.vars), dir).services, `${full}: services`);
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
