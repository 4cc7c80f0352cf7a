import { FlotillaError } from '../core/errors.js';
import { splitKey, taskKey } from '../core/keys.js';
import type { NodeInfo } from '../core/node.js';
import type { Paths } from '../core/paths.js';
import type { QueueView, WhyView } from '../core/tenant-schemas.js';
import { allocationOf, holdsResources, schedulerNodes, schedulerView } from '../deploy/admission.js';
import { gangFor } from '../deploy/waiting.js';
import { explain } from '../scheduler/explain.js';
import { sum } from '../scheduler/resources.js';
import { dominantShare } from '../scheduler/sorter/sorter.js';
import type { Store } from '../state/store.js';

/** What the queue and the pool look like to a tenant: read-only views for the API. */
export class QueueViews {
  constructor(private readonly ctx: { store: Store; paths: Paths; nodes: NodeInfo[] }) {}

  list(tenant: string): QueueView[] {
    return this.ctx.store.queue.list(tenant).map((e) => ({
      owner: e.owner,
      kind: e.declaration.kind,
      stack: e.stack,
      reasonKind: e.reasonKind,
      reason: e.reason,
      since: new Date(e.since).toISOString(),
    }));
  }

  /**
   * Why a task waits (or where it runs): for a waiting owner, per node, what did not fit — resources,
   * constraints, or the tenant's quota — against the pool as it is now.
   */
  why(tenant: string, task: string): WhyView {
    const { store } = this.ctx;
    const placed = store.tasks.get(tenant, task);
    if (placed && placed.desired === 'running') {
      return {
        task,
        waiting: false,
        summary: `placed on ${placed.nodeId} (${placed.host})`,
        quota: null,
        nodes: [],
      };
    }
    const entry = store.queue.list(tenant).find((e) => task === e.owner || task.startsWith(`${e.owner}.`));
    if (!entry) throw new FlotillaError('TASK_NOT_FOUND', `no task "${task}", placed or waiting`);
    const gang = gangFor(this.ctx, entry);
    const summary = `${entry.owner} waits (${entry.reasonKind}): ${entry.reason}`;
    if (!gang) return { task, waiting: true, summary, quota: null, nodes: [] };
    const view = schedulerView(store, this.ctx.nodes, new Set([gang.id]));
    const explanation = explain(view, gang);
    const wanted = taskKey(tenant, task);
    const mine = explanation.tasks.find((t) => t.taskId === wanted) ?? explanation.tasks[0];
    return {
      task: mine ? splitKey(mine.taskId).id : task,
      waiting: true,
      summary,
      quota: explanation.quota,
      nodes: mine?.nodes ?? [],
    };
  }

  /** What a tenant's tasks hold, and its weighted dominant share of the pool. */
  allocation(tenant: string): {
    allocated: { cpus: number; mem: number; disk: number };
    dominantShare: number;
  } {
    const { store, nodes } = this.ctx;
    const held = sum(
      store.tasks
        .list(tenant)
        .filter(holdsResources)
        .map((t) => allocationOf(t).resources),
    );
    const total = sum(schedulerNodes(nodes).map((n) => n.total));
    const weight = store.tenants.get(tenant)?.weight ?? 1;
    const { cpus, mem, disk } = held;
    return { allocated: { cpus, mem, disk }, dominantShare: dominantShare(held, total, weight) };
  }
}
