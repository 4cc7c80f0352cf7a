// What the other tasks of a tenant mean for one task: pure functions of the tasks the caller read.
import {
  ALIVE_STATES,
  hasEnded,
  isTaskReady,
  type DependencyCondition,
  type TaskRecord,
  type TaskState,
} from '../core/task.js';

const UP_STATES: ReadonlySet<TaskState> = new Set(['running', 'healthy', 'unhealthy']);

const CONDITIONS: Record<DependencyCondition, (x: TaskRecord) => boolean> = {
  ready: isTaskReady,
  started: (x) => ALIVE_STATES.has(x.state) || x.state === 'finished',
  completed: (x) => x.state === 'finished' && hasEnded(x),
};

/** The owners `t` depends on whose running tasks have not all reached the condition it waits for. */
export function unreadyDependencies(t: TaskRecord, tasksOf: (owner: string) => TaskRecord[]): string[] {
  return t.spec.dependsOn.filter((owner) => {
    const tasks = tasksOf(owner).filter((x) => x.desired === 'running');
    const met = CONDITIONS[t.spec.dependsOnCondition?.[owner] ?? 'ready'];
    return tasks.length === 0 || !tasks.every(met);
  });
}

/**
 * The siblings of `t` in the role its package starts first (`firstRole`) that are on their way up:
 * about to launch (staging, no backoff) or launched and not ready yet. One that fails or waits out a
 * backoff holds nobody back. `siblings` are the owner's tasks.
 */
function unreadyFirstStarters(
  t: TaskRecord,
  siblings: TaskRecord[],
  firstRole: string | undefined,
): string[] {
  if (firstRole === undefined || t.role === firstRole) return [];
  return siblings
    .filter((s) => s.role === firstRole && s.desired === 'running')
    .filter((s) => s.state === 'starting' || (s.state === 'staging' && s.nextLaunchAt === null))
    .map((s) => s.id);
}

/** What `t` waits for before it launches: owners it depends on, then siblings that start first. */
export function launchBlockers(
  t: TaskRecord,
  tasksOf: (owner: string) => TaskRecord[],
  firstRole: string | undefined,
): string[] {
  return [...unreadyDependencies(t, tasksOf), ...unreadyFirstStarters(t, tasksOf(t.owner), firstRole)];
}

/** The tasks waiting (staging) for `owner`, to sync again now that it moved. */
export function waitingOn(owner: string, tasks: TaskRecord[]): TaskRecord[] {
  return tasks.filter((other) => other.state === 'staging' && other.spec.dependsOn.includes(owner));
}

/**
 * Another instance of the same owner that is down or being stopped: while it is, `t` stays up.
 * `siblings` are the owner's tasks; `stopping` says whether the supervisor is stopping one.
 */
export function disruptionBlocker(
  t: TaskRecord,
  siblings: TaskRecord[],
  stopping: (s: TaskRecord) => boolean,
): string | null {
  // Unhealthy siblings still run: they do not block. One being relaunched (not up, or up but not
  // past its checks yet) does, so instances are killed one at a time and an app never loses all.
  const down = siblings.find(
    (s) => s.id !== t.id && s.desired === 'running' && (!UP_STATES.has(s.state) || stopping(s)),
  );
  return down ? down.id : null;
}
