import fs from 'node:fs';
import type { TaskUser } from '../../core/identity.js';
import { chownTree } from '../ownership.js';
import type { TaskConfig } from '../driver.js';
import type { Engine } from './engine.js';
import { EngineError } from './engine.js';
import { BUILTIN_NETWORKS, LABEL } from './state.js';

/**
 * The stack networks and named volumes tasks use: created with labels when missing, found again
 * by those labels to be removed. Containers come and go; these outlive them.
 */

const CALL_TIMEOUT_MS = 60_000;

interface VolumeInfo {
  Name: string;
  Mountpoint?: string;
  Labels: Record<string, string> | null;
  Options: Record<string, string> | null;
}

interface NetworkInfo {
  Id: string;
  Name: string;
  Created: string;
  Labels: Record<string, string> | null;
  Containers: Record<string, unknown> | null;
}

export function labelFilter(labels: Record<string, string>): string {
  return JSON.stringify({ label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) });
}

export function isStatus(err: unknown, ...statuses: number[]): boolean {
  return err instanceof EngineError && statuses.includes(err.status);
}

/** Network creations under way, per engine: the engine's own duplicate check does not hold under a race. */
const creating = new WeakMap<Engine, Map<string, Promise<void>>>();

/**
 * The stack's user-defined bridge, created when missing. Tasks of one stack start together, and
 * two concurrent creates of one name make two networks (Docker 20.10's CheckDuplicate is not
 * atomic), after which the name is ambiguous: creations are serialized per name, and duplicates
 * left by an earlier race are removed.
 */
export async function ensureNetwork(engine: Engine, config: TaskConfig, daemonId: string): Promise<void> {
  const c = config.container;
  if (!c || c.hostNetwork) return;
  let pending = creating.get(engine);
  if (!pending) creating.set(engine, (pending = new Map()));
  const running = pending.get(c.network.name);
  if (running) return running;
  const labels = { ...c.network.labels, [LABEL.daemon]: daemonId };
  const created = createNetwork(engine, c.network.name, labels).finally(() => pending.delete(c.network.name));
  pending.set(c.network.name, created);
  return created;
}

async function createNetwork(engine: Engine, name: string, labels: Record<string, string>): Promise<void> {
  // The name filter matches substrings: keep the exact ones.
  const found = await engine.json<NetworkInfo[]>({
    path: '/networks',
    query: { filters: JSON.stringify({ name: [name] }) },
    timeoutMs: CALL_TIMEOUT_MS,
  });
  const same = found.filter((n) => n.Name === name);
  if (same.length > 1) await removeDuplicates(engine, same);
  if (same.length > 0) return;
  try {
    await engine.json({
      method: 'POST',
      path: '/networks/create',
      body: { Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: labels },
      timeoutMs: CALL_TIMEOUT_MS,
    });
  } catch (err) {
    // Another process created it meanwhile.
    if (!isStatus(err, 409)) throw err;
  }
}

/** Of networks sharing a name, keeps one (in use, else the oldest); the others go unless in use. */
async function removeDuplicates(engine: Engine, same: NetworkInfo[]): Promise<void> {
  const inspected: NetworkInfo[] = [];
  for (const n of same) {
    const net = await engine
      .json<NetworkInfo>({ path: `/networks/${n.Id}`, timeoutMs: CALL_TIMEOUT_MS })
      .catch(() => null);
    if (net) inspected.push(net);
  }
  const used = (n: NetworkInfo): boolean => Object.keys(n.Containers ?? {}).length > 0;
  inspected.sort(
    (a, b) => Number(used(b)) - Number(used(a)) || Date.parse(a.Created) - Date.parse(b.Created),
  );
  for (const n of inspected.slice(1)) {
    if (used(n)) continue;
    await engine
      .json({ method: 'DELETE', path: `/networks/${n.Id}`, timeoutMs: CALL_TIMEOUT_MS })
      .catch(() => undefined);
  }
}

/** Removes the networks, among `names`, that this daemon made and that no container is attached to. */
export async function removeIdleNetworks(engine: Engine, names: string[], daemonId: string): Promise<void> {
  for (const name of names) {
    if (BUILTIN_NETWORKS.has(name)) continue;
    try {
      const net = await engine.json<NetworkInfo>({
        path: `/networks/${encodeURIComponent(name)}`,
        timeoutMs: CALL_TIMEOUT_MS,
      });
      if (net.Labels?.[LABEL.daemon] !== daemonId) continue;
      if (Object.keys(net.Containers ?? {}).length > 0) continue;
      await engine.json({ method: 'DELETE', path: `/networks/${net.Id}`, timeoutMs: CALL_TIMEOUT_MS });
    } catch {
      // Gone already, or a task joined it meanwhile: either way it is not ours to remove now.
    }
  }
}

/** This daemon's networks with no container attached, removed (after a sweep). */
export async function removeAllIdleNetworks(engine: Engine, daemonId: string): Promise<void> {
  const nets = await engine.json<NetworkInfo[]>({
    path: '/networks',
    query: { filters: labelFilter({ [LABEL.daemon]: daemonId }) },
    timeoutMs: CALL_TIMEOUT_MS,
  });
  await removeIdleNetworks(
    engine,
    nets.map((n) => n.Name),
    daemonId,
  );
}

/**
 * The task's data volume (a bind of <sandbox>/data, so its files stay where the sandbox is) and
 * the stack volumes it mounts, created when missing.
 */
export async function ensureVolumes(
  engine: Engine,
  config: TaskConfig,
  daemonId: string,
  stackVolumes: string[],
  warn: (message: string) => void,
): Promise<void> {
  const c = config.container;
  if (!c) return;
  const common = { ...c.labels, [LABEL.daemon]: daemonId, [LABEL.volumePrefix]: c.volumePrefix };
  if (c.dataVolume) {
    const device = `${config.sandbox}/data`;
    const existing = await inspectVolume(engine, c.dataVolume);
    if (!existing) {
      await createVolume(engine, c.dataVolume, {
        labels: { ...common, [LABEL.task]: config.taskKey, [LABEL.sandbox]: config.sandbox },
        options: { type: 'none', o: 'bind', device },
      });
    } else if (existing.Options?.device && existing.Options.device !== device) {
      warn(
        `Volume ${c.dataVolume} of task ${config.taskKey} binds ${existing.Options.device}, not ${device}; ` +
          'it is used as it is (purge the task to start afresh).',
      );
    }
  }
  for (const name of stackVolumes) {
    if (!(await inspectVolume(engine, name))) await createVolume(engine, name, { labels: common });
  }
}

/**
 * A tenant's container runs as the tenant's user, and a named volume the engine made is root's (with
 * what the image had at its path, copied in when the container was created): it is given to the
 * tenant, once, before the container starts. The volume's name is scoped to the tenant's stack.
 */
export async function ownVolumes(engine: Engine, names: string[], user: TaskUser): Promise<void> {
  for (const name of names) {
    const dir = (await inspectVolume(engine, name))?.Mountpoint;
    if (dir && fs.statSync(dir).uid !== user.uid) chownTree(dir, user);
  }
}

async function inspectVolume(engine: Engine, name: string): Promise<VolumeInfo | null> {
  try {
    return await engine.json<VolumeInfo>({
      path: `/volumes/${encodeURIComponent(name)}`,
      timeoutMs: CALL_TIMEOUT_MS,
    });
  } catch (err) {
    if (isStatus(err, 404)) return null;
    throw err;
  }
}

async function createVolume(
  engine: Engine,
  name: string,
  spec: { labels: Record<string, string>; options?: Record<string, string> },
): Promise<void> {
  // Creating a volume that exists answers with it: a concurrent create is harmless.
  await engine.json({
    method: 'POST',
    path: '/volumes/create',
    body: { Name: name, Driver: 'local', DriverOpts: spec.options ?? {}, Labels: spec.labels },
    timeoutMs: CALL_TIMEOUT_MS,
  });
}

async function listVolumes(engine: Engine, labels: Record<string, string>): Promise<VolumeInfo[]> {
  const answer = await engine.json<{ Volumes: VolumeInfo[] | null }>({
    path: '/volumes',
    query: { filters: labelFilter(labels) },
    timeoutMs: CALL_TIMEOUT_MS,
  });
  return answer.Volumes ?? [];
}

/**
 * Removes the task's data volume, then tries the volumes of its stack (same prefix label): those
 * still in use by another task stay, and go with the purge of the last one.
 */
export async function purgeVolumes(engine: Engine, taskKey: string, daemonId: string): Promise<string[]> {
  const own = await listVolumes(engine, { [LABEL.daemon]: daemonId, [LABEL.task]: taskKey });
  const removed: string[] = [];
  const prefixes = new Set<string>();
  for (const v of own) {
    const prefix = v.Labels?.[LABEL.volumePrefix];
    if (prefix !== undefined) prefixes.add(prefix);
    await removeVolume(engine, v.Name, false);
    removed.push(v.Name);
  }
  for (const prefix of prefixes) {
    for (const v of await listVolumes(engine, { [LABEL.daemon]: daemonId, [LABEL.volumePrefix]: prefix })) {
      if (v.Labels?.[LABEL.task] !== undefined) continue;
      if (await removeVolume(engine, v.Name, true)) removed.push(v.Name);
    }
  }
  return removed;
}

async function removeVolume(engine: Engine, name: string, ignoreInUse: boolean): Promise<boolean> {
  try {
    await engine.json({
      method: 'DELETE',
      path: `/volumes/${encodeURIComponent(name)}`,
      timeoutMs: CALL_TIMEOUT_MS,
    });
    return true;
  } catch (err) {
    if (isStatus(err, 404)) return false;
    if (ignoreInUse && isStatus(err, 409)) return false;
    throw err;
  }
}
