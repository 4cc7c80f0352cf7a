import type { Db } from './db.js';
import type { AppRecord } from '../core/service.js';
import type { AppSpec } from '../core/app.js';
import { Revision } from './revision.js';

interface AppRow {
  tenant: string;
  id: string;
  spec: string;
  stack: string | null;
  created_at: number;
  updated_at: number;
}

function fromRow(r: AppRow): AppRecord {
  return {
    tenant: r.tenant,
    id: r.id,
    spec: JSON.parse(r.spec) as AppSpec,
    stack: r.stack,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function appsStore(db: Db, revision = new Revision()) {
  const all = db.prepare('SELECT * FROM apps WHERE tenant = ? ORDER BY id');
  const one = db.prepare('SELECT * FROM apps WHERE tenant = ? AND id = ?');
  // A Compose service's name as its file wrote it, read from the JSON without parsing each spec.
  const names = db.prepare(
    "SELECT id, stack, json_extract(spec, '$.container.compose.service') AS written FROM apps WHERE tenant = ? ORDER BY id",
  );
  const del = db.prepare('DELETE FROM apps WHERE tenant = ? AND id = ?');
  const upsert = db.prepare(`
    INSERT INTO apps (tenant, id, spec, stack, created_at, updated_at) VALUES (@tenant, @id, @spec, @stack, @now, @now)
    ON CONFLICT (tenant, id) DO UPDATE SET spec = excluded.spec, stack = excluded.stack, updated_at = excluded.updated_at`);
  return {
    list(tenant: string): AppRecord[] {
      return (all.all(tenant) as AppRow[]).map(fromRow);
    },
    /**
     * Each app's id and stack, and a Compose service's name as written, without parsing its spec
     * (the console's list of 10,000).
     */
    summaries(tenant: string): (Pick<AppRecord, 'id' | 'stack'> & { written: string | null })[] {
      return names.all(tenant) as (Pick<AppRecord, 'id' | 'stack'> & { written: string | null })[];
    },
    get(tenant: string, id: string): AppRecord | null {
      const row = one.get(tenant, id) as AppRow | undefined;
      return row ? fromRow(row) : null;
    },
    put(a: Omit<AppRecord, 'createdAt' | 'updatedAt'>, now: number): void {
      revision.bump();
      upsert.run({ tenant: a.tenant, id: a.id, spec: JSON.stringify(a.spec), stack: a.stack, now });
    },
    remove(tenant: string, id: string): void {
      revision.bump();
      del.run(tenant, id);
    },
  };
}

export type AppsStore = ReturnType<typeof appsStore>;
