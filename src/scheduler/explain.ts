import { Cycle, watchedGroups } from './cycle.js';
import { refusals } from './diagnose.js';
import { sum } from './resources.js';
import type { Gang, SchedulerView } from './types.js';

/** One node's answer to one task: `reasons` lists everything that refuses it (empty when it fits). */
export interface NodeVerdict {
  nodeId: string;
  fits: boolean;
  reasons: string[];
}

export interface Explanation {
  gangId: string;
  /** The quota the gang would break, in words, or null when it fits its tenant's quota. */
  quota: string | null;
  tasks: { taskId: string; nodes: NodeVerdict[] }[];
}

/**
 * "Why is it waiting?": for each task of the gang, each node's verdict against the view. Tasks are
 * judged in order, as the scheduler tries them: a task that fits is put where a fresh cycle would
 * put it, so the tasks after it see the room it takes and the constraint groups it joins (the
 * third broker of a hostname:UNIQUE gang is refused the nodes the first two went to).
 */
export function explain(view: SchedulerView, gang: Gang): Explanation {
  const cycle = new Cycle(view, watchedGroups([gang]));
  const quota = cycle.quotaProblem(gang.tenant, sum(gang.tasks.map((t) => t.resources)));
  const tasks = gang.tasks.map((task) => {
    const nodes = cycle.pool.nodes.map((n, i): NodeVerdict => {
      const reasons = refusals(cycle, task, i);
      return { nodeId: n.id, fits: reasons.length === 0, reasons };
    });
    const node = cycle.findNode(task, false);
    if (node >= 0) cycle.put(task, node);
    return { taskId: task.taskId, nodes };
  });
  return { gangId: gang.id, quota, tasks };
}
