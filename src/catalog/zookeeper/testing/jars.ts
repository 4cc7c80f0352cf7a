/**
 * Test support for JVM packages (used by the zookeeper and kafka tests): the lock's jars in a verified
 * cache, fetched once, and a Java to run them.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cachePath, type LockedArtifact, type LockFile, repositoryPath } from '../../../core/artifact.js';
import { javaCandidates, resolveJava } from '../../java.js';
import type { PackageDefinition } from '../../package.js';

const CENTRAL = 'https://repo1.maven.org/maven2';

/** Kept between runs (jars are verified by hash), so only the first run downloads. */
export const TEST_ARTIFACTS =
  process.env.FLOTILLA_TEST_ARTIFACTS ?? path.join(os.tmpdir(), 'flotilla-test-artifacts');

/** A jar that is not the one the lock pins: a broken lock, never a reason to skip. */
class IntegrityError extends Error {}

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** The verified cache path of one artifact: from the cache, the local Maven repository, or Central. */
export async function provideArtifact(a: LockedArtifact): Promise<string> {
  const target = cachePath(TEST_ARTIFACTS, a);
  if (fs.existsSync(target) && sha256(target) === a.sha256) return target;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  // scripts/lock-artifacts.mjs leaves exactly these files in the local Maven repository.
  const local = path.join(os.homedir(), '.m2', 'repository', repositoryPath(a));
  if (fs.existsSync(local)) fs.copyFileSync(local, tmp);
  else {
    const res = await fetch(`${CENTRAL}/${repositoryPath(a)}`);
    if (!res.ok) throw new Error(`GET ${repositoryPath(a)}: HTTP ${res.status}`);
    fs.writeFileSync(tmp, Buffer.from(await res.arrayBuffer()));
  }
  if (sha256(tmp) !== a.sha256) {
    fs.rmSync(tmp, { force: true });
    throw new IntegrityError(`${repositoryPath(a)} does not match the sha256 of the lock`);
  }
  fs.renameSync(tmp, target);
  return target;
}

export type Prepared = { java: string; classpath: string[] } | { skip: string };

/** Java and the lock's verified jars, in lock order; a `skip` reason when this machine cannot run them. */
export async function prepareJvm(
  pkg: PackageDefinition,
  options: Record<string, unknown>,
): Promise<Prepared> {
  if (!pkg.jvm) return { skip: `${pkg.name} is not a JVM package` };
  let lock: LockFile;
  let java: string | undefined;
  try {
    lock = pkg.jvm.lock(options);
  } catch (err) {
    return { skip: (err as Error).message };
  }
  try {
    java = resolveJava(pkg.jvm.javaMajor, `${pkg.name} ${pkg.version}`).path;
  } catch (err) {
    java = fallbackJava(pkg.jvm.javaMajor.min);
    if (!java) return { skip: (err as Error).message };
    console.warn(`!!! resolveJava failed (${(err as Error).message}); the test uses ${java}`);
  }
  const classpath: string[] = [];
  try {
    for (let i = 0; i < lock.artifacts.length; i += 8) {
      classpath.push(...(await Promise.all(lock.artifacts.slice(i, i + 8).map(provideArtifact))));
    }
  } catch (err) {
    if (err instanceof IntegrityError) throw err;
    return { skip: `cannot fetch the jars of ${lock.id}: ${(err as Error).message}` };
  }
  return { java, classpath };
}

/**
 * A stop-gap while resolveJava misreads `java -version` (it prints to stderr and exits 0, and
 * execFileSync drops stderr on success): the first candidate whose stderr names a new-enough major.
 */
function fallbackJava(min: number): string | undefined {
  for (const candidate of javaCandidates()) {
    const out = spawnSync(candidate, ['-version'], { encoding: 'utf8', timeout: 10_000 }).stderr ?? '';
    const major = Number(/version "(?:1\.)?(\d+)/.exec(out)?.[1] ?? 0);
    if (major >= min) return candidate;
  }
  return undefined;
}
