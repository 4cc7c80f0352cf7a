/**
 * A lock file pins every JVM artifact a package version runs: exact Maven coordinates and SHA-256.
 * Lock files are committed next to their package (src/catalog/<pkg>/locks/<version>.lock.json) and
 * produced by scripts/lock-artifacts (reproducible: same inputs, same file).
 */
export interface LockedArtifact {
  groupId: string;
  artifactId: string;
  version: string;
  classifier?: string;
  /** "jar" unless stated. */
  extension?: string;
  sha256: string;
  size: number;
}

export interface LockFile {
  /** Lock id, e.g. "kafka-3.9.1". */
  id: string;
  /** The root coordinates the lock was resolved from, for humans and for re-locking. */
  roots: string[];
  artifacts: LockedArtifact[];
}

/** Path of an artifact inside a Maven repository layout (remote or ~/.m2/repository). */
export function repositoryPath(a: LockedArtifact): string {
  const ext = a.extension ?? 'jar';
  const file = `${a.artifactId}-${a.version}${a.classifier ? `-${a.classifier}` : ''}.${ext}`;
  return `${a.groupId.replaceAll('.', '/')}/${a.artifactId}/${a.version}/${file}`;
}

/** Content-addressed place of a verified artifact in the cache; the file name stays readable. */
export function cachePath(cacheDir: string, a: LockedArtifact): string {
  const file = repositoryPath(a).split('/').pop()!;
  return `${cacheDir}/sha256/${a.sha256.slice(0, 2)}/${a.sha256}/${file}`;
}
