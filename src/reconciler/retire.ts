import { sandboxPath } from '../core/paths.js';
import { taskKey } from '../core/keys.js';
import type { TaskRecord, TaskState } from '../core/task.js';
import { purgeSandbox } from './sandbox.js';
import type { SupervisorDeps } from './supervisor.js';
import type { TaskStates } from './task-states.js';
import { stopBlocker } from './teardown.js';

export interface RetireContext extends SupervisorDeps {
  states: TaskStates;
  /** Why the supervisor stops a task on purpose, so its exit is not counted as a failure. */
  stopping: Map<string, { state: TaskState; message: string; failure: boolean }>;
  now: () => number;
}

/**
 * Stops a task that is no longer wanted (removed, purged or stopped) and, unless it is only stopped,
 * forgets it. Tasks that go together stop in order: dependents first, then the package's own order
 * within a service (teardown.ts); a task that must wait is looked at again when one ahead of it stops.
 */
export async function retire(c: RetireContext, key: string, t: TaskRecord, alive: boolean): Promise<void> {
  if (alive) {
    const tasks = c.store.tasks.list(t.tenant);
    const running = (x: TaskRecord) => c.driver.inspectTask(taskKey(x.tenant, x.id))?.running ?? false;
    if (stopBlocker(t, tasks, running)) return c.queue().addAfter(key, 1000);
    // Its data goes next: a clean stop would protect nothing, and costs the machine seconds of CPU.
    const kill = t.desired === 'purged' && t.spec.killOnPurge === true;
    c.stopping.set(key, { state: 'killed', message: 'stopped on request', failure: false });
    if (kill) await c.driver.stopTask(key, 0, 'SIGKILL');
    else await c.driver.stopTask(key, t.spec.killGracePeriodSeconds * 1000);
    for (const x of tasks)
      if (x.id !== t.id && x.desired !== 'running') c.queue().add(taskKey(x.tenant, x.id));
  }
  c.health.stop(key);
  if (t.desired === 'stopped') {
    if (t.state !== 'killed') c.states.set(t, 'killed', 'stopped on request');
    return;
  }
  await c.driver.destroyTask(key).catch(() => undefined);
  if (t.desired === 'purged' && t.spec.container) await c.driver.purgeTask?.(key);
  if (redeclared(c, key, t)) return;
  c.store.tasks.remove(t.tenant, t.id);
  if (t.desired === 'purged') purgeSandbox(sandboxPath(c.paths, t.tenant, t.owner, t.name));
  const purged = t.desired === 'purged';
  c.events.publish(t.tenant, 'task_removed', t.id, { task: t.id, owner: t.owner, purged }, c.now());
}

/** Declared again while it was being stopped (`down`, then `up`): launched afresh, not forgotten. */
function redeclared(c: RetireContext, key: string, t: TaskRecord): boolean {
  const now = c.store.tasks.get(t.tenant, t.id);
  if (now?.desired !== 'running') return false;
  c.queue().add(key);
  return true;
}
