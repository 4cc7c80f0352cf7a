import fs from 'node:fs';
import path from 'node:path';
import { readYaml } from '../core/yaml-text.js';
import { isMapping } from '../core/compose-format.js';
import { hostPath, type HostPaths } from './compose-host.js';
import { invalid, object } from './compose-read.js';

type Data = Record<string, unknown>;

/** Another Compose file (included, extended), read from the daemon's file system, held to the allowed folder. */
export function readComposeFile(file: string, at: string, ctx: HostPaths): { full: string; data: Data } {
  const full = hostPath(file, at, ctx);
  let text: string;
  try {
    text = fs.readFileSync(full, 'utf8');
  } catch (err) {
    return invalid(at, `cannot read ${full}: ${(err as Error).message}`);
  }
  return { full, data: object(readYaml(text, { what: full, code: 'STACK_INVALID' }), full) };
}

/**
 * An included or extended file's relative host paths made absolute from its own folder, as Compose
 * resolves them once the file is interpolated: build contexts, env files, bind mounts, secret and
 * config files, extends files.
 */
export function rebase(doc: Data, dir: string): Data {
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
