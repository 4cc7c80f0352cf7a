import type { AppRecord, ServiceRecord, StackRecord } from '../core/service.js';
import type { TaskDesired } from '../core/task.js';
import type { QueueEntry } from '../state/store-queue.js';
import type { Store } from '../state/store.js';
import { removeOwner } from './commit.js';

/** What `replace` takes away from the old stack, to put back if the new one cannot be planned. */
export interface Retired {
  stack: StackRecord;
  services: ServiceRecord[];
  apps: AppRecord[];
  queued: QueueEntry[];
  desired: { id: string; desired: TaskDesired }[];
  /** The old stack's tasks, for the reconciler once the new stack is committed. */
  touched: string[];
}

/**
 * Takes a stack away (as `down` does, in one transaction) but hands the reconciler nothing yet, so
 * nothing stops until the replacement is committed; `restore` undoes it if planning that fails.
 */
export function retireStack(store: Store, stack: StackRecord, purge: boolean, now: number): Retired {
  const { tenant } = stack;
  const owners = [...stack.services, ...stack.apps];
  return store.atomically(() => {
    const retired: Retired = {
      stack,
      services: stack.services.flatMap((n) => store.services.get(tenant, n) ?? []),
      apps: stack.apps.flatMap((n) => store.apps.get(tenant, n) ?? []),
      queued: owners.flatMap((o) => store.queue.get(tenant, o) ?? []),
      desired: owners.flatMap((o) =>
        store.tasks.byOwner(tenant, o).map((t) => ({ id: t.id, desired: t.desired })),
      ),
      touched: [],
    };
    retired.touched = owners.flatMap((o) => removeOwner(store, tenant, o, purge ? 'purged' : 'removed', now));
    store.stacks.remove(tenant, stack.name);
    return retired;
  });
}

/** Puts a retired stack back as it was: its rows, its queue entries and its tasks' desired states. */
export function restoreStack(store: Store, r: Retired, now: number): void {
  const { tenant } = r.stack;
  store.atomically(() => {
    for (const s of r.services) store.services.put(s, now);
    for (const a of r.apps) store.apps.put(a, now);
    for (const q of r.queued) store.queue.put(q);
    for (const t of r.desired) store.tasks.update(tenant, t.id, { desired: t.desired }, now);
    store.stacks.put(r.stack, now);
  });
}
