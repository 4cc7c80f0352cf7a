import { isTaskReady } from '../core/task.js';
import type { Store } from '../state/store.js';
import { buildRecords, type DiscoveryService, type RecordSet } from './records.js';

export const DOMAIN = 'flotilla';

/**
 * The DNS answers, built from the same store the API reads. Rebuilt lazily after any change the
 * event bus reports, so a moved task is answered at its new address at once.
 */
export class DiscoverySource {
  private cached: RecordSet | null = null;

  constructor(private readonly store: Store) {}

  invalidate(): void {
    this.cached = null;
  }

  records(): RecordSet {
    this.cached ??= buildRecords({ domain: DOMAIN, services: this.services() });
    return this.cached;
  }

  private services(): DiscoveryService[] {
    const byOwner = new Map<string, DiscoveryService>();
    for (const t of this.store.tasks.listAll()) {
      if (t.desired !== 'running') continue;
      const key = `${t.tenant}/${t.owner}`;
      const service = byOwner.get(key) ?? { tenant: t.tenant, name: t.owner, tasks: [] };
      service.tasks.push({ name: t.name, role: t.role, host: t.host, ports: t.ports, ready: isTaskReady(t) });
      byOwner.set(key, service);
    }
    return [...byOwner.values()];
  }
}
