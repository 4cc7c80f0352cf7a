import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ArtifactResolver } from '../artifacts/resolver.js';
import type { Engine } from '../drivers/docker/engine.js';
import { ensureBaseImage } from './base.js';
import { buildDirectory, imageExists, type OnProgress, shareBuild } from './build.js';
import { contextPath, type ImageRef } from './recipe.js';

export interface EnsureOptions {
  /** The host's verified artifact cache, where the image's jars come from (fetched when missing). */
  artifactsDir: string;
  onProgress?: OnProgress;
  /** Where the Maven settings and FLOTILLA_DEBIAN_MIRROR are read from. */
  env?: NodeJS.ProcessEnv;
}

/**
 * The catalog image `ref` names, present on the engine when this returns: built (and its base
 * first) when missing. Concurrent calls for one tag share one build.
 */
export async function ensureImage(
  engine: Engine,
  ref: ImageRef,
  opts: EnsureOptions,
): Promise<{ name: string; built: boolean }> {
  if (await imageExists(engine, ref.name)) return { name: ref.name, built: false };
  const env = opts.env ?? process.env;
  await ensureBaseImage(engine, {
    base: ref.base,
    env,
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  await shareBuild(engine, ref.name, opts.onProgress, (progress) =>
    buildCatalogImage(engine, ref, { ...opts, env, onProgress: progress }),
  );
  return { name: ref.name, built: true };
}

async function buildCatalogImage(
  engine: Engine,
  ref: ImageRef,
  opts: EnsureOptions & { onProgress: OnProgress },
): Promise<void> {
  // Another process may have built it meanwhile (the CLI's `images build` and a deploy).
  if (await imageExists(engine, ref.name)) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-image-'));
  try {
    fs.writeFileSync(path.join(dir, 'Dockerfile'), ref.dockerfile);
    if (ref.artifacts.length > 0) {
      const resolver = new ArtifactResolver({
        cacheDir: opts.artifactsDir,
        ...(opts.env ? { env: opts.env } : {}),
      });
      const files = await resolver.ensure(ref.artifacts);
      ref.artifacts.forEach((a, i) => placeFile(files[i] as string, path.join(dir, contextPath(a))));
      opts.onProgress(`${ref.artifacts.length} verified artifacts from ${opts.artifactsDir}`);
    }
    await buildDirectory(engine, dir, ref.name, { onProgress: opts.onProgress, readable: true });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A hard link when the cache is on the same file system (no copy of hundreds of MB), else a copy. */
function placeFile(from: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  try {
    fs.linkSync(from, to);
  } catch {
    fs.copyFileSync(from, to);
  }
}
