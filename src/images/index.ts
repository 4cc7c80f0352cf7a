/** Runtime images for the Docker driver: see README.md. */
export { buildBaseImage, debianMirror, ensureBaseImage } from './base.js';
export { pullImage, pullLine, pullTimeoutMs, type OnPull, type PullEvent, type PullResult } from './pull.js';
export { parseReference, registryCredentials } from './registry.js';
export { buildFromContext, imageExists, type BuildSpec, type OnProgress } from './build.js';
export { catalogImages, packageImage, type CatalogImage } from './catalog.js';
export { ensureImage, type EnsureOptions } from './ensure.js';
export { BASE_IMAGE, baseImage, CONTAINER_ARTIFACTS_DIR, CONTAINER_JAVA, containerBinary } from './layout.js';
export { listImages } from './list.js';
export { imageFor, type ImageRef } from './recipe.js';
