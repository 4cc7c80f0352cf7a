import { taskKey } from '../core/keys.js';
import { isTaskReady, type TaskRecord, type TaskState } from '../core/task.js';
import type { Store } from '../state/store.js';
import { waitingOn } from './dependencies.js';
import type { Driver } from '../drivers/driver.js';
import type { EventBus } from './events.js';
import type { StartPolicyOf } from './start-order.js';
import type { WorkQueue } from './queue.js';

export interface TaskStatesDeps {
  store: Store;
  events: EventBus;
  queue: () => WorkQueue;
  now: () => number;
  /** Called when every task of an owner has become ready (packages run their post-ready steps). */
  onOwnerReady?: (tenant: string, owner: string) => void;
  /** What packages say about their starts: siblings wait for a first-starting task's moves. */
  startPolicy?: StartPolicyOf;
  /** Told when a task becomes ready: what its start was given ends (Driver.taskReady). */
  driver?: Pick<Driver, 'taskReady'>;
}

/** How the supervisor changes a task's state: the row, the task_state event, who waited for its owner. */
export class TaskStates {
  constructor(private readonly d: TaskStatesDeps) {}

  /** Writes the state and message; publishes an event when either changed. Returns the task as written. */
  set(t: TaskRecord, state: TaskState, message: string | null): TaskRecord {
    const now = this.d.now();
    const previous = this.d.store.tasks.get(t.tenant, t.id);
    if (!previous) return t;
    // A resync finds thousands of tasks as they were (waiting on a dependency): no write for them.
    if (previous.state === state && previous.message === message) return previous;
    this.d.store.tasks.update(t.tenant, t.id, { state, message }, now);
    this.d.events.publish(
      t.tenant,
      'task_state',
      t.id,
      {
        task: t.id,
        owner: t.owner,
        state,
        previous: previous.state,
        message,
        exitCode: this.d.store.tasks.get(t.tenant, t.id)?.exitCode ?? null,
      },
      now,
    );
    if (previous.state !== state && (state === 'healthy' || state === 'running'))
      this.d.driver?.taskReady?.(taskKey(t.tenant, t.id));
    if (previous.state !== state && this.d.startPolicy?.(t).firstRole === t.role) this.wakeSiblings(t);
    return { ...previous, state, message };
  }

  /** After `t` became ready (or finished): its owner may be ready, and tasks waiting for it may launch. */
  wakeDependents(t: TaskRecord): void {
    const siblings = this.d.store.tasks.byOwner(t.tenant, t.owner).filter((s) => s.desired === 'running');
    if (siblings.every(isTaskReady)) this.d.onOwnerReady?.(t.tenant, t.owner);
    for (const other of waitingOn(t.owner, this.d.store.tasks.list(t.tenant)))
      this.d.queue().add(taskKey(other.tenant, other.id));
  }

  /** The owner's tasks that wait (staging) for `t`, which its package starts first, to come up. */
  private wakeSiblings(t: TaskRecord): void {
    for (const s of this.d.store.tasks.byOwner(t.tenant, t.owner))
      if (s.id !== t.id && s.state === 'staging') this.d.queue().add(taskKey(s.tenant, s.id));
  }
}
