import type { ConstraintChecker } from './constraint-check.js';
import { label } from './constraints.js';
import type { Pool } from './pool.js';
import { amount, EPSILON } from './resources.js';
import { SCALAR_RESOURCES, type TaskDemand, type WaitKind } from './types.js';

/** What a diagnosis reads of a cycle (a Cycle is one; named apart because the Cycle calls diagnose). */
export interface FitView {
  readonly pool: Pool;
  readonly checker: ConstraintChecker;
}

/** Every reason `node` refuses `task`: missing resources first, then broken constraints. */
export function refusals(cycle: FitView, task: TaskDemand, node: number): string[] {
  const free = cycle.pool.freeOf(node);
  const reasons: string[] = [];
  for (const r of SCALAR_RESOURCES) {
    if (task.resources[r] > free[r] + EPSILON) {
      reasons.push(`${r}: needs ${amount(r, task.resources[r])}, ${amount(r, Math.max(0, free[r]))} free`);
    }
  }
  for (const c of task.constraints) {
    if (!cycle.checker.holds(c, task.group, node)) reasons.push(cycle.checker.reason(c, task.group, node));
  }
  return reasons;
}

/** What blocks a task; the message is `task <id>: <why>`. */
export interface Diagnosis {
  kind: WaitKind;
  why: string;
}

/**
 * Why `task` fits on no node, counted over the pool: each node is counted once, under the first
 * thing that refuses it ("3 nodes lack mem, 1 node fails hostname:UNIQUE"). The kind is
 * 'constraints' when some node has the room but a constraint refuses it, else 'resources'.
 */
export function diagnose(cycle: FitView, task: TaskDemand): Diagnosis {
  const { pool, checker } = cycle;
  if (pool.size === 0) return { kind: 'resources', why: 'no node fits (the pool has no nodes)' };
  // Tallied in flat arrays: this runs over every node for every distinct waiting reason.
  const lacking = [0, 0, 0, 0];
  const broken = new Array<number>(task.constraints.length).fill(0);
  let room = 0;
  for (let i = 0; i < pool.size; i++) {
    const r = pool.firstLacking(i, task.resources);
    if (r >= 0) {
      lacking[r]!++;
      continue;
    }
    const c = task.constraints.findIndex((c) => !checker.holds(c, task.group, i));
    if (c >= 0) broken[c]!++;
    else room++;
  }
  const counts: [string, number][] = [
    ...SCALAR_RESOURCES.map((r, k): [string, number] => [`lack ${r}`, lacking[k]!]),
    ...task.constraints.map((c, k): [string, number] => [`fail ${label(c)}`, broken[k]!]),
    ['have room now', room],
  ];
  const constrained = broken.reduce((a, b) => a + b, 0);
  const parts = counts
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([why, n]) => `${n} ${n === 1 ? 'node' : 'nodes'} ${n === 1 ? singular(why) : why}`);
  return { kind: constrained > 0 ? 'constraints' : 'resources', why: `no node fits (${parts.join(', ')})` };
}

function singular(why: string): string {
  return why.replace(/^(lack|fail)/, '$1s').replace(/^have/, 'has');
}
