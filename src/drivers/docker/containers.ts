import { FlotillaError } from '../../core/errors.js';
import type { TaskConfig } from '../driver.js';
import type { Engine } from './engine.js';
import { EngineError } from './engine.js';
import { ensureNetwork, isStatus, labelFilter } from './resources.js';
import type { CreateBody } from './spec.js';
import type { ContainerInfo } from './state.js';
import { LABEL } from './state.js';

/** The container calls of the Engine API the driver makes, with its errors turned into coded ones. */

const CALL_TIMEOUT_MS = 60_000;

/** null when there is no such container. */
export async function inspectContainer(engine: Engine, idOrName: string): Promise<ContainerInfo | null> {
  try {
    return await engine.json<ContainerInfo>({
      path: `/containers/${encodeURIComponent(idOrName)}/json`,
      timeoutMs: CALL_TIMEOUT_MS,
    });
  } catch (err) {
    if (isStatus(err, 404)) return null;
    throw err;
  }
}

/** Kills it if need be; gone already is fine. */
export async function removeContainer(engine: Engine, id: string): Promise<void> {
  try {
    await engine.json({
      method: 'DELETE',
      path: `/containers/${id}`,
      query: { force: 1 },
      timeoutMs: CALL_TIMEOUT_MS,
    });
  } catch (err) {
    // 409: a removal already in progress.
    if (!isStatus(err, 404, 409)) throw err;
  }
}

export async function listContainers(
  engine: Engine,
  labels: Record<string, string>,
): Promise<{ Id: string; Labels: Record<string, string> | null }[]> {
  return engine.json({
    path: '/containers/json',
    query: { all: 1, filters: labelFilter(labels) },
    timeoutMs: CALL_TIMEOUT_MS,
  });
}

/** The container of a launch whose id was never recorded. */
export async function findLaunch(
  engine: Engine,
  daemonId: string,
  launchId: string,
): Promise<ContainerInfo | null> {
  const [found] = await listContainers(engine, { [LABEL.daemon]: daemonId, [LABEL.launchId]: launchId });
  return found ? inspectContainer(engine, found.Id) : null;
}

/** Creates the container on its stack network (made when missing); returns its id. */
export async function createContainer(
  engine: Engine,
  name: string,
  body: CreateBody,
  config: TaskConfig,
  daemonId: string,
  warn: (message: string) => void,
): Promise<string> {
  // The caller made sure of the network; a second attempt makes it again if it went meanwhile.
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) await ensureNetwork(engine, config, daemonId);
    try {
      const created = await engine.json<{ Id: string; Warnings: string[] | null }>({
        method: 'POST',
        path: '/containers/create',
        query: { name },
        body,
        timeoutMs: CALL_TIMEOUT_MS,
      });
      for (const warning of created.Warnings ?? []) warn(`Task ${config.taskKey}: ${warning}`);
      return created.Id;
    } catch (err) {
      if (!(err instanceof EngineError)) throw err;
      // The stack's network went with the destroy of its last other task meanwhile.
      if (err.status === 404 && /network/i.test(err.message) && attempt === 0) continue;
      throw createError(err, body.Image, config.taskKey);
    }
  }
}

/**
 * docker-init is what the engine execs, so a program missing from the image is init's exit 127
 * (its reason in stderr), not a start error. A container that cannot start is removed.
 */
export async function startContainer(engine: Engine, id: string, taskKey: string): Promise<void> {
  try {
    await engine.json({ method: 'POST', path: `/containers/${id}/start`, timeoutMs: CALL_TIMEOUT_MS });
  } catch (err) {
    await removeContainer(engine, id).catch(() => {});
    if (!(err instanceof EngineError)) throw err;
    throw new FlotillaError(
      'VALIDATION_FAILED',
      `Task ${taskKey}: the engine could not start it: ${err.message}`,
    );
  }
}

function createError(err: EngineError, image: string, taskKey: string): Error {
  if (err.status === 404 && /no such image/i.test(err.message)) {
    return new FlotillaError(
      'IMAGE_MISSING',
      `Image ${image} of task ${taskKey} is not on this Docker engine.`,
      {
        engine: err.message,
      },
    );
  }
  if (err.status === 409) return new FlotillaError('NAME_CONFLICT', `Task ${taskKey}: ${err.message}`);
  if (err.status === 400 || err.status === 404) {
    return new FlotillaError(
      'VALIDATION_FAILED',
      `Task ${taskKey}: the engine refused the container: ${err.message}`,
    );
  }
  return err;
}
