import type { AppSpec } from '../core/app.js';
import type { NodeInfo } from '../core/node.js';
import { ALIVE_STATES, type TaskRecord } from '../core/task.js';
import { schedule } from '../scheduler/scheduler.js';
import type { Allocation, Constraint, Gang, SchedNode, SchedulerView, Waiting } from '../scheduler/types.js';
import type { Store } from '../state/store.js';

/** One task an owner asks for, before it has a node. */
export interface SlotDemand {
  taskId: string;
  role: string;
  cpus: number;
  mem: number;
  disk: number;
  ports: number;
  constraints: Constraint[];
  /** The node the task runs on now: it stays there while it fits. */
  preferredNode?: string;
}

/** Constraints are evaluated among the tasks of one role of one owner, as Marathon does per app. */
export function constraintGroup(tenant: string, owner: string, role: string): string {
  return `${tenant}/${owner}/${role}`;
}

export function ownerKey(tenant: string, owner: string): string {
  return `${tenant}/${owner}`;
}

export function schedulerNodes(nodes: NodeInfo[]): SchedNode[] {
  return nodes.map((n) => ({
    id: n.id,
    attributes: n.attributes,
    total: { cpus: n.cpus, mem: n.mem, disk: n.disk, ports: n.ports },
  }));
}

/** A task holds its resources while it is wanted, and until its process is gone. */
export function holdsResources(t: TaskRecord): boolean {
  return t.desired === 'running' || ALIVE_STATES.has(t.state);
}

export function allocationOf(t: TaskRecord): Allocation {
  return {
    taskId: `${t.tenant}/${t.id}`,
    tenant: t.tenant,
    service: t.owner,
    group: constraintGroup(t.tenant, t.owner, t.role),
    nodeId: t.nodeId,
    resources: { cpus: t.spec.cpus, mem: t.spec.mem, disk: t.spec.disk, ports: t.ports.length },
  };
}

/**
 * The scheduler's read-only view: nodes, tenants with weights and quotas, and what every task holds,
 * except the owners in `replacing` (their new demand takes the place of what they hold).
 */
export function schedulerView(
  store: Store,
  nodes: NodeInfo[],
  replacing: ReadonlySet<string> = new Set(),
  extra: Allocation[] = [],
): SchedulerView {
  const allocations = store.tasks
    .listAll()
    .filter((t) => holdsResources(t) && !replacing.has(ownerKey(t.tenant, t.owner)))
    .map(allocationOf);
  return {
    nodes: schedulerNodes(nodes),
    tenants: store.tenants.list().map((t) => ({ name: t.name, weight: t.weight, quota: t.quota })),
    allocations: [...allocations, ...extra],
  };
}

export function gangOf(tenant: string, owner: string, slots: SlotDemand[]): Gang {
  return {
    id: ownerKey(tenant, owner),
    tenant,
    service: owner,
    tasks: slots.map((s) => ({
      taskId: `${tenant}/${s.taskId}`,
      group: constraintGroup(tenant, owner, s.role),
      resources: { cpus: s.cpus, mem: s.mem, disk: s.disk, ports: s.ports },
      constraints: s.constraints,
      ...(s.preferredNode ? { preferredNode: s.preferredNode } : {}),
    })),
  };
}

/** A slot as a package or an app lays it out. */
export interface Slot {
  name: string;
  role: string;
  ports: number[];
  cpus: number;
  mem: number;
  disk?: number;
  constraints?: Constraint[];
}

/**
 * Admits the owners of one deploy, one gang at a time, each against the view as the earlier ones
 * of the same deploy left it. Only the scheduler chooses nodes; this turns its plan into slot → node.
 */
export class Admission {
  private readonly planned: Allocation[] = [];
  private readonly replacing = new Set<string>();

  constructor(
    private readonly ctx: { store: Store; nodes: NodeInfo[] },
    private readonly req: { tenant: string; preferredNodes?: ReadonlyMap<string, string> },
  ) {}

  admit(
    owner: string,
    current: TaskRecord[],
    slots: Slot[],
  ): { nodes: Map<string, string> } | { waiting: Waiting } {
    const { tenant } = this.req;
    const demands = demandsOf(owner, slots, current, this.req.preferredNodes);
    const key = ownerKey(tenant, owner);
    const view = schedulerView(
      this.ctx.store,
      this.ctx.nodes,
      new Set([...this.replacing, key]),
      this.planned,
    );
    const gang = gangOf(tenant, owner, demands);
    const plan = schedule(view, [gang]);
    if (plan.waiting.length > 0) return { waiting: plan.waiting[0]! };
    const nodes = new Map<string, string>();
    const byTask = new Map(gang.tasks.map((t) => [t.taskId, t]));
    for (const p of plan.placements) {
      const demand = byTask.get(p.taskId)!;
      nodes.set(p.taskId.slice(`${tenant}/${owner}.`.length), p.nodeId);
      this.planned.push({
        taskId: p.taskId,
        tenant,
        service: owner,
        group: demand.group,
        nodeId: p.nodeId,
        resources: demand.resources,
      });
    }
    this.replacing.add(key);
    return { nodes };
  }
}

/** An app's instances as slots: one per instance, all of role "app". */
export function appSlots(app: AppSpec): (Slot & { index: number })[] {
  return Array.from({ length: app.instances }, (_, i) => ({
    name: String(i),
    role: 'app',
    index: i,
    ports: app.ports,
    cpus: app.cpus,
    mem: app.mem,
    disk: app.disk,
    constraints: app.constraints ?? [],
  }));
}

/** An owner's slots as demands; a task already placed (or placed by a cycle) prefers its node. */
export function demandsOf(
  owner: string,
  slots: Slot[],
  current: TaskRecord[],
  preferredNodes?: ReadonlyMap<string, string>,
): SlotDemand[] {
  return slots.map((s) => {
    const id = `${owner}.${s.name}`;
    const preferred = preferredNodes?.get(id) ?? current.find((t) => t.id === id)?.nodeId;
    return {
      taskId: id,
      role: s.role,
      cpus: s.cpus,
      mem: s.mem,
      disk: s.disk ?? 0,
      ports: s.ports.length,
      constraints: s.constraints ?? [],
      ...(preferred ? { preferredNode: preferred } : {}),
    };
  });
}
