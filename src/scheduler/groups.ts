import type { Pool } from './pool.js';
import type { Allocation } from './types.js';

/** A task of a constraint group on node `node` (an index into the pool). */
export interface Member {
  taskId: string;
  node: number;
}

/**
 * How many tasks of one group sit on each value of one attribute. Constraint checks read these in
 * O(1) per node instead of walking the group's tasks for every node they look at.
 */
export class FieldCounts {
  readonly counts = new Map<string, number>();
  /** For CLUSTER without a value: the value (and task) of the first task placed. */
  first: { value: string; taskId: string } | undefined;
  private min = 0;
  private stale = true;

  count(value: string): number {
    return this.counts.get(value) ?? 0;
  }

  /** The fewest tasks on any value the group uses (0 when it uses none). */
  fewest(): number {
    if (this.stale) {
      this.min = this.counts.size === 0 ? 0 : Infinity;
      for (const n of this.counts.values()) if (n < this.min) this.min = n;
      this.stale = false;
    }
    return this.min;
  }

  add(value: string, taskId: string): void {
    if (this.counts.size === 0) this.first = { value, taskId };
    this.counts.set(value, this.count(value) + 1);
    this.stale = true;
  }

  remove(value: string): void {
    const n = this.count(value) - 1;
    if (n > 0) this.counts.set(value, n);
    else this.counts.delete(value);
    if (this.counts.size === 0) this.first = undefined;
    this.stale = true;
  }
}

/** The tasks of one group (existing allocations, then this cycle's placements, in order). */
export class GroupState {
  readonly members: Member[] = [];
  private readonly fields = new Map<string, FieldCounts>();

  constructor(private readonly pool: Pool) {}

  /** Counts for `field`, built on first use: most groups are only ever checked on one or two fields. */
  field(field: string): FieldCounts {
    let fc = this.fields.get(field);
    if (!fc) {
      fc = new FieldCounts();
      const values = this.pool.attribute(field);
      for (const m of this.members) {
        const v = values[m.node];
        if (v !== undefined) fc.add(v, m.taskId);
      }
      this.fields.set(field, fc);
    }
    return fc;
  }

  add(taskId: string, node: number): void {
    this.members.push({ taskId, node });
    for (const [field, fc] of this.fields) {
      const v = this.pool.attribute(field)[node];
      if (v !== undefined) fc.add(v, taskId);
    }
  }

  /** Undoes the last add(): a gang that does not fit whole gives back its tentative placements in reverse. */
  removeLast(): void {
    const m = this.members.pop();
    if (!m) return;
    for (const [field, fc] of this.fields) {
      const v = this.pool.attribute(field)[m.node];
      if (v !== undefined) fc.remove(v);
    }
  }
}

/**
 * Constraint groups, kept only for the groups a constrained task belongs to (`watched`): the other
 * 90% of tasks then cost no bookkeeping at all.
 */
export class Groups {
  private readonly states = new Map<string, GroupState>();

  constructor(
    private readonly pool: Pool,
    allocations: readonly Allocation[],
    watched: ReadonlySet<string>,
  ) {
    for (const g of watched) this.states.set(g, new GroupState(pool));
    for (const a of allocations) {
      const node = pool.indexOf(a.nodeId);
      // A task on a node that left the pool constrains nothing any more.
      if (node !== undefined) this.states.get(a.group)?.add(a.taskId, node);
    }
  }

  /** A group no constrained task belongs to reads as empty. */
  get(group: string): GroupState {
    return this.states.get(group) ?? new GroupState(this.pool);
  }

  watches(group: string): boolean {
    return this.states.has(group);
  }

  add(group: string, taskId: string, node: number): void {
    this.states.get(group)?.add(taskId, node);
  }

  removeLast(group: string): void {
    this.states.get(group)?.removeLast();
  }
}
