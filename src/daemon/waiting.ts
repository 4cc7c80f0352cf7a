import type { AppSpec } from '../core/app.js';
import { FlotillaError, isFlotillaError } from '../core/errors.js';
import type { QueueView, WhyView } from '../core/tenant-schemas.js';
import { deploy, tenantEndpoints, type DeployContext } from '../deploy/apply.js';
import {
  allocationOf,
  appSlots,
  demandsOf,
  gangOf,
  holdsResources,
  ownerKey,
  schedulerNodes,
  schedulerView,
  type Slot,
} from '../deploy/admission.js';
import { layoutService } from '../deploy/render-service.js';
import type { EventBus } from '../reconciler/events.js';
import { explain } from '../scheduler/explain.js';
import { sum } from '../scheduler/resources.js';
import { schedule } from '../scheduler/scheduler.js';
import { dominantShare } from '../scheduler/sorter/sorter.js';
import type { Gang } from '../scheduler/types.js';
import { interpolate } from '../specs/interpolate.js';
import type { ServiceEntry } from '../specs/stack.js';
import type { QueueEntry } from '../state/store-queue.js';

/**
 * The services and apps the scheduler could not admit yet. An allocation cycle looks at all of them
 * at once, so the sorter (DRF by default) decides across tenants who goes first when capacity frees;
 * each admitted owner is then deployed like any other, on the nodes the cycle chose.
 */
export class WaitingQueue {
  constructor(
    private readonly ctx: DeployContext,
    private readonly enqueueTasks: (tenant: string, ids: string[]) => void,
    private readonly events: EventBus,
    private readonly log: (msg: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** One allocation cycle; returns how many owners it admitted. */
  async cycle(): Promise<number> {
    const { store } = this.ctx;
    const entries = store.queue.listAll();
    if (entries.length === 0) return 0;
    const gangs: Gang[] = [];
    const byGang = new Map<string, QueueEntry>();
    for (const e of entries) {
      const gang = this.gangFor(e);
      if (!gang) continue;
      gangs.push(gang);
      byGang.set(gang.id, e);
    }
    const replacing = new Set(gangs.map((g) => g.id));
    const plan = schedule(schedulerView(store, this.ctx.nodes, replacing), gangs);
    for (const w of plan.waiting) {
      const e = byGang.get(w.gangId)!;
      if (e.reason !== w.message) store.queue.put({ ...e, reasonKind: w.kind, reason: w.message });
    }
    const order = [...new Set(plan.placements.map((p) => p.gangId))];
    let admitted = 0;
    for (const id of order) {
      const e = byGang.get(id)!;
      const preferredNodes = new Map(
        plan.placements
          .filter((p) => p.gangId === id)
          .map((p) => [p.taskId.slice(e.tenant.length + 1), p.nodeId]),
      );
      try {
        const result = await deploy(
          this.ctx,
          {
            tenant: e.tenant,
            stack: e.stack,
            services: e.kind === 'service' ? [e.entry as ServiceEntry] : [],
            apps: e.kind === 'app' ? [e.entry as AppSpec] : [],
            prune: false,
            createOnly: false,
            preferredNodes,
          },
          this.now(),
        );
        this.enqueueTasks(e.tenant, result.touched);
        if (result.waiting.length === 0) {
          admitted++;
          this.events.publish(e.tenant, 'owner_admitted', e.owner, { owner: e.owner }, this.now());
        }
      } catch (err) {
        // A declaration that cannot deploy any more (say, its package is gone) waits with the reason.
        const message = isFlotillaError(err) ? `${err.code}: ${err.message}` : String(err);
        this.log(`${ownerKey(e.tenant, e.owner)}: admitted but not deployed: ${message}`);
        store.queue.put({ ...e, reasonKind: 'error', reason: message });
      }
    }
    return admitted;
  }

  list(tenant: string): QueueView[] {
    return this.ctx.store.queue.list(tenant).map((e) => ({
      owner: e.owner,
      kind: e.kind,
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
    const gang = this.gangFor(entry);
    const summary = `${entry.owner} waits (${entry.reasonKind}): ${entry.reason}`;
    if (!gang) return { task, waiting: true, summary, quota: null, nodes: [] };
    const view = schedulerView(store, this.ctx.nodes, new Set([gang.id]));
    const explanation = explain(view, gang);
    const wanted = `${tenant}/${task}`;
    const mine = explanation.tasks.find((t) => t.taskId === wanted) ?? explanation.tasks[0];
    return {
      task: mine ? mine.taskId.slice(tenant.length + 1) : task,
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

  /** The gang a waiting owner asks for now, or null while something it depends on waits too. */
  private gangFor(e: QueueEntry): Gang | null {
    const { store } = this.ctx;
    const deps =
      e.kind === 'service' ? (e.entry as ServiceEntry).dependsOn : (e.entry as AppSpec).dependencies;
    if (deps.some((d) => store.queue.get(e.tenant, d))) return null;
    const endpoints = tenantEndpoints(this.ctx, e.tenant, new Set([e.owner]));
    let slots: Slot[];
    try {
      slots =
        e.kind === 'service'
          ? layoutService(e.entry as ServiceEntry, endpoints).slots
          : appSlots(interpolate(e.entry as AppSpec, endpoints, `apps.${e.owner}`));
    } catch {
      return null;
    }
    return gangOf(e.tenant, e.owner, demandsOf(e.owner, slots, store.tasks.byOwner(e.tenant, e.owner)));
  }
}
