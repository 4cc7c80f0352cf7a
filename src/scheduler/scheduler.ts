import { Cycle, shapeKey, watchedGroups } from './cycle.js';
import { diagnose, type Diagnosis } from './diagnose.js';
import { seededRandom } from './prng.js';
import { sum } from './resources.js';
import { DrfSorter } from './sorter/drf.js';
import { RandomSorter } from './sorter/random.js';
import type { Sorter, SorterKind } from './sorter/sorter.js';
import type { Gang, Placement, Plan, SchedulerView, Waiting } from './types.js';

export type { SorterKind };

/** Makes a fresh, empty sorter; called once for the tenants and once per tenant for its services. */
export type SorterFactory = () => Sorter;

export interface ScheduleOptions {
  /** 'drf' (default), 'random', or a factory (the benchmark passes its naive baseline this way). */
  sorter?: SorterKind | SorterFactory;
  /** Seeds the random sorter; the same seed gives the same plan. */
  seed?: number;
}

interface ServiceQueue {
  gangs: Gang[];
  next: number;
}

interface TenantQueue {
  services: Map<string, ServiceQueue>;
  sorter: Sorter;
  /** Services that still have gangs to try. */
  open: number;
}

interface Given {
  gang: Gang;
  /** Placements made before it was given up: a GROUP_BY gang is retried if its group moved since. */
  at: number;
  /** Set for a quota refusal. */
  quota?: string;
  failedTask?: number;
  why?: Diagnosis | undefined;
}

/**
 * One allocation cycle. Hierarchical DRF as in Mesos: pick the most deserving tenant that has a
 * pending gang, within it the most deserving service, and try that service's next gang (pending
 * order). A gang is placed whole or not at all, after its tenant's quota is checked; a gang that
 * cannot be placed waits and the cycle goes on with the others, so one big gang never blocks the
 * small ones behind it. The cycle ends when every pending gang has been placed or given up.
 *
 * Pure: the same view, pending list and options give the same plan.
 */
export function schedule(view: SchedulerView, pending: Gang[], options: ScheduleOptions = {}): Plan {
  const cycle = new Cycle(view, watchedGroups(pending));
  const make = factory(options);
  const tenants = make();
  tenants.addTotal(cycle.total);
  const queues = new Map<string, TenantQueue>();

  const enqueue = (gang: Gang) => {
    let q = queues.get(gang.tenant);
    if (!q) {
      q = { services: new Map(), sorter: make(), open: 0 };
      q.sorter.addTotal(cycle.total);
      queues.set(gang.tenant, q);
      tenants.add(gang.tenant, cycle.tenant(gang.tenant).policy.weight);
    }
    let s = q.services.get(gang.service);
    if (!s) {
      s = { gangs: [], next: 0 };
      q.services.set(gang.service, s);
      q.sorter.add(gang.service);
    } else if (s.next === s.gangs.length) {
      q.sorter.activate(gang.service);
    }
    if (s.next === s.gangs.length && q.open++ === 0) tenants.activate(gang.tenant);
    s.gangs.push(gang);
  };
  for (const gang of pending) enqueue(gang);
  // What tenants and services already hold counts toward their shares.
  for (const a of view.allocations) {
    const q = queues.get(a.tenant);
    if (!q) continue;
    tenants.allocated(a.tenant, a.resources);
    if (q.services.has(a.service)) q.sorter.allocated(a.service, a.resources);
  }

  const placements: Placement[] = [];
  let given: Given[] = [];
  const moved = new Map<string, number>();
  const run = () => {
    for (let tenant = tenants.next(); tenant !== undefined; tenant = tenants.next()) {
      const q = queues.get(tenant)!;
      const service = q.sorter.next()!;
      const s = q.services.get(service)!;
      const gang = s.gangs[s.next++]!;
      if (s.next === s.gangs.length) {
        q.sorter.deactivate(service);
        if (--q.open === 0) tenants.deactivate(tenant);
      }
      const demand =
        gang.tasks.length === 1 ? gang.tasks[0]!.resources : sum(gang.tasks.map((t) => t.resources));
      const quota = cycle.quotaProblem(tenant, demand);
      if (quota) {
        given.push({ gang, at: placements.length, quota });
        continue;
      }
      const result = cycle.placeGang(gang);
      if ('failed' in result) {
        // A first task is explained at the end, once per shape, against the final state: free
        // room only shrinks, so what blocked it then still blocks it.
        given.push({ gang, at: placements.length, failedTask: result.failed, why: result.why });
        continue;
      }
      for (let k = 0; k < gang.tasks.length; k++) {
        const task = gang.tasks[k]!;
        placements.push({
          gangId: gang.id,
          taskId: task.taskId,
          nodeId: cycle.pool.nodes[result.nodes[k]!]!.id,
        });
        if (cycle.groups.watches(task.group)) moved.set(task.group, placements.length);
      }
      cycle.charge(tenant, demand);
      tenants.allocated(tenant, demand);
      q.sorter.allocated(service, demand);
    }
  };

  run();
  // GROUP_BY is the one constraint that can start to hold later in a cycle (a spread group's
  // fewest-loaded value moves as it grows); retry such gangs until nothing moves.
  for (;;) {
    const retry = given.filter((g) => g.quota === undefined && groupByMoved(g, moved));
    if (retry.length === 0) break;
    const again = new Set(retry);
    given = given.filter((g) => !again.has(g));
    for (const g of retry) enqueue(g.gang);
    run();
  }

  const explained = new Map<string, Diagnosis>();
  const waiting = given.map((g): Waiting => {
    if (g.quota !== undefined) return { gangId: g.gang.id, kind: 'quota', message: g.quota };
    const task = g.gang.tasks[g.failedTask ?? 0]!;
    let why = g.why;
    if (!why) {
      const key =
        task.constraints.length === 0
          ? shapeKey(task.resources)
          : `${shapeKey(task.resources)} ${task.group} ${JSON.stringify(task.constraints)}`;
      why = explained.get(key) ?? diagnose(cycle, task);
      explained.set(key, why);
    }
    return { gangId: g.gang.id, kind: why.kind, message: `task ${task.taskId}: ${why.why}` };
  });
  return { placements, waiting };
}

function groupByMoved(g: Given, moved: Map<string, number>): boolean {
  return g.gang.tasks.some(
    (t) => t.constraints.some((c) => c.operator === 'GROUP_BY') && (moved.get(t.group) ?? 0) > g.at,
  );
}

function factory(options: ScheduleOptions): SorterFactory {
  const kind = options.sorter ?? 'drf';
  if (typeof kind === 'function') return kind;
  if (kind === 'drf') return () => new DrfSorter();
  const rng = seededRandom(options.seed ?? 0);
  return () => new RandomSorter(rng);
}
