import fs from 'node:fs';
import { allCredentials, dockerConfigPath, type DockerConfig } from '../core/docker-config.js';
import type { RegistryAuth } from '../core/request-schemas.js';
import { UsageError } from './errors.js';

/**
 * The calling user's registry credentials, as `docker login` wrote them in their config.json
 * ($DOCKER_CONFIG, else ~/.docker): sent with `up` and `images pull`, so that a daemon run by another
 * user (root, a service) pulls what this user may pull, as dockerd pulls with the docker CLI's
 * credentials. Only what config.json holds itself; a credential helper's are not read here.
 */
export function callerRegistryAuth(env: NodeJS.ProcessEnv = process.env): { registryAuth?: RegistryAuth } {
  const file = dockerConfigPath(env);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  let config: DockerConfig;
  try {
    config = JSON.parse(text) as DockerConfig;
  } catch (err) {
    throw new UsageError(
      `${file} is not valid JSON (${(err as Error).message}): fix it, or point DOCKER_CONFIG elsewhere`,
    );
  }
  const auths = allCredentials(config);
  return Object.keys(auths).length > 0 ? { registryAuth: auths } : {};
}
