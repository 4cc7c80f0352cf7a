import type { FaultRecord } from '../core/fault.js';
import type { Db } from './db.js';

/** Faults as they last were: what was injected, how, and whether it is healed (a daemon heals leftovers). */
export function faultsStore(db: Db) {
  const byTenant = db.prepare('SELECT record FROM faults WHERE tenant = ? ORDER BY created_at, id');
  const active = db.prepare("SELECT record FROM faults WHERE state = 'active' ORDER BY created_at, id");
  const one = db.prepare('SELECT record FROM faults WHERE tenant = ? AND id = ?');
  const upsert = db.prepare(`
    INSERT INTO faults (tenant, id, state, record, created_at) VALUES (@tenant, @id, @state, @record, @createdAt)
    ON CONFLICT (tenant, id) DO UPDATE SET state = excluded.state, record = excluded.record`);
  const parse = (row: unknown) => JSON.parse((row as { record: string }).record) as FaultRecord;
  return {
    list(tenant: string): FaultRecord[] {
      return byTenant.all(tenant).map(parse);
    },
    listActive(): FaultRecord[] {
      return active.all().map(parse);
    },
    get(tenant: string, id: string): FaultRecord | null {
      const row = one.get(tenant, id);
      return row ? parse(row) : null;
    },
    put(f: FaultRecord): void {
      upsert.run({
        tenant: f.tenant,
        id: f.id,
        state: f.state,
        record: JSON.stringify(f),
        createdAt: f.createdAt,
      });
    },
  };
}
