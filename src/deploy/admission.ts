import type { AppSpec } from '../core/app.js';
import { FlotillaError } from '../core/errors.js';
import { constraintGroup, ownerKey, splitKey, splitTaskId, taskId, taskKey } from '../core/keys.js';
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
    taskId: taskKey(t.tenant, t.id),
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
      taskId: taskKey(tenant, s.taskId),
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
 * Placements an allocation cycle already chose are taken as they are: each gang is scheduled once.
 */
export class Admission {
  private readonly planned: Allocation[] = [];
  private readonly replacing = new Set<string>();

  constructor(
    private readonly ctx: { store: Store; nodes: NodeInfo[] },
    private readonly req: { tenant: string; placements?: ReadonlyMap<string, string> },
  ) {}

  admit(
    owner: string,
    current: TaskRecord[],
    slots: Slot[],
  ): { nodes: Map<string, string> } | { waiting: Waiting } {
    const { tenant } = this.req;
    const key = ownerKey(tenant, owner);
    const gang = gangOf(tenant, owner, demandsOf(owner, slots, current));
    const fixed = this.fixed(owner, slots);
    if (!fixed) checkSatisfiable(owner, slots, this.ctx.nodes);
    const placements =
      fixed ??
      (() => {
        const view = schedulerView(
          this.ctx.store,
          this.ctx.nodes,
          new Set([...this.replacing, key]),
          this.planned,
        );
        const plan = schedule(view, [gang]);
        return plan.waiting.length > 0 ? { waiting: plan.waiting[0]! } : plan.placements;
      })();
    if ('waiting' in placements) return placements;
    const nodes = new Map<string, string>();
    const byTask = new Map(gang.tasks.map((t) => [t.taskId, t]));
    for (const p of placements) {
      const demand = byTask.get(p.taskId)!;
      nodes.set(splitTaskId(splitKey(p.taskId).id).name, p.nodeId);
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

  /** The allocation cycle's placements of this owner's slots, when it chose all of them. */
  private fixed(owner: string, slots: Slot[]): { taskId: string; nodeId: string }[] | null {
    const chosen = this.req.placements;
    if (!chosen) return null;
    const out = slots.map((s) => ({
      taskId: taskKey(this.req.tenant, taskId(owner, s.name)),
      nodeId: chosen.get(taskId(owner, s.name)),
    }));
    return out.every((p) => p.nodeId !== undefined) ? (out as { taskId: string; nodeId: string }[]) : null;
  }
}

/**
 * An app's instances as slots: one per instance, all of role "app". A Compose service's replicas are
 * named as Compose numbers them, from 1 (`web.1`); a Marathon app's from 0 (`web.0`).
 */
export function appSlots(app: AppSpec): (Slot & { index: number })[] {
  const first = app.container?.compose ? 1 : 0;
  return Array.from({ length: app.instances }, (_, i) => ({
    name: String(i + first),
    role: 'app',
    index: i,
    ports: app.ports,
    cpus: app.cpus,
    mem: app.mem,
    disk: app.disk,
    constraints: app.constraints ?? [],
  }));
}

/** An owner's slots as demands; a task already placed prefers its node. */
export function demandsOf(owner: string, slots: Slot[], current: TaskRecord[]): SlotDemand[] {
  return slots.map((s) => {
    const id = taskId(owner, s.name);
    const preferred = current.find((t) => t.id === id)?.nodeId;
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

const RESOURCES = [
  ['cpus', 'cpus', ''],
  ['mem', 'mem', ' MB'],
  ['disk', 'disk', ' MB'],
  ['ports', 'ports', ''],
] as const;

/**
 * Refuses an owner no pool could ever admit, rather than letting it wait in the queue forever: a
 * task that asks for more than the largest node offers (in any one resource, or all of them at
 * once on one node), or tasks that together ask for more than every node offers. Capacity taken by
 * others, quotas and constraints only make an owner wait: those can change, the nodes do not.
 */
export function checkSatisfiable(owner: string, slots: Slot[], nodes: NodeInfo[]): void {
  if (slots.length === 0 || nodes.length === 0) return;
  const demand = (s: Slot) => ({ cpus: s.cpus, mem: s.mem, disk: s.disk ?? 0, ports: s.ports.length });
  const largest = [...nodes].sort((a, b) => b.mem - a.mem || b.cpus - a.cpus)[0]!;
  const offers = (n: NodeInfo) => RESOURCES.map(([k, label, unit]) => `${label} ${n[k]}${unit}`).join(', ');
  for (const s of slots) {
    const d = demand(s);
    if (nodes.some((n) => RESOURCES.every(([k]) => d[k] <= n[k]))) continue;
    const over = RESOURCES.filter(([k]) => d[k] > largest[k]).map(
      ([k, label, unit]) => `${label} ${d[k]}${unit}`,
    );
    throw new FlotillaError(
      'RESOURCES_UNSATISFIABLE',
      `${owner}: task ${s.name} asks for ${over.length > 0 ? over.join(', ') : RESOURCES.map(([k, l, u]) => `${l} ${d[k]}${u}`).join(', ')}, ` +
        `but no node could ever hold it: the largest, ${largest.id} (${largest.host}), offers ${offers(largest)}`,
      {
        largest: {
          id: largest.id,
          cpus: largest.cpus,
          mem: largest.mem,
          disk: largest.disk,
          ports: largest.ports,
        },
      },
    );
  }
  for (const [k, label, unit] of RESOURCES) {
    const asked = slots.reduce((sum, s) => sum + demand(s)[k], 0);
    const pool = nodes.reduce((sum, n) => sum + n[k], 0);
    if (asked > pool)
      throw new FlotillaError(
        'RESOURCES_UNSATISFIABLE',
        `${owner}: its ${slots.length} tasks ask for ${label} ${asked}${unit} together, but all ${nodes.length} nodes offer ${pool}${unit}: ` +
          'its tasks are admitted together or not at all',
      );
  }
}
