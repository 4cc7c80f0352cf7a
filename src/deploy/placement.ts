import { FlotillaError } from '../core/errors.js';
import type { NodeInfo } from '../core/node.js';

/**
 * Chooses a node for each new task: a task keeps the node it has; a task of a spread group avoids the
 * nodes its group already uses (one broker per node); otherwise the least loaded node wins. This is
 * the embedded default's placement; fair sharing and constraints belong to the scheduler.
 */
export class Placer {
  private readonly load = new Map<string, number>();
  private readonly groups = new Map<string, Set<string>>();

  constructor(
    private readonly nodes: NodeInfo[],
    /** Tasks already placed (desired running), by node id. */
    existing: { nodeId: string; group?: string }[],
  ) {
    for (const e of existing) this.count(e.nodeId, e.group);
  }

  place(who: string, current: string | undefined, group: string | undefined): NodeInfo {
    const keep = current ? this.nodes.find((n) => n.id === current) : undefined;
    if (keep && !(group && this.groups.get(group)?.has(keep.id))) {
      this.count(keep.id, group);
      return keep;
    }
    const taken = group ? (this.groups.get(group) ?? new Set<string>()) : new Set<string>();
    const free = this.nodes.filter((n) => !taken.has(n.id));
    if (free.length === 0) {
      throw new FlotillaError(
        'PLACEMENT_FAILED',
        `${who}: every one of the ${this.nodes.length} nodes already runs a task of its group "${group}"; ` +
          `it needs a node of its own (set FLOTILLA_NODES to at least ${this.nodes.length + 1})`,
      );
    }
    const best = free.reduce((a, b) => ((this.load.get(b.id) ?? 0) < (this.load.get(a.id) ?? 0) ? b : a));
    this.count(best.id, group);
    return best;
  }

  private count(nodeId: string, group: string | undefined): void {
    this.load.set(nodeId, (this.load.get(nodeId) ?? 0) + 1);
    if (group) {
      const set = this.groups.get(group) ?? new Set<string>();
      set.add(nodeId);
      this.groups.set(group, set);
    }
  }
}
