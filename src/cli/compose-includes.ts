import fs from 'node:fs';
import path from 'node:path';
import { readYaml, scanYaml } from '../core/yaml-text.js';
import { readLimited, referencedVariables } from './stack-file.js';

/**
 * The variables of the environment the files a Compose file includes refer to: Compose interpolates
 * an included project with the same environment (over its env files), so `up` sends those entries as
 * it sends the file's own. The daemon reads the included files itself; here they are only looked at,
 * at most ten levels deep, and one the CLI cannot read (or whose path holds a variable) is left for
 * the daemon to report.
 */
export function includedVariables(
  text: string,
  directory: string,
  env: NodeJS.ProcessEnv,
  depth = 0,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (depth >= 10 || !/^include\s*:/m.test(text)) return out;
  let include: unknown;
  try {
    include = (readYaml(text, { what: 'an included file', code: 'STACK_INVALID' }) as { include?: unknown })
      ?.include;
  } catch {
    return out;
  }
  const list = (v: unknown): string[] =>
    (Array.isArray(v) ? v : [v]).filter((s): s is string => typeof s === 'string' && !s.includes('$'));
  const read = (file: string, what: string): string | undefined => {
    try {
      return readLimited(file, what);
    } catch {
      return undefined;
    }
  };
  const send = (source: string, words: Iterable<string> = []) => {
    for (const n of referencedVariables(source, words)) if (env[n] !== undefined) out[n] = env[n];
  };
  for (const entry of Array.isArray(include) ? include : []) {
    const body = (typeof entry === 'string' ? { path: entry } : entry) as Record<string, unknown> | null;
    if (body === null || typeof body !== 'object') continue;
    const files = list(body.path).map((f) => path.resolve(directory, f));
    if (files.length === 0) continue;
    const [pd] = list(body.project_directory);
    const dir = pd === undefined ? path.dirname(files[0]!) : path.resolve(directory, pd);
    const envFiles =
      body.env_file === undefined || body.env_file === null
        ? [path.join(dir, '.env')]
        : list(body.env_file).map((f) => path.resolve(directory, f));
    for (const f of envFiles) {
      const source = fs.existsSync(f) ? read(f, 'env file') : undefined;
      if (source !== undefined) send(source);
    }
    for (const f of files) {
      const source = read(f, 'included file');
      if (source === undefined) continue;
      let words: Iterable<string> = [];
      try {
        words = scanYaml(source, `the included file ${f}`).words;
      } catch {
        continue;
      }
      send(source, words);
      Object.assign(out, includedVariables(source, dir, env, depth + 1));
    }
  }
  return out;
}
