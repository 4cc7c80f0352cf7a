import type { Db } from './db.js';
import type { Quota, Role, TenantRecord, TokenRecord } from '../core/tenant.js';

interface TenantRow {
  name: string;
  weight: number;
  quota: string | null;
  created_at: number;
  updated_at: number;
}

interface TokenRow {
  id: string;
  tenant: string;
  role: Role;
  name: string;
  hash: string;
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
}

function tenantFromRow(r: TenantRow): TenantRecord {
  return {
    name: r.name,
    weight: r.weight,
    quota: r.quota === null ? null : (JSON.parse(r.quota) as Quota),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function tokenFromRow(r: TokenRow): TokenRecord {
  return {
    id: r.id,
    tenant: r.tenant,
    role: r.role,
    name: r.name,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
    lastUsedAt: r.last_used_at,
  };
}

/** Tenants, their weights and quotas. */
export function tenantsStore(db: Db) {
  const all = db.prepare('SELECT * FROM tenants ORDER BY name');
  const one = db.prepare('SELECT * FROM tenants WHERE name = ?');
  const insert = db.prepare(
    'INSERT INTO tenants (name, weight, quota, created_at, updated_at) VALUES (@name, @weight, @quota, @now, @now)',
  );
  const update = db.prepare(
    'UPDATE tenants SET weight = @weight, quota = @quota, updated_at = @now WHERE name = @name',
  );
  const del = db.prepare('DELETE FROM tenants WHERE name = ?');
  return {
    list(): TenantRecord[] {
      return (all.all() as TenantRow[]).map(tenantFromRow);
    },
    get(name: string): TenantRecord | null {
      const row = one.get(name) as TenantRow | undefined;
      return row ? tenantFromRow(row) : null;
    },
    create(t: { name: string; weight: number; quota: Quota | null }, now: number): void {
      insert.run({ ...t, quota: t.quota ? JSON.stringify(t.quota) : null, now });
    },
    update(t: { name: string; weight: number; quota: Quota | null }, now: number): void {
      update.run({ ...t, quota: t.quota ? JSON.stringify(t.quota) : null, now });
    },
    remove(name: string): void {
      del.run(name);
    },
  };
}

/** API tokens: only a hash of each secret is kept; the secret is shown once, when minted. */
export function tokensStore(db: Db) {
  const byTenant = db.prepare('SELECT * FROM tokens WHERE tenant = ? ORDER BY created_at, id');
  const one = db.prepare('SELECT * FROM tokens WHERE id = ?');
  const count = db.prepare('SELECT COUNT(*) AS n FROM tokens');
  const insert = db.prepare(
    'INSERT INTO tokens (id, tenant, role, name, hash, created_at) VALUES (@id, @tenant, @role, @name, @hash, @now)',
  );
  const revoke = db.prepare('UPDATE tokens SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL');
  const used = db.prepare('UPDATE tokens SET last_used_at = ? WHERE id = ?');
  const revokeTenant = db.prepare(
    'UPDATE tokens SET revoked_at = @now WHERE tenant = @tenant AND revoked_at IS NULL',
  );
  return {
    list(tenant: string): TokenRecord[] {
      return (byTenant.all(tenant) as TokenRow[]).map(tokenFromRow);
    },
    /** The token and its stored hash, for verification. */
    lookup(id: string): (TokenRecord & { hash: string }) | null {
      const row = one.get(id) as TokenRow | undefined;
      return row ? { ...tokenFromRow(row), hash: row.hash } : null;
    },
    count(): number {
      return (count.get() as { n: number }).n;
    },
    create(t: { id: string; tenant: string; role: Role; name: string; hash: string }, now: number): void {
      insert.run({ ...t, now });
    },
    revoke(id: string, now: number): boolean {
      return revoke.run({ id, now }).changes > 0;
    },
    revokeAll(tenant: string, now: number): void {
      revokeTenant.run({ tenant, now });
    },
    touch(id: string, now: number): void {
      used.run(now, id);
    },
  };
}
