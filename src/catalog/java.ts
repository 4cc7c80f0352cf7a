import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FlotillaError } from '../core/errors.js';

export interface JavaInstall {
  path: string;
  major: number;
  version: string;
}

const seen = new Map<string, JavaInstall | null>();

/** Every `java` this machine offers: JAVA_HOME, FLOTILLA_JAVA, PATH, then /usr/lib/jvm. */
export function javaCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  if (env.FLOTILLA_JAVA) out.push(env.FLOTILLA_JAVA);
  if (env.JAVA_HOME) out.push(path.join(env.JAVA_HOME, 'bin', 'java'));
  for (const dir of (env.PATH ?? '').split(':')) if (path.isAbsolute(dir)) out.push(path.join(dir, 'java'));
  for (const root of ['/usr/lib/jvm', '/opt/java', '/usr/local/lib/jvm']) {
    if (!fs.existsSync(root)) continue;
    for (const d of fs.readdirSync(root).sort()) out.push(path.join(root, d, 'bin', 'java'));
  }
  return [...new Set(out)].filter((p) => fs.existsSync(p));
}

/** Asks a `java` its version (once per path: it takes ~100 ms). */
export function inspectJava(javaPath: string): JavaInstall | null {
  const real = fs.realpathSync(javaPath);
  if (seen.has(real)) return seen.get(real)!;
  // `java -version` writes to stderr.
  const run = spawnSync(real, ['-version'], { encoding: 'utf8', timeout: 10_000 });
  const found = run.error ? null : parseVersion(real, `${run.stderr}${run.stdout}`);
  seen.set(real, found);
  return found;
}

function parseVersion(p: string, text: string): JavaInstall | null {
  const m = /version "([^"]+)"/.exec(text);
  if (!m) return null;
  const v = m[1]!;
  const major = v.startsWith('1.') ? Number(v.split('.')[1]) : Number(v.split(/[.+-]/)[0]);
  return { path: p, major, version: v };
}

/** The first Java whose major version is in range, or a BINARY_MISSING that says what to install. */
export function resolveJava(
  range: { min: number; max?: number },
  who: string,
  env: NodeJS.ProcessEnv = process.env,
): JavaInstall {
  const found: JavaInstall[] = [];
  for (const candidate of javaCandidates(env)) {
    const j = inspectJava(candidate);
    if (!j) continue;
    found.push(j);
    if (j.major >= range.min && (range.max === undefined || j.major <= range.max)) return j;
  }
  const wanted = range.max === undefined ? `${range.min} or newer` : `${range.min} to ${range.max}`;
  const have = found.length
    ? `found ${found.map((j) => `${j.version} (${j.path})`).join(', ')}`
    : 'found none';
  throw new FlotillaError(
    'BINARY_MISSING',
    `${who} needs Java ${wanted}; ${have}: run "sudo apt-get install -y openjdk-${range.min}-jre-headless" or set JAVA_HOME`,
  );
}
