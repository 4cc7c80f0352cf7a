/**
 * The Docker CLI's config.json (`docker login` writes it): which credentials it holds for a registry.
 * Read by the daemon for its own pulls and by the CLI, which sends its user's with a request.
 */

import os from 'node:os';
import path from 'node:path';

/** Where the Docker CLI keeps config.json: $DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker');
  return path.join(dir, 'config.json');
}

/** Docker Hub, as image references name it when they name no registry. */
export const DOCKER_HUB = 'docker.io';
/** The key `docker login` writes Docker Hub's credentials under in config.json. */
const HUB_AUTH_KEY = 'https://index.docker.io/v1/';

/** The username and password for a registry, as `docker login` stored them. */
export interface RegistryCredentials {
  username: string;
  password: string;
  serveraddress: string;
}

export interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** `https://host:5000/v1/`, `host:5000` → `host:5000`; Docker Hub's spellings → docker.io. */
export function registryHost(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  return ['index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com'].includes(host)
    ? DOCKER_HUB
    : host;
}

/**
 * What config.json says of `registry`: the credentials of its `auths` entry (a base64 `user:password`,
 * or its username and password); else the credential helper that keeps them (`credHelpers`, or
 * `credsStore` for a registry with an entry); else nothing (anonymous).
 */
export function credentialsIn(
  config: DockerConfig,
  registry: string,
): { credentials: RegistryCredentials } | { helper: string } | null {
  const serveraddress = registry === DOCKER_HUB ? HUB_AUTH_KEY : registry;
  const entry = Object.entries(config.auths ?? {}).find(([k]) => registryHost(k) === registry)?.[1];
  if (entry?.auth) {
    const plain = Buffer.from(entry.auth, 'base64').toString('utf8');
    const sep = plain.indexOf(':');
    if (sep > 0)
      return {
        credentials: { username: plain.slice(0, sep), password: plain.slice(sep + 1), serveraddress },
      };
  }
  if (entry?.username && entry.password)
    return { credentials: { username: entry.username, password: entry.password, serveraddress } };
  const helper =
    Object.entries(config.credHelpers ?? {}).find(([k]) => registryHost(k) === registry)?.[1] ??
    (entry ? config.credsStore : undefined);
  return helper ? { helper } : null;
}

/** Every registry's credentials written in config.json itself, by registry host: what a CLI sends. */
export function allCredentials(config: DockerConfig): Record<string, RegistryCredentials> {
  const out: Record<string, RegistryCredentials> = {};
  for (const key of Object.keys(config.auths ?? {})) {
    const registry = registryHost(key);
    const found = credentialsIn(config, registry);
    if (found && 'credentials' in found) out[registry] = found.credentials;
  }
  return out;
}
