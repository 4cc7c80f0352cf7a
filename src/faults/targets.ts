import fs from 'node:fs';
import { FlotillaError } from '../core/errors.js';
import type { FaultPick, FaultRequest } from '../core/fault.js';
import { ALIVE_STATES, type TaskRecord } from '../core/task.js';
import type { Endpoint } from './netfilter.js';

/** What the engine reads of the store: a tenant's tasks, one by id or by owner. */
export interface TaskLookup {
  get(tenant: string, id: string): TaskRecord | null;
  byOwner(tenant: string, owner: string): TaskRecord[];
}

/**
 * The tasks a fault hits: `tasks` by id, or the tasks of `service`, narrowed by `pick` (a network
 * fault's first side, when it names a service).
 * Only the tenant's own tasks can be named: another tenant's are not found.
 */
export function pickTasks(
  tasks: TaskLookup,
  tenant: string,
  req: FaultRequest,
  random: () => number,
  leaderOf?: (candidates: TaskRecord[]) => TaskRecord | null,
): TaskRecord[] {
  // A task between two runs (a kill's relaunch under way, a backoff) has no process to fault.
  const candidates = candidatesOf(tasks, tenant, req).filter(
    (t) => t.desired === 'running' && (t.handle?.pid ?? 0) > 0 && ALIVE_STATES.has(t.state),
  );
  if (candidates.length === 0)
    throw new FlotillaError('FAULT_INVALID', 'none of the tasks named runs now: nothing to fault');
  const pick: FaultPick = req.pick ?? (req.tasks ? 'all' : 'one');
  const shuffled = shuffle(candidates, random);
  switch (pick) {
    case 'all':
      return candidates;
    case 'one':
      return [candidates[0]!];
    case 'random':
      return [shuffled[0]!];
    case 'majority':
      return shuffled.slice(0, Math.floor(candidates.length / 2) + 1);
    case 'leader': {
      const leader = leaderOf?.(candidates) ?? null;
      if (!leader)
        throw new FlotillaError(
          'FAULT_UNSUPPORTED',
          'pick: leader — no leader could be named among these tasks (docs/failure-lab.md says for which packages)',
        );
      return [leader];
    }
  }
}

function candidatesOf(tasks: TaskLookup, tenant: string, req: FaultRequest): TaskRecord[] {
  if (req.tasks && req.tasks.length > 0) return req.tasks.map((id) => needTask(tasks, tenant, id));
  if (req.service) {
    const owned = tasks.byOwner(tenant, req.service);
    if (owned.length === 0)
      throw new FlotillaError('SERVICE_NOT_FOUND', `no service or app named ${req.service} has tasks`);
    return owned;
  }
  throw new FlotillaError('FAULT_INVALID', `${req.kind}: name the tasks (tasks) or a service (service)`);
}

/** Whether the task runs in a container (the Docker driver, named or the daemon's default). */
export function inContainer(t: TaskRecord): boolean {
  return t.spec.driver === 'docker' || t.handle?.containerId !== undefined;
}

/**
 * Whether the task has a network namespace of its own: a container, unless on the host's network
 * (which network faults reach as they reach a process task, by its address on `lo`).
 */
export function ownNetns(t: TaskRecord): boolean {
  return inContainer(t) && t.spec.container?.hostNetwork !== true;
}

export function needTask(tasks: TaskLookup, tenant: string, id: string): TaskRecord {
  const t = tasks.get(tenant, id);
  if (!t) throw new FlotillaError('TASK_NOT_FOUND', `no task ${id}`);
  return t;
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * A task as a rule names it: its v2 cgroup (from its process, read now; null while it is down) and
 * its address and ports.
 */
export function endpointOf(t: TaskRecord): Endpoint {
  return { task: t.id, cgroup: t.handle ? v2CgroupOf(t.handle.pid) : null, host: t.host, ports: t.ports };
}

/** The process's cgroup in the unified hierarchy, relative to its root, without the leading slash. */
const TASK_CGROUP = /(^|\/)flotilla\/[0-9a-f]{12}\/[^/]+\/[^/]+$/;

export function v2CgroupOf(pid: number): string | null {
  try {
    const line = fs
      .readFileSync(`/proc/${pid}/cgroup`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('0::'));
    const p = line?.slice(3).replace(/^\/+/, '') ?? '';
    // Only a task's own directory (…/flotilla/<home hash>/<tenant>/<task>) may be a rule's source:
    // a shared one (the root, a slice) would name other processes too.
    return TASK_CGROUP.test(p) ? p : null;
  } catch {
    return null;
  }
}
