import type { Db } from './db.js';
import type { OwnerKind } from '../core/task.js';
import type { UsageInterval } from '../core/usage.js';

/** What a task holds while it is wanted running. */
export interface Holding {
  ownerKind: OwnerKind;
  owner: string;
  cpus: number;
  mem: number;
  disk: number;
}

interface IntervalRow {
  id: number;
  tenant: string;
  owner_kind: string;
  owner: string;
  task_id: string;
  cpus: number;
  mem: number;
  disk: number;
  start_at: number;
  end_at: number | null;
}

function fromRow(r: IntervalRow): UsageInterval {
  return {
    tenant: r.tenant,
    ownerKind: r.owner_kind as OwnerKind,
    owner: r.owner,
    taskId: r.task_id,
    cpus: r.cpus,
    mem: r.mem,
    disk: r.disk,
    start: r.start_at,
    end: r.end_at,
  };
}

function same(r: IntervalRow, h: Holding): boolean {
  return (
    r.owner_kind === h.ownerKind &&
    r.owner === h.owner &&
    r.cpus === h.cpus &&
    r.mem === h.mem &&
    r.disk === h.disk
  );
}

/**
 * Usage intervals: one row per stretch of time a task held fixed resources. Written only through
 * the tasks store (every change of a task's desired state or spec passes there), read by metering.
 */
export function usageStore(db: Db) {
  const openOf = db.prepare(
    'SELECT * FROM usage_intervals WHERE tenant = ? AND task_id = ? AND end_at IS NULL',
  );
  const close = db.prepare('UPDATE usage_intervals SET end_at = MAX(start_at, @now) WHERE id = @id');
  const dropEmpty = db.prepare('DELETE FROM usage_intervals WHERE id = ? AND end_at <= start_at');
  const open = db.prepare(`
    INSERT INTO usage_intervals (tenant, owner_kind, owner, task_id, cpus, mem, disk, start_at, end_at)
    VALUES (@tenant, @ownerKind, @owner, @taskId, @cpus, @mem, @disk, @now, NULL)`);
  const overlapping = `start_at < @to AND (end_at IS NULL OR end_at > @from)`;
  const inTenants = db.prepare(
    `SELECT * FROM usage_intervals WHERE tenant IN (SELECT value FROM json_each(@tenants)) AND ${overlapping}
     ORDER BY tenant, start_at, id`,
  );
  const inAll = db.prepare(
    `SELECT * FROM usage_intervals WHERE ${overlapping} ORDER BY tenant, start_at, id`,
  );

  return {
    /**
     * Makes the task's open interval say what it holds now (null: nothing, it is not wanted running).
     * Idempotent: an unchanged holding keeps its interval; a changed one closes it at `now` and opens
     * another. Callers run it in the transaction that changes the task.
     */
    sync(tenant: string, taskId: string, holding: Holding | null, now: number): void {
      const current = openOf.get(tenant, taskId) as IntervalRow | undefined;
      if (current && holding && same(current, holding)) return;
      if (current) {
        close.run({ id: current.id, now });
        // An interval closed where it opened held nothing: keep the table to what can be billed.
        dropEmpty.run(current.id);
      }
      if (holding) open.run({ tenant, taskId, ...holding, now });
    },
    /** Intervals that overlap [from, to), of the given tenants or of every tenant. */
    list(tenants: string[] | 'all', from: number, to: number): UsageInterval[] {
      const rows =
        tenants === 'all'
          ? inAll.all({ from, to })
          : inTenants.all({ tenants: JSON.stringify(tenants), from, to });
      return (rows as IntervalRow[]).map(fromRow);
    },
  };
}

export type UsageStore = ReturnType<typeof usageStore>;
