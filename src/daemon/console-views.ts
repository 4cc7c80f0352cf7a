import type { NodeUsageView, WorkloadPage, WorkloadQuery, WorkloadRow } from '../core/console-schemas.js';
import type { NodeInfo } from '../core/node.js';
import { ALIVE_STATES, SETTLE_MS, isTaskCurrent, ownerStatus, type TaskRecord } from '../core/task.js';
import { holdsResources } from '../deploy/admission.js';
import type { Store } from '../state/store.js';

const DEFAULT_LIMIT = 100;
/** localeCompare's order, without building the locale's rules on every comparison (10,000 rows). */
const collate = new Intl.Collator().compare;

/**
 * The console's list views, computed by the daemon: services and apps as one list (Marathon's), and
 * the nodes with what they offer and hold. Filtering, sorting and paging happen here, so a tenant
 * with 10,000 owners sends the browser one page at a time.
 */
export class ConsoleViews {
  constructor(private readonly ctx: { store: Store; nodes: NodeInfo[] }) {}

  /** Each tenant's rows, kept until a write moves the store's revision or a status may change with time. */
  private readonly cache = new Map<string, CachedRows>();

  workloads(tenant: string, q: WorkloadQuery): WorkloadPage {
    const now = Date.now();
    let cached = this.cache.get(tenant);
    if (!cached || cached.revision !== this.ctx.store.revision.current || now >= cached.validUntil) {
      cached = { revision: this.ctx.store.revision.current, ...this.rows(tenant, now), matching: new Map() };
      this.cache.set(tenant, cached);
    }
    const needle = q.q?.toLowerCase();
    const key = JSON.stringify([needle, q.status, q.kind, q.health, q.sort, q.order]);
    let matching = cached.matching.get(key);
    if (!matching) {
      matching = sorted(
        cached.rows.filter(
          (r) =>
            (!needle ||
              [r.name, r.written ?? '', r.package, r.stack ?? ''].some((f) =>
                f.toLowerCase().includes(needle),
              )) &&
            (!q.status || r.status === q.status) &&
            (!q.kind || r.kind === q.kind) &&
            (!q.health || (q.health === 'healthy') === (r.wanted > 0 && r.ready === r.wanted)),
        ),
        q,
      );
      if (cached.matching.size < MAX_QUERIES) cached.matching.set(key, matching);
    }
    const offset = q.offset ?? 0;
    return {
      total: matching.length,
      offset,
      rows: matching.slice(offset, offset + (q.limit ?? DEFAULT_LIMIT)),
    };
  }

  /** Every row of the tenant, and until when they hold if nothing is written (a task settling). */
  private rows(tenant: string, now: number): { rows: WorkloadRow[]; validUntil: number } {
    const { store } = this.ctx;
    const byOwner = new Map<string, TaskRecord[]>();
    let validUntil = Infinity;
    for (const t of store.tasks.list(tenant)) {
      const list = byOwner.get(t.owner) ?? byOwner.set(t.owner, []).get(t.owner)!;
      list.push(t);
      if (settlingUntil(t) > now) validUntil = Math.min(validUntil, settlingUntil(t));
    }
    const rows: WorkloadRow[] = [
      ...store.services
        .summaries(tenant)
        .map((s) => row('service', s.name, s.stack, s.package, s.version, byOwner.get(s.name) ?? [], now, s)),
      ...store.apps.summaries(tenant).map((a) => {
        const r = row('app', a.id, a.stack, 'app', '', byOwner.get(a.id) ?? [], now);
        return a.written !== null && a.written !== a.id ? { ...r, written: a.written } : r;
      }),
      ...store.queue.list(tenant).map((e): WorkloadRow => ({
        kind: e.declaration.kind,
        name: e.owner,
        stack: e.stack,
        package: e.declaration.kind === 'service' ? e.declaration.service.package : 'app',
        version: e.declaration.kind === 'service' ? (e.declaration.service.version ?? '') : '',
        status: 'waiting',
        message: e.reason,
        running: 0,
        wanted: 0,
        ready: 0,
        cpus: 0,
        mem: 0,
      })),
    ];
    return { rows, validUntil };
  }

  nodes(tenant: string): NodeUsageView[] {
    const { store, nodes } = this.ctx;
    const holding = store.tasks.listAll().filter(holdsResources);
    return nodes.map((n) => {
      const on = holding.filter((t) => t.nodeId === n.id);
      const allocated = { cpus: 0, mem: 0, disk: 0, ports: 0 };
      for (const t of on) {
        allocated.cpus += t.spec.cpus;
        allocated.mem += t.spec.mem;
        allocated.disk += t.spec.disk;
        allocated.ports += t.ports.length;
      }
      return {
        id: n.id,
        host: n.host,
        attributes: n.attributes,
        offered: { cpus: n.cpus, mem: n.mem, disk: n.disk, ports: n.ports },
        allocated,
        tasks: on
          .filter((t) => t.tenant === tenant)
          .map((t) => ({ id: t.id, owner: t.owner, state: t.state })),
      };
    });
  }
}

function row(
  kind: 'service' | 'app',
  name: string,
  stack: string | null,
  pkg: string,
  version: string,
  tasks: TaskRecord[],
  now: number,
  service?: { afterReady?: { status: 'pending' | 'done' | 'failed'; message: string | null } | null },
): WorkloadRow {
  const wanted = tasks.filter((t) => t.desired === 'running');
  const steps = service?.afterReady ? [{ service: name, ...service.afterReady }] : [];
  const { status, message } = ownerStatus(tasks, { steps, now });
  return {
    kind,
    name,
    stack,
    package: pkg,
    version,
    status,
    message,
    running: wanted.filter((t) => ALIVE_STATES.has(t.state)).length,
    wanted: wanted.length,
    ready: wanted.filter(isTaskCurrent).length,
    cpus: round(wanted.reduce((s, t) => s + t.spec.cpus, 0)),
    mem: round(wanted.reduce((s, t) => s + t.spec.mem, 0)),
  };
}

const round = (n: number) => Math.round(n * 100) / 100;

interface CachedRows {
  revision: number;
  validUntil: number;
  rows: WorkloadRow[];
  /** Filtered and sorted, by query (without its page). */
  matching: Map<string, WorkloadRow[]>;
}

/** Distinct filters and sorts kept per revision: the console asks a few; a script may ask many. */
const MAX_QUERIES = 16;

function sorted(rows: WorkloadRow[], q: WorkloadQuery): WorkloadRow[] {
  const key = q.sort ?? 'name';
  const sign = q.order === 'desc' ? -1 : 1;
  return rows.sort((a, b) => {
    const x = a[key];
    const y = b[key];
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : collate(String(x), String(y));
    return sign * (c !== 0 ? c : collate(a.name, b.name));
  });
}

/** Until when a running one-shot task is still settling, so its owner's status may change with time alone. */
const settlingUntil = (t: TaskRecord) =>
  (t.spec.restart ?? 'always') !== 'always' && t.state === 'running' ? t.stateSince + SETTLE_MS : 0;
