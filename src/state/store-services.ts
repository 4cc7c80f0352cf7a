import type { Db } from './db.js';
import type { AfterReadyStatus, ServiceRecord } from '../core/service.js';
import { Revision } from './revision.js';

interface ServiceRow {
  tenant: string;
  name: string;
  package: string;
  version: string;
  options: string;
  stack: string | null;
  dependencies: string;
  state: string;
  after_ready: string | null;
  created_at: number;
  updated_at: number;
}

function fromRow(r: ServiceRow): ServiceRecord {
  return {
    tenant: r.tenant,
    name: r.name,
    package: r.package,
    version: r.version,
    options: JSON.parse(r.options) as Record<string, unknown>,
    stack: r.stack,
    dependencies: JSON.parse(r.dependencies) as string[],
    state: JSON.parse(r.state) as Record<string, string>,
    afterReady: r.after_ready === null ? null : (JSON.parse(r.after_ready) as AfterReadyStatus),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export type ServiceSummary = Pick<ServiceRecord, 'name' | 'stack' | 'package' | 'version' | 'afterReady'>;

export function servicesStore(db: Db, revision = new Revision()) {
  const all = db.prepare('SELECT * FROM services WHERE tenant = ? ORDER BY name');
  const one = db.prepare('SELECT * FROM services WHERE tenant = ? AND name = ?');
  const names = db.prepare(
    'SELECT name, stack, package, version, after_ready FROM services WHERE tenant = ? ORDER BY name',
  );
  const del = db.prepare('DELETE FROM services WHERE tenant = ? AND name = ?');
  const upsert = db.prepare(`
    INSERT INTO services (tenant, name, package, version, options, stack, dependencies, state, after_ready,
      created_at, updated_at)
    VALUES (@tenant, @name, @package, @version, @options, @stack, @dependencies, @state, @afterReady, @now, @now)
    ON CONFLICT (tenant, name) DO UPDATE SET package = excluded.package, version = excluded.version,
      options = excluded.options, stack = excluded.stack, dependencies = excluded.dependencies,
      state = excluded.state, after_ready = excluded.after_ready, updated_at = excluded.updated_at`);
  const setAfterReady = db.prepare(
    'UPDATE services SET after_ready = ?, updated_at = ? WHERE tenant = ? AND name = ?',
  );
  return {
    list(tenant: string): ServiceRecord[] {
      return (all.all(tenant) as ServiceRow[]).map(fromRow);
    },
    /** What a list of services shows, without parsing their options, dependencies and state. */
    summaries(tenant: string): ServiceSummary[] {
      return (
        names.all(tenant) as Pick<ServiceRow, 'name' | 'stack' | 'package' | 'version' | 'after_ready'>[]
      ).map((r) => ({
        name: r.name,
        stack: r.stack,
        package: r.package,
        version: r.version,
        afterReady: r.after_ready === null ? null : (JSON.parse(r.after_ready) as AfterReadyStatus),
      }));
    },
    get(tenant: string, name: string): ServiceRecord | null {
      const row = one.get(tenant, name) as ServiceRow | undefined;
      return row ? fromRow(row) : null;
    },
    put(s: Omit<ServiceRecord, 'createdAt' | 'updatedAt'>, now: number): void {
      revision.bump();
      upsert.run({
        ...s,
        options: JSON.stringify(s.options),
        dependencies: JSON.stringify(s.dependencies),
        state: JSON.stringify(s.state),
        afterReady: s.afterReady === null ? null : JSON.stringify(s.afterReady),
        now,
      });
    },
    /** Records how the post-ready step went (observed state: the deployer writes the rest). */
    setAfterReady(tenant: string, name: string, status: AfterReadyStatus, now: number): void {
      revision.bump();
      setAfterReady.run(JSON.stringify(status), now, tenant, name);
    },
    remove(tenant: string, name: string): void {
      revision.bump();
      del.run(tenant, name);
    },
  };
}

export type ServicesStore = ReturnType<typeof servicesStore>;
