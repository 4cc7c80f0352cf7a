import { declaredDependencies, type Declaration } from '../core/declaration.js';
import { splitKey } from '../core/keys.js';
import { schedule } from '../scheduler/scheduler.js';
import type { Gang } from '../scheduler/types.js';
import { interpolate } from '../specs/interpolate.js';
import type { QueueEntry, QueueReasonKind } from '../state/store-queue.js';
import { appSlots, demandsOf, gangOf, schedulerView, type Slot } from './admission.js';
import type { DeployContext } from './plan.js';
import { tenantEndpoints } from './referable.js';
import { layoutService } from './render-service.js';

/** What one allocation cycle decided: who goes now (on which nodes), and why the others still wait. */
export interface CycleDecision {
  admitted: { entry: QueueEntry; placements: Map<string, string> }[];
  reasons: { entry: QueueEntry; reasonKind: QueueReasonKind; reason: string }[];
}

/**
 * One allocation cycle over every waiting owner at once, so the sorter (DRF by default) decides
 * across tenants who goes first when capacity frees. Pure: the deployer commits what it decides, and
 * deploys each admitted owner on exactly the nodes chosen here (its gang is not scheduled again).
 */
export function allocationCycle(ctx: Pick<DeployContext, 'store' | 'paths' | 'nodes'>): CycleDecision {
  const entries = ctx.store.queue.listAll();
  const gangs: Gang[] = [];
  const byGang = new Map<string, QueueEntry>();
  for (const e of entries) {
    const gang = gangFor(ctx, e);
    if (!gang) continue;
    gangs.push(gang);
    byGang.set(gang.id, e);
  }
  if (gangs.length === 0) return { admitted: [], reasons: [] };
  const replacing = new Set(gangs.map((g) => g.id));
  const plan = schedule(schedulerView(ctx.store, ctx.nodes, replacing), gangs);
  const reasons = plan.waiting.map((w) => ({
    entry: byGang.get(w.gangId)!,
    reasonKind: w.kind,
    reason: w.message,
  }));
  const admitted = [...new Set(plan.placements.map((p) => p.gangId))].map((id) => ({
    entry: byGang.get(id)!,
    placements: new Map(
      plan.placements.filter((p) => p.gangId === id).map((p) => [splitKey(p.taskId).id, p.nodeId]),
    ),
  }));
  return { admitted, reasons };
}

/** The gang a waiting owner asks for now, or null while something it depends on waits too. */
export function gangFor(ctx: Pick<DeployContext, 'store' | 'paths'>, e: QueueEntry): Gang | null {
  const { store } = ctx;
  if (declaredDependencies(e.declaration).some((d) => store.queue.get(e.tenant, d))) return null;
  let slots: Slot[];
  try {
    slots = slotsOf(e.declaration, tenantEndpoints(ctx, e.tenant, new Set([e.owner])));
  } catch {
    return null;
  }
  return gangOf(e.tenant, e.owner, demandsOf(e.owner, slots, store.tasks.byOwner(e.tenant, e.owner)));
}

function slotsOf(d: Declaration, endpoints: Map<string, Record<string, string>>): Slot[] {
  return d.kind === 'service'
    ? layoutService(d.service, endpoints).slots
    : appSlots(interpolate(d.app, endpoints, `apps.${d.app.id}`));
}
