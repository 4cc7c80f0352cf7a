import { EPSILON } from './resources.js';
import type { Resources, SchedNode } from './types.js';

/**
 * The nodes of one cycle with their free resources, and a fast first-fit over them.
 *
 * Free resources sit in a segment tree holding, per subtree, the largest free amount of each
 * resource. A subtree whose maximum CPU (or mem, disk, ports) is below the demand holds no fitting
 * node and is skipped whole, so a search costs about log(nodes) when most nodes are full, instead of
 * a scan of all 10,000. The search starts at a cursor that moves past each placement (next-fit),
 * which spreads tasks over the pool and keeps the search short when nodes have room.
 */
export class Pool {
  readonly size: number;
  private readonly cap: number;
  private readonly index = new Map<string, number>();
  // One array per resource, node i at [i], and the tree's node k at [k] (leaves from `cap`).
  private readonly cpus: Float64Array;
  private readonly mem: Float64Array;
  private readonly disk: Float64Array;
  private readonly ports: Float64Array;
  private readonly tree: Float64Array[];
  private cursor = 0;
  private readonly attributeCache = new Map<string, (string | undefined)[]>();
  // The demand of the search in progress, kept in fields so the recursion passes fewer arguments.
  private dc = 0;
  private dm = 0;
  private dd = 0;
  private dp = 0;

  constructor(readonly nodes: readonly SchedNode[]) {
    this.size = nodes.length;
    let cap = 1;
    while (cap < this.size) cap *= 2;
    this.cap = cap;
    this.cpus = new Float64Array(this.size);
    this.mem = new Float64Array(this.size);
    this.disk = new Float64Array(this.size);
    this.ports = new Float64Array(this.size);
    this.tree = [0, 1, 2, 3].map(() => new Float64Array(2 * cap).fill(-Infinity));
    nodes.forEach((n, i) => {
      this.index.set(n.id, i);
      this.cpus[i] = n.total.cpus;
      this.mem[i] = n.total.mem;
      this.disk[i] = n.total.disk;
      this.ports[i] = n.total.ports;
      this.setLeaf(i);
    });
    for (const t of this.tree) for (let k = cap - 1; k >= 1; k--) t[k] = Math.max(t[2 * k]!, t[2 * k + 1]!);
  }

  indexOf(nodeId: string): number | undefined {
    return this.index.get(nodeId);
  }

  freeOf(i: number): Resources {
    return { cpus: this.cpus[i]!, mem: this.mem[i]!, disk: this.disk[i]!, ports: this.ports[i]! };
  }

  fits(i: number, r: Resources): boolean {
    return (
      r.cpus <= this.cpus[i]! + EPSILON &&
      r.mem <= this.mem[i]! + EPSILON &&
      r.disk <= this.disk[i]! + EPSILON &&
      r.ports <= this.ports[i]! + EPSILON
    );
  }

  /** The index (in SCALAR_RESOURCES order) of the first resource node i lacks for `r`, or -1. */
  firstLacking(i: number, r: Resources): number {
    if (r.cpus > this.cpus[i]! + EPSILON) return 0;
    if (r.mem > this.mem[i]! + EPSILON) return 1;
    if (r.disk > this.disk[i]! + EPSILON) return 2;
    if (r.ports > this.ports[i]! + EPSILON) return 3;
    return -1;
  }

  take(i: number, r: Resources): void {
    this.move(i, r, -1);
  }

  give(i: number, r: Resources): void {
    this.move(i, r, 1);
  }

  /** Whether any single node could hold `r`, constraints aside (O(log nodes) at worst, often O(1)). */
  anyFits(r: Resources): boolean {
    return this.firstFit(r, () => true, false) >= 0;
  }

  /**
   * The first node from the cursor on (wrapping around) that has room for `r` and passes `accept`;
   * -1 when none does. With `advance`, the next search starts after the node found.
   */
  firstFit(r: Resources, accept: (i: number) => boolean, advance = true): number {
    if (this.size === 0) return -1;
    this.dc = r.cpus - EPSILON;
    this.dm = r.mem - EPSILON;
    this.dd = r.disk - EPSILON;
    this.dp = r.ports - EPSILON;
    const from = this.cursor;
    let found = this.search(1, 0, this.cap, from, this.size, accept);
    if (found < 0 && from > 0) found = this.search(1, 0, this.cap, 0, from, accept);
    if (found >= 0 && advance) this.cursor = found + 1 === this.size ? 0 : found + 1;
    return found;
  }

  /** Each node's value of `field` (undefined where the node lacks it), computed once per field. */
  attribute(field: string): readonly (string | undefined)[] {
    let values = this.attributeCache.get(field);
    if (!values) {
      values = this.nodes.map((n) => n.attributes[field]);
      this.attributeCache.set(field, values);
    }
    return values;
  }

  private search(
    k: number,
    lo: number,
    hi: number,
    from: number,
    to: number,
    accept: (i: number) => boolean,
  ): number {
    if (hi <= from || lo >= to) return -1;
    const t = this.tree as [Float64Array, Float64Array, Float64Array, Float64Array];
    if (t[0][k]! < this.dc || t[1][k]! < this.dm || t[2][k]! < this.dd || t[3][k]! < this.dp) return -1;
    if (hi - lo === 1) return accept(lo) ? lo : -1;
    const mid = (lo + hi) >> 1;
    const left = this.search(2 * k, lo, mid, from, to, accept);
    return left >= 0 ? left : this.search(2 * k + 1, mid, hi, from, to, accept);
  }

  private move(i: number, r: Resources, sign: number): void {
    this.cpus[i] = this.cpus[i]! + sign * r.cpus;
    this.mem[i] = this.mem[i]! + sign * r.mem;
    this.disk[i] = this.disk[i]! + sign * r.disk;
    this.ports[i] = this.ports[i]! + sign * r.ports;
    this.setLeaf(i);
    for (let k = (this.cap + i) >> 1; k >= 1; k >>= 1) {
      for (const t of this.tree) t[k] = Math.max(t[2 * k]!, t[2 * k + 1]!);
    }
  }

  private setLeaf(i: number): void {
    const k = this.cap + i;
    this.tree[0]![k] = this.cpus[i]!;
    this.tree[1]![k] = this.mem[i]!;
    this.tree[2]![k] = this.disk[i]!;
    this.tree[3]![k] = this.ports[i]!;
  }
}
