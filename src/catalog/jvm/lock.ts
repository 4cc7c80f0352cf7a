import fs from 'node:fs';
import type { LockFile } from '../../core/artifact.js';
import { FlotillaError } from '../../core/errors.js';

const cache = new Map<string, LockFile>();

/**
 * The committed lock of one package version (src/catalog/<pkg>/locks/<version>.lock.json). Compiled
 * code runs from dist/src/catalog/, and tsc does not copy JSON there, so the repository's src/ copy
 * is the fallback.
 */
export function loadLock(pkg: string, version: string): LockFile {
  const key = `${pkg}@${version}`;
  const known = cache.get(key);
  if (known) return known;
  const file = `${pkg}/locks/${version}.lock.json`;
  const candidates = [
    new URL(`../${file}`, import.meta.url),
    new URL(`../../../../src/catalog/${file}`, import.meta.url),
  ];
  const found = candidates.find((url) => fs.existsSync(url));
  if (!found) {
    throw new FlotillaError(
      'INTERNAL',
      `${pkg} ${version}: the lock file src/catalog/${file} is missing; create it with scripts/lock-artifacts.mjs`,
    );
  }
  const lock = JSON.parse(fs.readFileSync(found, 'utf8')) as LockFile;
  if (!Array.isArray(lock.artifacts) || lock.artifacts.length === 0) {
    throw new FlotillaError('INTERNAL', `${pkg} ${version}: ${found.pathname} lists no artifacts`);
  }
  cache.set(key, lock);
  return lock;
}
