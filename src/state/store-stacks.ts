import type { Db } from './db.js';
import type { StackRecord, StartOrder } from '../core/service.js';

interface StackRow {
  tenant: string;
  name: string;
  source: string;
  services: string;
  apps: string;
  start_order: string | null;
  created_at: number;
  updated_at: number;
}

function fromRow(r: StackRow): StackRecord {
  return {
    tenant: r.tenant,
    name: r.name,
    source: r.source,
    services: JSON.parse(r.services) as string[],
    apps: JSON.parse(r.apps) as string[],
    ...(r.start_order ? { startOrder: r.start_order as StartOrder } : {}),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function stacksStore(db: Db) {
  const all = db.prepare('SELECT * FROM stacks WHERE tenant = ? ORDER BY name');
  const one = db.prepare('SELECT * FROM stacks WHERE tenant = ? AND name = ?');
  const del = db.prepare('DELETE FROM stacks WHERE tenant = ? AND name = ?');
  const upsert = db.prepare(`
    INSERT INTO stacks (tenant, name, source, services, apps, start_order, created_at, updated_at)
    VALUES (@tenant, @name, @source, @services, @apps, @startOrder, @now, @now)
    ON CONFLICT (tenant, name) DO UPDATE SET source = excluded.source, services = excluded.services,
      apps = excluded.apps, start_order = excluded.start_order, updated_at = excluded.updated_at`);
  return {
    list(tenant: string): StackRecord[] {
      return (all.all(tenant) as StackRow[]).map(fromRow);
    },
    get(tenant: string, name: string): StackRecord | null {
      const row = one.get(tenant, name) as StackRow | undefined;
      return row ? fromRow(row) : null;
    },
    put(s: Omit<StackRecord, 'createdAt' | 'updatedAt'>, now: number): void {
      upsert.run({
        ...s,
        services: JSON.stringify(s.services),
        apps: JSON.stringify(s.apps),
        startOrder: s.startOrder ?? null,
        now,
      });
    },
    remove(tenant: string, name: string): void {
      del.run(tenant, name);
    },
  };
}

export type StacksStore = ReturnType<typeof stacksStore>;
