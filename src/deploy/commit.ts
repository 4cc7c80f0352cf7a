import type { Store } from '../state/store.js';
import type { DeployPlan } from './plan.js';

/**
 * Stores a deploy plan in one transaction: the admitted owners and their desired tasks, the waiting
 * ones in the queue, the stack's new member list, and the removal of what it no longer declares.
 * Returns the tasks whose desired state changed, for the reconciler.
 */
export function commitPlan(store: Store, plan: DeployPlan, now: number): string[] {
  const { tenant } = plan;
  const touched: string[] = [];
  store.atomically(() => {
    for (const o of plan.admitted) {
      if (o.kind === 'service') store.services.put(o.record, now);
      else store.apps.put({ tenant, id: o.name, spec: o.spec, stack: plan.stack }, now);
      store.queue.remove(tenant, o.name);
      const wanted = new Set(o.tasks.map((t) => t.id));
      for (const t of o.tasks) {
        const before = store.tasks.get(tenant, t.id);
        if (before && before.specHash === t.specHash && before.desired === 'running') continue;
        store.tasks.put(t, now);
        touched.push(t.id);
      }
      for (const t of store.tasks.byOwner(tenant, o.name)) {
        if (!wanted.has(t.id) && t.desired === 'running') {
          store.tasks.update(tenant, t.id, { desired: 'removed' }, now);
          touched.push(t.id);
        }
      }
    }
    for (const w of plan.waiting) {
      const before = store.queue.get(tenant, w.name);
      store.queue.put({
        tenant,
        owner: w.name,
        stack: plan.stack,
        declaration: w.declaration,
        reasonKind: w.reasonKind,
        reason: w.reason,
        since: before?.since ?? now,
      });
    }
    for (const owner of plan.pruned) touched.push(...removeOwner(store, tenant, owner, 'removed', now));
    if (plan.stack !== null) {
      const old = store.stacks.get(tenant, plan.stack);
      const keep = old && !plan.prune;
      const members = (kind: 'service' | 'app') => [
        ...plan.admitted.filter((o) => o.kind === kind).map((o) => o.name),
        ...plan.waiting.filter((w) => w.declaration.kind === kind).map((w) => w.name),
      ];
      store.stacks.put(
        {
          tenant,
          name: plan.stack,
          source: plan.source ?? old?.source ?? '',
          services: [...new Set([...(keep ? old.services : []), ...members('service')])],
          apps: [...new Set([...(keep ? old.apps : []), ...members('app')])],
          // A file applied again says its order (or none); a write that is not a file keeps it.
          ...((plan.source !== undefined ? plan.startOrder : old?.startOrder) !== undefined
            ? { startOrder: plan.source !== undefined ? plan.startOrder : old?.startOrder }
            : {}),
        },
        now,
      );
    }
  });
  return touched;
}

/** Marks an owner's tasks for removal and forgets the owner; returns the tasks to reconcile. */
export function removeOwner(
  store: Store,
  tenant: string,
  owner: string,
  how: 'removed' | 'purged',
  now: number,
): string[] {
  store.services.remove(tenant, owner);
  store.apps.remove(tenant, owner);
  store.queue.remove(tenant, owner);
  store.plans.removeService(tenant, owner);
  const ids: string[] = [];
  for (const t of store.tasks.byOwner(tenant, owner)) {
    if (t.desired !== 'purged') store.tasks.update(tenant, t.id, { desired: how }, now);
    ids.push(t.id);
  }
  return ids;
}
