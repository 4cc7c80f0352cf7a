import { getPackage } from '../catalog/registry.js';
import type { TaskRecord } from '../core/task.js';
import type { StartPolicy } from '../reconciler/start-order.js';
import type { Store } from '../state/store.js';

const NONE: StartPolicy = { heavy: false, oneAtATime: false };

/** What a task's package says about its start, for the start order (apps: nothing). */
export function startPolicyOf(store: Store, t: TaskRecord): StartPolicy {
  if (t.ownerKind !== 'service') return NONE;
  const s = store.services.get(t.tenant, t.owner);
  if (!s) return NONE;
  try {
    const pkg = getPackage(s.package, s.version);
    return {
      heavy: pkg.jvm !== undefined,
      oneAtATime: pkg.startsOneAtATime === true,
      ...(pkg.startsFirst !== undefined ? { firstRole: pkg.startsFirst } : {}),
    };
  } catch {
    return NONE;
  }
}
