import { taskKey } from '../core/keys.js';
import type { StartOrder } from '../core/service.js';
import { isTaskReady, type TaskRecord } from '../core/task.js';
import type { Store } from '../state/store.js';
import { unreadyDependencies } from './dependencies.js';
import { chainLength, type StartGate } from './start-gate.js';

/** What the package says about how its tasks start (the daemon reads it from the catalog). */
export interface StartPolicy {
  /** A JVM: seconds of a busy core before it is ready. */
  heavy: boolean;
  /** Its tasks' first starts go one after another (Cassandra's bootstraps). */
  oneAtATime: boolean;
  /** The role whose tasks launch before the owner's others (package.ts, `startsFirst`). */
  firstRole?: string;
}

export type StartPolicyOf = (t: TaskRecord) => StartPolicy;

export interface StartTurnDeps {
  store: Store;
  gate: StartGate;
  /** The daemon's order for tasks whose stack says none (FLOTILLA_START_ORDER). */
  defaultOrder: StartOrder;
  policyOf?: StartPolicyOf;
}

const NONE: StartPolicy = { heavy: false, oneAtATime: false };

/**
 * Waits for the task's turn to start (start-gate.ts); `waiting` is called when it has to wait, with
 * the message for its row. The turn is held until the supervisor releases it (ready, exit, removal).
 * False (the turn given back) when the task was removed or changed while it waited: it starts nothing.
 */
export async function startTurn(
  d: StartTurnDeps,
  t: TaskRecord,
  waiting: (message: string) => void,
): Promise<boolean> {
  const order =
    (t.stack !== null ? d.store.stacks.get(t.tenant, t.stack)?.startOrder : undefined) ?? d.defaultOrder;
  const policy = d.policyOf?.(t) ?? NONE;
  const tasks = d.store.tasks.list(t.tenant);
  const oneAtATime = (owner: string) => {
    const first = tasks.find((x) => x.owner === owner);
    return first ? (d.policyOf?.(first) ?? NONE).oneAtATime : false;
  };
  const key = taskKey(t.tenant, t.id);
  const priority = chainLength(t, tasks, oneAtATime, isTaskReady);
  let admitted = false;
  const turn = d.gate
    .admit({
      key,
      group: `${t.tenant}/${t.stack ?? t.owner}`,
      order,
      heavy: policy.heavy,
      owner: `${t.tenant}/${t.owner}`,
      oneAtATime: policy.oneAtATime,
      priority,
      ahead: (holding) => aheadOf(d, t, priority, holding),
    })
    .then(() => {
      admitted = true;
    });
  await Promise.resolve();
  if (!admitted) {
    const { waiting: w, holding } = d.gate.counts;
    waiting(`waiting for its turn to start (start order ${order}: ${holding} starting, ${w} waiting)`);
  }
  await turn;
  const current = d.store.tasks.get(t.tenant, t.id);
  if (current?.desired === 'running' && current.specHash === t.specHash) return true;
  d.gate.release(key);
  return false;
}

/**
 * The tenant's other heavy services that could start now (staging: not launched yet, their
 * dependencies ready) with a longer chain than `priority`, and no turn yet: `t` leaves them a turn.
 */
function aheadOf(d: StartTurnDeps, t: TaskRecord, priority: number, holding: ReadonlySet<string>): number {
  const tasks = d.store.tasks.list(t.tenant).filter((x) => x.desired === 'running');
  const policy = (x: TaskRecord) => d.policyOf?.(x) ?? NONE;
  const owners = new Set<string>();
  for (const x of tasks) {
    if (x.owner === t.owner || owners.has(x.owner) || holding.has(`${x.tenant}/${x.owner}`)) continue;
    if (x.state !== 'staging' || !policy(x).heavy) continue;
    if (unreadyDependencies(x, (o) => tasks.filter((y) => y.owner === o)).length > 0) continue;
    const oneAtATime = (o: string) => policy(tasks.find((y) => y.owner === o)!).oneAtATime;
    if (chainLength(x, tasks, oneAtATime, isTaskReady) > priority) owners.add(x.owner);
  }
  return owners.size;
}
