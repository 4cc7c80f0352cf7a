import fs from 'node:fs';
import type { LockFile } from '../../core/artifact.js';
import { FlotillaError } from '../../core/errors.js';

const cache = new Map<string, LockFile>();

/**
 * The committed lock of one version. Compiled code runs from dist/src/catalog/kafka/, and tsc does
 * not copy JSON there, so the repository's src/ copy is the fallback.
 */
export function loadLock(version: string): LockFile {
  const known = cache.get(version);
  if (known) return known;
  const file = `locks/${version}.lock.json`;
  const candidates = [
    new URL(`./${file}`, import.meta.url),
    new URL(`../../../../src/catalog/kafka/${file}`, import.meta.url),
  ];
  const found = candidates.find((url) => fs.existsSync(url));
  if (!found) {
    throw new FlotillaError(
      'INTERNAL',
      `kafka ${version}: the lock file src/catalog/kafka/${file} is missing; create it with scripts/lock-artifacts.mjs`,
    );
  }
  const lock = JSON.parse(fs.readFileSync(found, 'utf8')) as LockFile;
  if (!Array.isArray(lock.artifacts) || lock.artifacts.length === 0) {
    throw new FlotillaError('INTERNAL', `kafka ${version}: ${found.pathname} lists no artifacts`);
  }
  cache.set(version, lock);
  return lock;
}
