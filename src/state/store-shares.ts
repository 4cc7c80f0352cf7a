import type { Db } from './db.js';

/** A service of `tenant` that the tasks of `with` may connect to. */
export interface ShareRecord {
  tenant: string;
  service: string;
  with: string;
  createdAt: number;
}

interface ShareRow {
  tenant: string;
  service: string;
  with_tenant: string;
  created_at: number;
}

const fromRow = (r: ShareRow): ShareRecord => ({
  tenant: r.tenant,
  service: r.service,
  with: r.with_tenant,
  createdAt: r.created_at,
});

/** Services shared between tenants, on purpose, one row per service and tenant it is shared with. */
export function sharesStore(db: Db) {
  const all = db.prepare('SELECT * FROM shares ORDER BY tenant, service, with_tenant');
  const given = db.prepare('SELECT * FROM shares WHERE tenant = ? ORDER BY service, with_tenant');
  const received = db.prepare('SELECT * FROM shares WHERE with_tenant = ? ORDER BY tenant, service');
  const insert = db.prepare(
    'INSERT OR IGNORE INTO shares (tenant, service, with_tenant, created_at) VALUES (?, ?, ?, ?)',
  );
  const del = db.prepare('DELETE FROM shares WHERE tenant = ? AND service = ? AND with_tenant = ?');
  const delTenant = db.prepare('DELETE FROM shares WHERE tenant = ? OR with_tenant = ?');
  return {
    list(): ShareRecord[] {
      return (all.all() as ShareRow[]).map(fromRow);
    },
    given(tenant: string): ShareRecord[] {
      return (given.all(tenant) as ShareRow[]).map(fromRow);
    },
    received(tenant: string): ShareRecord[] {
      return (received.all(tenant) as ShareRow[]).map(fromRow);
    },
    add(tenant: string, service: string, withTenant: string, now: number): void {
      insert.run(tenant, service, withTenant, now);
    },
    /** Whether there was such a share. */
    remove(tenant: string, service: string, withTenant: string): boolean {
      return del.run(tenant, service, withTenant).changes > 0;
    },
    /** A removed tenant's shares go, both those it gave and those it received. */
    removeTenant(tenant: string): void {
      delTenant.run(tenant, tenant);
    },
  };
}
