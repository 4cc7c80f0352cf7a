/**
 * Where things live inside a catalog runtime image. The catalog renders launch specs for containers
 * with these paths, exactly as it renders them for host processes with the host's paths: the image
 * keeps the jars at the same relative layout as the host's verified cache (`cachePath`).
 */

/** The verified jars of the image's lock, as `cachePath(CONTAINER_ARTIFACTS_DIR, artifact)`. */
export const CONTAINER_ARTIFACTS_DIR = '/opt/flotilla/artifacts';

/** Debian's alternatives link to the one JRE the image installs. */
export const CONTAINER_JAVA = '/usr/bin/java';

/** A program the image installed from a Debian package: Debian puts servers' commands in /usr/bin. */
export function containerBinary(name: string): string {
  return `/usr/bin/${name}`;
}

/** The base every catalog image starts from, unless FLOTILLA_BASE_IMAGE names another. */
export const BASE_IMAGE = 'flotilla/base:bookworm';

/** The Debian release of the base, and the one Java its main archive carries. */
export const DEBIAN_SUITE = 'bookworm';
export const DEBIAN_JAVA = 17;

/** Repository of the images Flotilla builds (`flotilla images list` shows these). */
export const IMAGE_REPOSITORY_PREFIX = 'flotilla/';

/** The base image to build on: the user's choice, else ours. */
export function baseImage(env: NodeJS.ProcessEnv = process.env): string {
  return env.FLOTILLA_BASE_IMAGE || BASE_IMAGE;
}
