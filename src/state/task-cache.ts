import type { TaskRecord } from '../core/task.js';

/**
 * Every task row, parsed once per write instead of once per read: `GET /v1/tasks`, the console's
 * lists and the reconciler's sweeps read all of a tenant's tasks many times a second, and reading
 * 10,000 rows and parsing their launch specs took seconds. The tasks store is the only writer of
 * the table, and it tells the cache which row each write touched.
 *
 * A write only marks its row stale; the row is read again from SQLite by the first read outside a
 * transaction. So a transaction that rolls back leaves nothing wrong behind, and a read inside a
 * transaction that wrote (which must see its own uncommitted writes) goes to SQLite instead.
 *
 * Records handed out are frozen and shared by every reader until their row is written again (a new
 * record then replaces them): callers that derive something from a record (a view, its JSON) may
 * keep it keyed by the record's identity.
 */
export class TaskCache {
  /** tenant → task id → record; null until the first read loads the table. */
  private tenants: Map<string, Map<string, TaskRecord>> | null = null;
  /**
   * Each tenant's records in the store's order (owner, index), built on demand and then kept in
   * order row by row: the reconciler reads a tenant's list after nearly every write, and sorting
   * 10,000 tasks each time made a large `up` three times slower.
   */
  private readonly ordered = new Map<string, TaskRecord[]>();
  private everywhere: readonly TaskRecord[] | null = null;
  /** Rows written since they were last read, as [tenant, id]. */
  private readonly stale = new Map<string, [string, string]>();

  constructor(
    private readonly source: {
      /** Whether a transaction is open on the connection (then uncommitted rows may be stale). */
      inTransaction: () => boolean;
      all: () => TaskRecord[];
      one: (tenant: string, id: string) => TaskRecord | null;
    },
  ) {}

  /** After a write of this row (or inside the transaction that writes it). */
  touched(tenant: string, id: string): void {
    this.stale.set(`${tenant}\0${id}`, [tenant, id]);
    this.everywhere = null;
  }

  /**
   * The tasks by tenant and id, up to date; null when that cannot be known without SQLite (a
   * transaction wrote rows it may yet roll back). Loading the whole table once beats reading back
   * many rows one by one (a commit of thousands of tasks).
   */
  private fresh(): Map<string, Map<string, TaskRecord>> | null {
    if (this.tenants !== null && this.stale.size === 0) return this.tenants;
    if (this.source.inTransaction()) return null;
    if (this.tenants === null || this.stale.size > 256) {
      this.tenants = new Map();
      for (const t of this.source.all()) this.put(t);
      this.ordered.clear();
      this.everywhere = null;
    } else {
      for (const [tenant, id] of this.stale.values()) this.reread(tenant, id);
    }
    this.stale.clear();
    return this.tenants;
  }

  /** The row as it is now, in place of the record that was, in the map and in the ordered list. */
  private reread(tenant: string, id: string): void {
    const before = this.tenants!.get(tenant)?.get(id);
    const after = this.source.one(tenant, id);
    const list = this.ordered.get(tenant);
    if (before) {
      this.tenants!.get(tenant)!.delete(id);
      const at = list ? list.indexOf(before, lowerBound(list, before)) : -1;
      if (at >= 0) list!.splice(at, 1);
    }
    if (after) {
      this.put(after);
      if (list) list.splice(lowerBound(list, after), 0, after);
    }
  }

  private put(t: TaskRecord): void {
    Object.freeze(t.ports);
    Object.freeze(t.spec);
    Object.freeze(t);
    const map = this.tenants!.get(t.tenant) ?? this.tenants!.set(t.tenant, new Map()).get(t.tenant)!;
    map.set(t.id, t);
  }

  /** A tenant's tasks in the store's order, or null: ask SQLite. */
  list(tenant: string): readonly TaskRecord[] | null {
    const all = this.fresh();
    if (!all) return null;
    let list = this.ordered.get(tenant);
    if (!list) {
      list = [...(all.get(tenant)?.values() ?? [])].sort(byOwnerIndex);
      this.ordered.set(tenant, list);
    }
    return list;
  }

  /**
   * One owner's tasks in index order, or null: ask SQLite. Found by bisection in the tenant's list:
   * the deployer and the reconciler ask for an owner's tasks after nearly every write, and filtering
   * a tenant's 10,000 tasks each time was 1.5 s of a large `up` in a profile.
   */
  ofOwner(tenant: string, owner: string): TaskRecord[] | null {
    const list = this.list(tenant);
    if (!list) return null;
    const first = bisect(list, (t) => compare(t.owner, owner) < 0);
    return list.slice(
      first,
      bisect(list, (t) => compare(t.owner, owner) <= 0, first),
    );
  }

  listAll(): readonly TaskRecord[] | null {
    const all = this.fresh();
    if (!all) return null;
    this.everywhere ??= [...all.keys()].sort(compare).flatMap((tenant) => this.list(tenant) ?? []);
    return this.everywhere;
  }

  /** The task, null if there is none, or undefined: ask SQLite. */
  get(tenant: string, id: string): TaskRecord | null | undefined {
    if (this.tenants !== null && this.source.inTransaction() && this.stale.has(`${tenant}\0${id}`))
      return undefined;
    const all = this.fresh() ?? this.tenants;
    if (!all) return undefined;
    return all.get(tenant)?.get(id) ?? null;
  }
}

/** Where `t` goes in a list in the store's order (the first place not before it). */
function lowerBound(list: readonly TaskRecord[], t: TaskRecord): number {
  return bisect(list, (x) => byOwnerIndex(x, t) < 0);
}

/** In a list in the store's order, the first place from `lo` whose record is not `before` it. */
function bisect(list: readonly TaskRecord[], before: (t: TaskRecord) => boolean, lo = 0): number {
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(list[mid]!)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** SQLite's BINARY collation on ASCII names, as `ORDER BY owner, idx`; then the id, so ties are stable. */
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byOwnerIndex = (a: TaskRecord, b: TaskRecord) =>
  compare(a.owner, b.owner) || a.index - b.index || compare(a.id, b.id);
