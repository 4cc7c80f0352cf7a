import { label, wholeMatch } from './constraints.js';
import type { Groups } from './groups.js';
import type { Pool } from './pool.js';
import type { Constraint } from '../core/constraint.js';

/**
 * Marathon's operators, evaluated against the tasks of the same group: existing allocations plus
 * this cycle's placements (including a gang's own tentative ones). `holds` is the hot path (no
 * strings built); `reason` explains a violation in words and is only called when one is reported.
 */
export class ConstraintChecker {
  private readonly matches = new Map<string, { re: RegExp; hits: Map<string, boolean> }>();
  private readonly distinct = new Map<string, number>();

  constructor(
    private readonly pool: Pool,
    private readonly groups: Groups,
  ) {}

  all(constraints: readonly Constraint[], group: string, node: number): boolean {
    for (const c of constraints) if (!this.holds(c, group, node)) return false;
    return true;
  }

  holds(c: Constraint, group: string, node: number): boolean {
    const v = this.pool.attribute(c.field)[node];
    // Only UNLIKE accepts a node that lacks the attribute (as in Marathon).
    if (v === undefined) return c.operator === 'UNLIKE';
    switch (c.operator) {
      case 'IS':
        return v === c.value;
      case 'LIKE':
        return this.match(c.value!, v);
      case 'UNLIKE':
        return !this.match(c.value!, v);
      case 'CLUSTER': {
        if (c.value !== undefined) return v === c.value;
        const first = this.groups.get(group).field(c.field).first;
        return first === undefined || first.value === v;
      }
      case 'UNIQUE':
        return this.groups.get(group).field(c.field).count(v) === 0;
      case 'MAX_PER':
        return this.groups.get(group).field(c.field).count(v) < Number(c.value);
      case 'GROUP_BY': {
        const fc = this.groups.get(group).field(c.field);
        const n = fc.count(v);
        // A value the group does not use yet is always welcome; a used one only once the group
        // spreads over the expected number of values, and only if it is among the least loaded.
        return n === 0 || (fc.counts.size >= this.expected(c) && n === fc.fewest());
      }
    }
  }

  /** Why `c` refuses `node`, in words (call only when holds() said no). */
  reason(c: Constraint, group: string, node: number): string {
    const v = this.pool.attribute(c.field)[node];
    const head = `constraint ${label(c)}`;
    if (v === undefined) return `${head}: node has no ${c.field} attribute`;
    const fc = this.groups.get(group).field(c.field);
    const where = c.field === 'hostname' ? 'node' : `${c.field} ${v}`;
    switch (c.operator) {
      case 'IS':
        return `${head}: ${c.field} is ${v}`;
      case 'LIKE':
        return `${head}: ${c.field} is ${v}, which does not match`;
      case 'UNLIKE':
        return `${head}: ${c.field} is ${v}, which matches`;
      case 'CLUSTER':
        return c.value !== undefined
          ? `${head}: ${c.field} is ${v}`
          : `${head}: the group runs on ${c.field} ${fc.first?.value} (${fc.first?.taskId}), node has ${v}`;
      case 'UNIQUE':
        return `${head}: ${where} already runs ${this.someTaskOn(group, c.field, v)}`;
      case 'MAX_PER':
        return `${head}: ${where} already runs ${tasks(fc.count(v))} of the group`;
      case 'GROUP_BY': {
        const expected = this.expected(c);
        return fc.counts.size < expected
          ? `${head}: ${where} already runs ${tasks(fc.count(v))} of the group, which uses ${fc.counts.size} of ${expected} ${c.field} values; an unused one comes first`
          : `${head}: ${where} runs ${tasks(fc.count(v))} of the group, more than the least loaded ${c.field} (${fc.fewest()})`;
      }
    }
  }

  /** GROUP_BY's number of values: the one given, else every value the pool's nodes have. */
  private expected(c: Constraint): number {
    if (c.value !== undefined) return Number(c.value);
    let n = this.distinct.get(c.field);
    if (n === undefined) {
      n = new Set(this.pool.attribute(c.field).filter((v) => v !== undefined)).size;
      this.distinct.set(c.field, n);
    }
    return n;
  }

  private match(pattern: string, value: string): boolean {
    // Attribute values repeat (zones, racks), so each pattern meets each value once.
    let cache = this.matches.get(pattern);
    if (!cache) {
      cache = { re: wholeMatch(pattern), hits: new Map() };
      this.matches.set(pattern, cache);
    }
    let hit = cache.hits.get(value);
    if (hit === undefined) {
      hit = cache.re.test(value);
      cache.hits.set(value, hit);
    }
    return hit;
  }

  private someTaskOn(group: string, field: string, value: string): string {
    const values = this.pool.attribute(field);
    return (
      this.groups.get(group).members.find((m) => values[m.node] === value)?.taskId ?? 'a task of the group'
    );
  }
}

const tasks = (n: number) => (n === 1 ? '1 task' : `${n} tasks`);
