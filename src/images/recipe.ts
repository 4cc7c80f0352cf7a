import { createHash } from 'node:crypto';
import path from 'node:path';
import { coordinates } from '../artifacts/fetch.js';
import type { PackageDefinition, PlacedTask, RenderContext } from '../catalog/package.js';
import { cachePath, type LockedArtifact } from '../core/artifact.js';
import { FlotillaError } from '../core/errors.js';
import type { LaunchSpec } from '../core/task.js';
import {
  baseImage,
  CONTAINER_ARTIFACTS_DIR,
  CONTAINER_JAVA,
  containerBinary,
  DEBIAN_JAVA,
  IMAGE_REPOSITORY_PREFIX,
} from './layout.js';

/** What a catalog runtime image is made of, and the tag that names exactly that content. */
export interface ImageRef {
  /** `flotilla/<package>:<version>-<hash12>`. */
  name: string;
  package: string;
  version: string;
  /** The image it is built FROM. */
  base: string;
  dockerfile: string;
  /** The Debian packages its one RUN line installs, sorted. */
  debianPackages: string[];
  /** The verified jars copied to `cachePath(CONTAINER_ARTIFACTS_DIR, a)`. */
  artifacts: LockedArtifact[];
}

/** Health scripts and start scripts use bash; `pgrep`/`ps` come with procps. */
const ALWAYS = ['bash', 'procps'];

/**
 * The image a package's tasks run from under the Docker driver, for these options. No I/O (the base
 * defaults to FLOTILLA_BASE_IMAGE, else ours): the same package, options and base give the same
 * name, and any change to the Debian packages, the base or the lock's jars gives another tag, so a
 * stale image is never reused.
 */
export function imageFor(
  pkg: PackageDefinition,
  options: Record<string, unknown>,
  opts: { base?: string } = {},
): ImageRef {
  if (pkg.noContainers)
    throw new FlotillaError(
      'DRIVER_UNSUPPORTED',
      `${pkg.name} ${pkg.version} has no image: ${pkg.noContainers}`,
    );
  const base = opts.base ?? baseImage();
  const specs = dryRender(pkg, options);
  const needsRuntime = Object.values(specs).find((s) => s.runtime)?.runtime;
  if (needsRuntime) {
    throw new FlotillaError(
      'DRIVER_UNSUPPORTED',
      `${pkg.name} ${pkg.version} runs from a ${needsRuntime.kind} runtime prepared under the host's ` +
        'artifact cache, which Flotilla cannot put in an image yet: run it with the process driver ' +
        '(driver: process).',
    );
  }
  const debianPackages = [...new Set([...ALWAYS, ...binaryPackages(pkg), ...javaPackages(pkg)])].sort();
  const artifacts = imageArtifacts(pkg, options, specs);
  const dockerfile = renderDockerfile({ pkg, base, debianPackages, withArtifacts: artifacts.length > 0 });
  const hash = createHash('sha256').update(dockerfile);
  for (const a of artifacts) hash.update(`\n${coordinates(a)} ${a.sha256}`);
  const tag = `${pkg.version}-${hash.digest('hex').slice(0, 12)}`;
  return {
    name: `${IMAGE_REPOSITORY_PREFIX}${pkg.name}:${tag}`,
    package: pkg.name,
    version: pkg.version,
    base,
    dockerfile,
    debianPackages,
    artifacts,
  };
}

/** The Debian package of each program the package declares, read from its install hint. */
export function binaryPackages(pkg: PackageDefinition): string[] {
  return pkg.binaries
    .map((b) => {
      const found = aptPackages(b.install);
      if (found.length === 0) {
        throw new FlotillaError(
          'DRIVER_UNSUPPORTED',
          `${pkg.name} ${pkg.version} needs ${b.name}, which installs with "${b.install}", not from a Debian ` +
            'package: Flotilla cannot put it in an image; run the package with the process driver.',
        );
      }
      return found;
    })
    .flat();
}

/** `sudo apt-get install -y redis-server` → ['redis-server']; anything else → []. */
export function aptPackages(install: string): string[] {
  const words = install.trim().split(/\s+/);
  const at = words.findIndex((w, i) => w === 'install' && /^apt(-get)?$/.test(words[i - 1] ?? ''));
  if (at < 0) return [];
  return words.slice(at + 1).filter((w) => !w.startsWith('-') && /^[a-z0-9][a-z0-9+.-]+$/.test(w));
}

/** The JRE of the Debian release when the package's range allows it, else the range's minimum. */
export function javaPackages(pkg: PackageDefinition): string[] {
  if (!pkg.jvm) return [];
  const { min, max } = pkg.jvm.javaMajor;
  const major = min <= DEBIAN_JAVA && (max === undefined || DEBIAN_JAVA <= max) ? DEBIAN_JAVA : min;
  return [`openjdk-${major}-jre-headless`];
}

/** The lock's jars, and any other jar a launch spec asks for, once each, in lock order. */
function imageArtifacts(
  pkg: PackageDefinition,
  options: Record<string, unknown>,
  specs: Record<string, LaunchSpec>,
): LockedArtifact[] {
  const all = [
    ...(pkg.jvm?.lock(options).artifacts ?? []),
    ...Object.values(specs).flatMap((s) => s.artifacts ?? []),
  ];
  const seen = new Set<string>();
  return all.filter((a) => !seen.has(a.sha256) && seen.add(a.sha256));
}

/**
 * Renders the package as it would run in containers, to learn what its tasks need beyond programs
 * and jars (a runtime). The placement is made up: only the shape of the specs matters here.
 */
function dryRender(pkg: PackageDefinition, options: Record<string, unknown>): Record<string, LaunchSpec> {
  let nextPort = 20000;
  const tasks: PlacedTask[] = pkg.layout(options).map((slot, i) => ({
    ...slot,
    // As a container sees it: its DNS name on the stack's network, listening on every address.
    host: `${slot.name}.image.flotilla`,
    bindHost: '0.0.0.0',
    publicHost: `127.0.1.${i + 1}`,
    ports: slot.ports.map((p) => (p > 0 ? p : nextPort++)),
    sandbox: `/flotilla/sandboxes/${slot.name}`,
  }));
  const lock = pkg.jvm?.lock(options);
  const ctx: RenderContext = {
    service: 'image',
    tenant: 'flotilla',
    options,
    tasks,
    binaries: Object.fromEntries(pkg.binaries.map((b) => [b.name, containerBinary(b.name)])),
    artifactsDir: CONTAINER_ARTIFACTS_DIR,
    state: {},
    ...(lock
      ? { java: CONTAINER_JAVA, classpath: lock.artifacts.map((a) => cachePath(CONTAINER_ARTIFACTS_DIR, a)) }
      : {}),
  };
  return pkg.render(ctx);
}

function renderDockerfile(i: {
  pkg: PackageDefinition;
  base: string;
  debianPackages: string[];
  withArtifacts: boolean;
}): string {
  const label = (k: string, v: string) => `${k}=${JSON.stringify(v)}`;
  const lines = [
    `# ${IMAGE_REPOSITORY_PREFIX}${i.pkg.name} ${i.pkg.version}, written by Flotilla (src/images/recipe.ts).`,
    `FROM ${i.base}`,
    // The same RUN line for every package with the same programs, so the layer is built once and
    // shared (every JVM package of one Java); the labels come last for the same reason.
    'RUN apt-get update \\',
    ` && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${i.debianPackages.join(' ')} \\`,
    ' && rm -rf /var/lib/apt/lists/*',
  ];
  if (i.withArtifacts) lines.push(`COPY artifacts/ ${CONTAINER_ARTIFACTS_DIR}/`);
  lines.push(
    `LABEL ${label('io.flotilla.package', i.pkg.name)} ${label('io.flotilla.version', i.pkg.version)}`,
  );
  return `${lines.join('\n')}\n`;
}

/** Where an artifact goes in a build context whose `artifacts/` is copied to CONTAINER_ARTIFACTS_DIR. */
export function contextPath(a: LockedArtifact): string {
  return path.posix.join(
    'artifacts',
    path.posix.relative(CONTAINER_ARTIFACTS_DIR, cachePath(CONTAINER_ARTIFACTS_DIR, a)),
  );
}
