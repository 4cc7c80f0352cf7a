import fs from 'node:fs';
import path from 'node:path';

/**
 * A build context's `.dockerignore`, as Docker applies it: one pattern a line (`#` comments), paths
 * relative to the context, `*` and `?` within a path segment, `**` across any number of them, a
 * leading `!` taking a path back in; the last pattern that matches a path decides. A pattern that
 * matches a folder leaves out everything in it. The Dockerfile and .dockerignore are always sent.
 */
export interface IgnoreRule {
  negate: boolean;
  re: RegExp;
}

export function readDockerignore(context: string): IgnoreRule[] | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(context, '.dockerignore'), 'utf8');
  } catch {
    return undefined;
  }
  return parseDockerignore(text);
}

export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1).trim();
    line = path.posix.normalize(line.replace(/^\/+/, '')).replace(/\/+$/, '');
    if (line === '.' || line === '') continue;
    rules.push({ negate, re: patternRegExp(line) });
  }
  return rules;
}

function patternRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      // `**/` matches zero or more folders; a trailing `**` anything below.
      if (pattern[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Whether `rel` (a path in the context, `/`-separated) is left out: its own verdict, else its folder's. */
export function isIgnored(rel: string, rules: IgnoreRule[]): boolean {
  let ignored = false;
  for (const rule of rules) {
    const parts = rel.split('/');
    // The path itself or any of its folders matching counts, as Docker matches parent folders.
    const hit = parts.some((_, i) => rule.re.test(parts.slice(0, i + 1).join('/')));
    if (hit) ignored = !rule.negate;
  }
  return ignored;
}

/** Every path of the context that is sent (folders too, so that empty ones and modes survive), in tar order. */
export function contextFiles(context: string, rules: IgnoreRule[], dockerfile = 'Dockerfile'): string[] {
  const keep = new Set(['.dockerignore', path.posix.normalize(dockerfile)]);
  const out: string[] = [];
  const walk = (rel: string) => {
    const full = rel === '' ? context : path.join(context, rel);
    for (const entry of fs.readdirSync(full, { withFileTypes: true })) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      const sent = keep.has(child) || !isIgnored(child, rules);
      if (sent) out.push(child);
      // A folder left out may still hold a path a `!` pattern takes back.
      if (entry.isDirectory() && (sent || rules.some((r) => r.negate))) walk(child);
    }
  };
  walk('');
  return out;
}
