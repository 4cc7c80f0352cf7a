import { ownerKey } from '../core/keys.js';
import { isTaskReady } from '../core/task.js';
import type { Store } from '../state/store.js';
import { buildRecords, type DiscoveryService, type RecordSet } from './records.js';

export const DOMAIN = 'flotilla';

/**
 * The DNS answers, built from the same store the API reads. Rebuilt lazily after any change the
 * event bus reports, so a moved task is answered at its new address at once.
 */
export class DiscoverySource {
  private readonly cached = new Map<string, RecordSet>();

  constructor(private readonly store: Store) {}

  invalidate(): void {
    this.cached.clear();
  }

  /** One tenant's names only: a tenant's DNS server never answers for another tenant. */
  records(tenant: string): RecordSet {
    let set = this.cached.get(tenant);
    if (!set) {
      set = buildRecords({ domain: DOMAIN, services: this.services(tenant) });
      this.cached.set(tenant, set);
    }
    return set;
  }

  private services(tenant: string): DiscoveryService[] {
    const byOwner = new Map<string, DiscoveryService>();
    for (const t of this.store.tasks.list(tenant)) {
      if (t.desired !== 'running') continue;
      const key = ownerKey(t.tenant, t.owner);
      const service = byOwner.get(key) ?? { tenant: t.tenant, name: t.owner, tasks: [] };
      service.tasks.push({ name: t.name, role: t.role, host: t.host, ports: t.ports, ready: isTaskReady(t) });
      byOwner.set(key, service);
    }
    return [...byOwner.values()];
  }
}
