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

/** Forgets what this process asked (for tests of the remembered answers). */
export function forgetJavaAnswers(): void {
  seen.clear();
}

/** What a `java -version` answered, with the binary it asked: the same size and mtime, the same answer. */
interface Remembered {
  size: number;
  mtimeMs: number;
  install: JavaInstall | null;
}

/**
 * Every Java of the machine inspected, the answers remembered in `file` across daemon starts (each
 * `java -version` costs 100 ms to seconds on a busy machine, and a daemon asks at every start). A
 * binary whose size or modification time changed (a JDK upgraded) is asked again.
 */
export function inspectAllJava(file: string, env: NodeJS.ProcessEnv = process.env): void {
  let known: Record<string, Remembered> = {};
  try {
    known = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, Remembered>;
  } catch {
    // none yet, or unreadable: ask every one
  }
  const now: Record<string, Remembered> = {};
  for (const candidate of javaCandidates(env)) {
    const real = fs.realpathSync(candidate);
    const { size, mtimeMs } = fs.statSync(real);
    const before = known[real];
    const same = before && before.size === size && before.mtimeMs === mtimeMs;
    // Only an answer about this very binary: the file names no other program to run.
    if (same && (before.install === null || before.install.path === real) && !seen.has(real))
      seen.set(real, before.install);
    now[real] = { size, mtimeMs, install: inspectJava(real) };
  }
  if (JSON.stringify(now) === JSON.stringify(known)) return;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify(now));
    fs.renameSync(tmp, file);
  } catch {
    // a read-only cache: asked again next time
  }
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
