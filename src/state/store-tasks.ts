import type { Db } from './db.js';
import type { TaskDeclaration, TaskHandle, TaskRecord, TaskState } from '../core/task.js';
import type { PublishedPort } from '../core/container.js';
import { portAddresses, PortHolders } from '../core/published.js';
import { usageStore, type Holding, type UsageStore } from './store-usage.js';
import { Revision } from './revision.js';
import { TaskCache } from './task-cache.js';

interface TaskRow {
  tenant: string;
  id: string;
  owner_kind: string;
  owner: string;
  name: string;
  role: string;
  idx: number;
  stack: string | null;
  node_id: string;
  host: string;
  ports: string;
  spec: string;
  spec_hash: string;
  desired: string;
  state: string;
  handle: string | null;
  launched_spec_hash: string | null;
  restart_requested: number;
  exit_code: number | null;
  exit_signal: string | null;
  message: string | null;
  restarts: number;
  launches: number;
  next_launch_at: number | null;
  health_failures: number;
  state_since: number;
  created_at: number;
  updated_at: number;
}

function fromRow(r: TaskRow): TaskRecord {
  return {
    tenant: r.tenant,
    id: r.id,
    ownerKind: r.owner_kind as TaskRecord['ownerKind'],
    owner: r.owner,
    name: r.name,
    role: r.role,
    index: r.idx,
    stack: r.stack,
    nodeId: r.node_id,
    host: r.host,
    ports: JSON.parse(r.ports) as number[],
    spec: JSON.parse(r.spec) as TaskRecord['spec'],
    specHash: r.spec_hash,
    desired: r.desired as TaskRecord['desired'],
    state: r.state as TaskState,
    handle: r.handle ? (JSON.parse(r.handle) as TaskHandle) : null,
    launchedSpecHash: r.launched_spec_hash,
    restartRequested: r.restart_requested !== 0,
    exitCode: r.exit_code,
    exitSignal: r.exit_signal,
    message: r.message,
    restarts: r.restarts,
    launches: r.launches,
    nextLaunchAt: r.next_launch_at,
    healthFailures: r.health_failures,
    stateSince: r.state_since,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Fields the reconciler changes as a task lives; everything else is set at deploy time. */
export type TaskUpdate = Partial<
  Pick<
    TaskRecord,
    | 'state'
    | 'handle'
    | 'launchedSpecHash'
    | 'restartRequested'
    | 'exitCode'
    | 'exitSignal'
    | 'message'
    | 'restarts'
    | 'launches'
    | 'nextLaunchAt'
    | 'healthFailures'
    | 'desired'
  >
>;

const COLUMNS: Record<keyof TaskUpdate, string> = {
  state: 'state',
  handle: 'handle',
  launchedSpecHash: 'launched_spec_hash',
  restartRequested: 'restart_requested',
  exitCode: 'exit_code',
  exitSignal: 'exit_signal',
  message: 'message',
  restarts: 'restarts',
  launches: 'launches',
  nextLaunchAt: 'next_launch_at',
  healthFailures: 'health_failures',
  desired: 'desired',
};

/** SQLite binds neither objects nor booleans: the handle is stored as JSON, flags as 0 or 1. */
function toColumn(key: keyof TaskUpdate, value: unknown): unknown {
  if (key === 'handle') return value === null ? null : JSON.stringify(value);
  return typeof value === 'boolean' ? Number(value) : value;
}

/** A task holds its resources from when it is wanted running until it no longer is (metering). */
function holding(t: Pick<TaskRecord, 'desired' | 'ownerKind' | 'owner' | 'spec'>): Holding | null {
  if (t.desired !== 'running') return null;
  return { ownerKind: t.ownerKind, owner: t.owner, cpus: t.spec.cpus, mem: t.spec.mem, disk: t.spec.disk };
}

/** Every write of a task's desired state or spec also syncs its usage interval, in one transaction. */
export function tasksStore(db: Db, usage: UsageStore = usageStore(db), revision = new Revision()) {
  const all = db.prepare('SELECT * FROM tasks WHERE tenant = ? ORDER BY owner, idx');
  const everywhere = db.prepare('SELECT * FROM tasks ORDER BY tenant, owner, idx');
  const one = db.prepare('SELECT * FROM tasks WHERE tenant = ? AND id = ?');
  const byOwner = db.prepare('SELECT * FROM tasks WHERE tenant = ? AND owner = ? ORDER BY idx');
  const del = db.prepare('DELETE FROM tasks WHERE tenant = ? AND id = ?');
  // The publish list only (json_extract), not the whole spec: read on every plan.
  const usedPorts = db.prepare(
    `SELECT tenant, id, owner, host, ports, json_extract(spec, '$.container.publish') AS publish,
       json_extract(spec, '$.container.compose.service') AS written FROM tasks`,
  );
  const upsert = db.prepare(`
    INSERT INTO tasks (tenant, id, owner_kind, owner, name, role, idx, stack, node_id, host, ports, spec, spec_hash,
      desired, state, handle, launched_spec_hash, exit_code, exit_signal, message, restarts, launches,
      next_launch_at, health_failures, state_since, created_at, updated_at)
    VALUES (@tenant, @id, @ownerKind, @owner, @name, @role, @index, @stack, @nodeId, @host, @ports, @spec, @specHash,
      @desired, @state, NULL, NULL, NULL, NULL, NULL, 0, 0, NULL, 0, @now, @now, @now)
    ON CONFLICT (tenant, id) DO UPDATE SET
      role = excluded.role, idx = excluded.idx, stack = excluded.stack, node_id = excluded.node_id,
      host = excluded.host, ports = excluded.ports, spec = excluded.spec,
      spec_hash = excluded.spec_hash, desired = excluded.desired, updated_at = excluded.updated_at`);
  const read = (tenant: string, id: string) => {
    const row = one.get(tenant, id) as TaskRow | undefined;
    return row ? fromRow(row) : null;
  };
  const cache = new TaskCache({
    inTransaction: () => db.inTransaction,
    all: () => (everywhere.all() as TaskRow[]).map(fromRow),
    one: read,
  });
  const touched = (tenant: string, id: string) => {
    revision.bump();
    cache.touched(tenant, id);
  };

  function heldPorts() {
    type Row = {
      tenant: string;
      id: string;
      owner: string;
      host: string;
      ports: string;
      publish: string | null;
      /** The owner as its Compose file wrote it, for a refusal to name it so. */
      written: string | null;
    };
    return (usedPorts.all() as Row[]).flatMap((row) =>
      portAddresses(
        row.host,
        JSON.parse(row.ports) as number[],
        row.publish ? (JSON.parse(row.publish) as PublishedPort[]) : [],
      ).map((a) => ({ ...a, holder: { tenant: row.tenant, id: row.id, owner: row.written ?? row.owner } })),
    );
  }

  // What is read is shared (see TaskCache): the records are frozen, and each caller gets its own array.
  return {
    list(tenant: string): TaskRecord[] {
      return cache.list(tenant)?.slice() ?? (all.all(tenant) as TaskRow[]).map(fromRow);
    },
    listAll(): TaskRecord[] {
      return cache.listAll()?.slice() ?? (everywhere.all() as TaskRow[]).map(fromRow);
    },
    get(tenant: string, id: string): TaskRecord | null {
      const cached = cache.get(tenant, id);
      return cached !== undefined ? cached : read(tenant, id);
    },
    byOwner(tenant: string, owner: string): TaskRecord[] {
      return cache.ofOwner(tenant, owner) ?? (byOwner.all(tenant, owner) as TaskRow[]).map(fromRow);
    },
    /** Creates the task, or updates its desired spec; its runtime state is kept. */
    put(t: TaskDeclaration, now: number): void {
      touched(t.tenant, t.id);
      db.transaction(() => {
        upsert.run({
          ...t,
          ports: JSON.stringify(t.ports),
          spec: JSON.stringify(t.spec),
          state: 'staging',
          now,
        });
        usage.sync(t.tenant, t.id, holding(t), now);
      })();
    },
    update(tenant: string, id: string, changes: TaskUpdate, now: number): void {
      const sets: string[] = ['updated_at = @now'];
      const params: Record<string, unknown> = { tenant, id, now };
      for (const [key, value] of Object.entries(changes) as [keyof TaskUpdate, unknown][]) {
        if (value === undefined) continue;
        const column = COLUMNS[key];
        sets.push(`${column} = @${column}`);
        params[column] = toColumn(key, value);
      }
      touched(tenant, id);
      if (changes.state) sets.push('state_since = CASE WHEN state = @state THEN state_since ELSE @now END');
      const write = () =>
        db.prepare(`UPDATE tasks SET ${sets.join(', ')} WHERE tenant = @tenant AND id = @id`).run(params);
      if (changes.desired === undefined) return void write();
      db.transaction(() => {
        write();
        const row = one.get(tenant, id) as TaskRow | undefined;
        usage.sync(tenant, id, row ? holding(fromRow(row)) : null, now);
      })();
    },
    remove(tenant: string, id: string): void {
      touched(tenant, id);
      db.transaction(() => {
        const row = one.get(tenant, id) as TaskRow | undefined;
        del.run(tenant, id);
        // Tasks are removed after they stopped being wanted, so this closes nothing in practice; if
        // one ever is removed while wanted, its last write is the best end the store knows.
        if (row) usage.sync(tenant, id, null, row.updated_at);
      })();
    },
    /**
     * Every port held by a task, per address where it is really held (a container's port published
     * on an address of its own is held there, not on the task's node): never handed out twice.
     */
    portsInUse(): Map<string, Set<number>> {
      const used = new Map<string, Set<number>>();
      for (const h of heldPorts()) {
        const set = used.get(h.address) ?? new Set<number>();
        set.add(h.port);
        used.set(h.address, set);
      }
      return used;
    },
    /** The same, with the task that holds each: a refusal names it. */
    portHolders(): PortHolders {
      const holders = new PortHolders();
      for (const h of heldPorts()) holders.add(h.address, h.port, h.holder);
      return holders;
    },
  };
}

export type TasksStore = ReturnType<typeof tasksStore>;
