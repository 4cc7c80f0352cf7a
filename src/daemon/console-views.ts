import type { NodeUsageView, WorkloadPage, WorkloadQuery, WorkloadRow } from '../core/console-schemas.js';
import type { NodeInfo } from '../core/node.js';
import { ALIVE_STATES, isTaskCurrent, ownerStatus, type TaskRecord } from '../core/task.js';
import { holdsResources } from '../deploy/admission.js';
import type { Store } from '../state/store.js';

const DEFAULT_LIMIT = 100;

/**
 * The console's list views, computed by the daemon: services and apps as one list (Marathon's), and
 * the nodes with what they offer and hold. Filtering, sorting and paging happen here, so a tenant
 * with 10,000 owners sends the browser one page at a time.
 */
export class ConsoleViews {
  constructor(private readonly ctx: { store: Store; nodes: NodeInfo[] }) {}

  workloads(tenant: string, q: WorkloadQuery): WorkloadPage {
    const { store } = this.ctx;
    const byOwner = new Map<string, TaskRecord[]>();
    for (const t of store.tasks.list(tenant)) {
      const list = byOwner.get(t.owner) ?? byOwner.set(t.owner, []).get(t.owner)!;
      list.push(t);
    }
    const rows: WorkloadRow[] = [
      ...store.services
        .list(tenant)
        .map((s) => row('service', s.name, s.stack, s.package, s.version, byOwner.get(s.name) ?? [], s)),
      ...store.apps.list(tenant).map((a) => row('app', a.id, a.stack, 'app', '', byOwner.get(a.id) ?? [])),
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
    const needle = q.q?.toLowerCase();
    const matching = rows.filter(
      (r) =>
        (!needle || [r.name, r.package, r.stack ?? ''].some((f) => f.toLowerCase().includes(needle))) &&
        (!q.status || r.status === q.status) &&
        (!q.kind || r.kind === q.kind) &&
        (!q.health || (q.health === 'healthy') === (r.wanted > 0 && r.ready === r.wanted)),
    );
    const key = q.sort ?? 'name';
    const sign = q.order === 'desc' ? -1 : 1;
    matching.sort((a, b) => {
      const x = a[key];
      const y = b[key];
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return sign * (c !== 0 ? c : a.name.localeCompare(b.name));
    });
    const offset = q.offset ?? 0;
    return {
      total: matching.length,
      offset,
      rows: matching.slice(offset, offset + (q.limit ?? DEFAULT_LIMIT)),
    };
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
  service?: { afterReady?: { status: 'pending' | 'done' | 'failed'; message: string | null } | null },
): WorkloadRow {
  const wanted = tasks.filter((t) => t.desired === 'running');
  const steps = service?.afterReady ? [{ service: name, ...service.afterReady }] : [];
  const { status, message } = ownerStatus(tasks, { steps });
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
