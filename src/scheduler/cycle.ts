import { ConstraintChecker } from './constraint-check.js';
import { diagnose, type Diagnosis } from './diagnose.js';
import { Groups } from './groups.js';
import { Pool } from './pool.js';
import { addTo, amount, EPSILON, sum, zero } from './resources.js';
import type { Gang, Resources, SchedulerView, TaskDemand, TenantPolicy } from './types.js';

export interface TenantState {
  policy: TenantPolicy;
  /** Existing allocations plus what this cycle placed: what quota is checked against. */
  used: Resources;
}

const ANY = () => true;

/**
 * The mutable state of one allocation cycle, built from a read-only view: free resources per node,
 * constraint groups, and what each tenant holds. schedule() and explain() both work on one.
 */
export class Cycle {
  readonly pool: Pool;
  readonly groups: Groups;
  readonly checker: ConstraintChecker;
  readonly total: Resources;
  private readonly tenants = new Map<string, TenantState>();
  // Shapes of unconstrained tasks that fit on no node. Free resources only shrink during a cycle
  // (a gang that does not fit gives back exactly what it took), so such a shape never fits again.
  private readonly hopeless = new Set<string>();

  /** `watched`: the groups of the tasks that have constraints (only those need group bookkeeping). */
  constructor(view: SchedulerView, watched: ReadonlySet<string>) {
    this.pool = new Pool(view.nodes);
    this.total = sum(view.nodes.map((n) => n.total));
    for (const p of view.tenants) this.tenants.set(p.name, { policy: p, used: zero() });
    for (const a of view.allocations) {
      const node = this.pool.indexOf(a.nodeId);
      if (node !== undefined) this.pool.take(node, a.resources);
      addTo(this.tenant(a.tenant).used, a.resources);
    }
    this.groups = new Groups(this.pool, view.allocations, watched);
    this.checker = new ConstraintChecker(this.pool, this.groups);
  }

  /** A tenant the view has no policy for gets weight 1 and no quota. */
  tenant(name: string): TenantState {
    let t = this.tenants.get(name);
    if (!t) {
      t = { policy: { name, weight: 1, quota: null }, used: zero() };
      this.tenants.set(name, t);
    }
    return t;
  }

  /** The sentence saying which quota `demand` would break, or null when it fits the quota. */
  quotaProblem(tenant: string, demand: Resources): string | null {
    const t = this.tenant(tenant);
    const quota = t.policy.quota;
    if (!quota) return null;
    for (const r of ['cpus', 'mem', 'disk'] as const) {
      const limit = quota[r];
      if (limit === undefined || t.used[r] + demand[r] <= limit + EPSILON) continue;
      return (
        `tenant ${tenant}: ${r} quota ${amount(r, limit)}, ${amount(r, t.used[r])} used, ` +
        `the gang needs ${amount(r, demand[r])} more`
      );
    }
    return null;
  }

  charge(tenant: string, demand: Resources): void {
    addTo(this.tenant(tenant).used, demand);
  }

  /**
   * Places every task of the gang, or none: on success the node of each task (resources and
   * constraint groups updated); on failure the index of the first task that found no node, with
   * everything the gang had taken given back. A task that failed after its gang-mates took room is
   * diagnosed before they give it back (`why`), since that room is part of the reason.
   */
  placeGang(gang: Gang): { nodes: number[] } | { failed: number; why?: Diagnosis } {
    const nodes: number[] = [];
    for (let k = 0; k < gang.tasks.length; k++) {
      const task = gang.tasks[k]!;
      const node = this.findNode(task, nodes.length === 0);
      if (node < 0) {
        const why = k > 0 ? diagnose(this, task) : undefined;
        this.undo(gang.tasks, nodes);
        return why ? { failed: k, why } : { failed: k };
      }
      this.put(task, node);
      nodes.push(node);
    }
    return { nodes };
  }

  /** The node `task` would go to now, or -1. `clean`: no tentative placement is held. */
  findNode(task: TaskDemand, clean = true): number {
    const free = task.constraints.length === 0;
    const shape = free ? shapeKey(task.resources) : '';
    if (free && this.hopeless.has(shape)) return -1;
    const accept = free ? ANY : (i: number) => this.checker.all(task.constraints, task.group, i);
    if (task.preferredNode !== undefined) {
      const p = this.pool.indexOf(task.preferredNode);
      if (p !== undefined && this.pool.fits(p, task.resources) && accept(p)) return p;
    }
    const node = this.pool.firstFit(task.resources, accept);
    if (node < 0 && free && clean) this.hopeless.add(shape);
    return node;
  }

  put(task: TaskDemand, node: number): void {
    this.pool.take(node, task.resources);
    this.groups.add(task.group, task.taskId, node);
  }

  private undo(tasks: readonly TaskDemand[], nodes: readonly number[]): void {
    for (let k = nodes.length - 1; k >= 0; k--) {
      this.pool.give(nodes[k]!, tasks[k]!.resources);
      this.groups.removeLast(tasks[k]!.group);
    }
  }
}

/** The groups whose tasks carry constraints. */
export function watchedGroups(gangs: Iterable<Gang>): Set<string> {
  const watched = new Set<string>();
  for (const g of gangs) for (const t of g.tasks) if (t.constraints.length > 0) watched.add(t.group);
  return watched;
}

export const shapeKey = (r: Resources): string => `${r.cpus}|${r.mem}|${r.disk}|${r.ports}`;
