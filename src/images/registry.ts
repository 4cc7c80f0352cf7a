import fs from 'node:fs';
import {
  credentialsIn,
  dockerConfigPath,
  DOCKER_HUB,
  type DockerConfig,
  type RegistryCredentials,
} from '../core/docker-config.js';
import { FlotillaError } from '../core/errors.js';

export { DOCKER_HUB, type RegistryCredentials } from '../core/docker-config.js';

export interface ImageReference {
  /** The registry's host[:port]: the first path component when it has a dot or a colon, or is localhost. */
  registry: string;
  /** The repository inside it (`library/redis` for Docker Hub's official `redis`). */
  repository: string;
  /** The tag (`latest` when none), or unset when a digest pins the image. */
  tag?: string;
  digest?: string;
}

/** Splits a reference as the Docker CLI's normalisation does (distribution/reference's ParseNormalizedNamed). */
export function parseReference(ref: string): ImageReference {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf('/');
  const first = slash < 0 ? '' : rest.slice(0, slash);
  const named = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = named ? first : DOCKER_HUB;
  let repository = named ? rest.slice(slash + 1) : rest;
  if (!named && !repository.includes('/')) repository = `library/${repository}`;
  return {
    registry,
    repository,
    ...(digest ? { digest } : { tag: tag ?? 'latest' }),
  };
}

/**
 * The credentials config.json holds for `registry`: an `auths` entry's base64 `user:password` (or
 * its username and password). A credential helper (`credsStore`, `credHelpers`) is not run: when it
 * is the only place the registry's credentials can be, that is a coded error rather than a silent
 * anonymous pull. No file, or no entry: anonymous (undefined).
 */
export function registryCredentials(
  registry: string,
  env: NodeJS.ProcessEnv = process.env,
): RegistryCredentials | undefined {
  const file = dockerConfigPath(env);
  let config: DockerConfig;
  try {
    config = JSON.parse(fs.readFileSync(file, 'utf8')) as DockerConfig;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FlotillaError(
      'REGISTRY_AUTH_UNSUPPORTED',
      `${file} cannot be read: ${(err as Error).message}`,
      {
        registry,
        file,
      },
    );
  }
  const found = credentialsIn(config, registry);
  if (found && 'credentials' in found) return found.credentials;
  const helper = found?.helper;
  if (helper) {
    throw new FlotillaError(
      'REGISTRY_AUTH_UNSUPPORTED',
      `the credentials for ${registry} are kept by the credential helper docker-credential-${helper} ` +
        `(${file}), which Flotilla does not run`,
      { registry, helper, file },
    );
  }
  return undefined;
}

/** The X-Registry-Auth header the Engine API takes: URL-safe base64 of the credentials' JSON. */
export function registryAuthHeader(creds: RegistryCredentials | undefined): Record<string, string> {
  if (!creds) return {};
  return { 'X-Registry-Auth': urlBase64(JSON.stringify(creds)) };
}

/** URL-safe base64 with its padding: Docker 20.10 decodes with Go's base64.URLEncoding, which requires it. */
export function urlBase64(text: string): string {
  return Buffer.from(text).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}
