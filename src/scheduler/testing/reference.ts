import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Allocation, Constraint, Gang, Plan, Resources, SchedulerView, TaskDemand } from '../types.js';
import { node, res, tenant } from './build.js';

/**
 * Random instances and a slow, obviously-right reference for the property tests: it recomputes the
 * final state from the plan and judges every node for every waiting task from scratch.
 */
export interface Instance {
  view: SchedulerView;
  pending: Gang[];
}

interface Final {
  free: Map<string, Resources>;
  /** Node ids of each group's tasks, in placement order. */
  members: Map<string, string[]>;
  used: Map<string, Resources>;
}

const GB = 1024;
const RESOURCES = ['cpus', 'mem', 'disk', 'ports'] as const;
/** Every group gets one of these, as an app has one constraint list for all its tasks. */
const CHOICES: Constraint[][] = [
  [],
  [],
  [{ field: 'hostname', operator: 'UNIQUE' }],
  [{ field: 'zone', operator: 'MAX_PER', value: '2' }],
  [{ field: 'zone', operator: 'IS', value: 'a' }],
  [{ field: 'zone', operator: 'GROUP_BY' }],
  [{ field: 'rack', operator: 'LIKE', value: 'r[12]' }],
  [{ field: 'rack', operator: 'UNLIKE', value: 'r[12]' }],
  [{ field: 'zone', operator: 'CLUSTER' }],
  [{ field: 'rack', operator: 'CLUSTER', value: 'r3' }],
  [
    { field: 'hostname', operator: 'UNIQUE' },
    { field: 'zone', operator: 'GROUP_BY', value: '2' },
  ],
];
const maybe = <T>(xs: T[]) => fc.constantFrom<T | undefined>(...xs, undefined);
const demand = fc.record({
  cpus: fc.integer({ min: 0, max: 4 }),
  gb: fc.integer({ min: 0, max: 8 }),
  ports: fc.integer({ min: 0, max: 2 }),
});

function instance(): fc.Arbitrary<Instance> {
  return fc
    .record({
      nodes: fc.array(
        fc.record({
          cpus: fc.integer({ min: 1, max: 16 }),
          gb: fc.integer({ min: 1, max: 32 }),
          ports: fc.integer({ min: 0, max: 4 }),
          zone: maybe(['a', 'b', 'c']),
          rack: maybe(['r1', 'r2', 'r3']),
        }),
        { minLength: 1, maxLength: 8 },
      ),
      tenants: fc.array(
        fc.record({
          weight: fc.integer({ min: 1, max: 4 }),
          quota: fc.option(fc.integer({ min: 1, max: 24 })),
          groups: fc.array(
            fc.record({
              constraints: fc.nat(CHOICES.length - 1),
              tasks: fc.array(demand, { minLength: 1, maxLength: 10 }),
            }),
            { minLength: 1, maxLength: 3 },
          ),
        }),
        { minLength: 1, maxLength: 4 },
      ),
      held: fc.array(fc.record({ node: fc.nat(7), tenant: fc.nat(3), d: demand }), { maxLength: 6 }),
    })
    .map(({ nodes, tenants, held }) => {
      const pool = nodes.map((n, i) => {
        const attributes: Record<string, string> = {};
        if (n.zone) attributes.zone = n.zone;
        if (n.rack) attributes.rack = n.rack;
        return node(`n${i}`, res(n.cpus, n.gb * GB, 0, n.ports), attributes);
      });
      const view: SchedulerView = {
        nodes: pool,
        tenants: tenants.map((t, i) =>
          tenant(`t${i}`, t.weight, t.quota === null ? null : { cpus: t.quota }),
        ),
        allocations: [],
      };
      const room = new Map(pool.map((n) => [n.id, { ...n.total }]));
      for (const [k, h] of held.entries()) {
        const nodeId = `n${h.node % pool.length}`;
        const r = res(h.d.cpus, h.d.gb * GB, 0, h.d.ports);
        if (!fitsIn(r, room.get(nodeId)!)) continue;
        subtract(room.get(nodeId)!, r);
        const t = `t${h.tenant % tenants.length}`;
        view.allocations.push({
          taskId: `old.${k}`,
          tenant: t,
          service: 'old',
          group: `old.${k}`,
          nodeId,
          resources: r,
        });
      }
      const pending = tenants.flatMap((t, i) =>
        t.groups.flatMap((g, j) =>
          g.tasks.map((d, k): Gang => ({
            id: `t${i}/g${j}-${k}`,
            tenant: `t${i}`,
            service: `g${j}`,
            tasks: [
              {
                taskId: `t${i}-g${j}.${k}`,
                group: `t${i}-g${j}`,
                resources: res(d.cpus, d.gb * GB, 0, d.ports),
                constraints: CHOICES[g.constraints]!,
              },
            ],
          })),
        ),
      );
      return { view, pending };
    });
}

function finalState(inst: Instance, plan: Plan): Final {
  const free = new Map(inst.view.nodes.map((n) => [n.id, { ...n.total }]));
  const members = new Map<string, string[]>();
  const used = new Map<string, Resources>();
  const charge = (a: Pick<Allocation, 'tenant' | 'nodeId' | 'resources'>) => {
    subtract(free.get(a.nodeId)!, a.resources);
    const u = used.get(a.tenant) ?? res(0, 0);
    subtract(u, res(-a.resources.cpus, -a.resources.mem, -a.resources.disk, -a.resources.ports));
    used.set(a.tenant, u);
  };
  for (const a of inst.view.allocations) charge(a);
  for (const p of plan.placements) {
    const gang = inst.pending.find((g) => g.id === p.gangId)!;
    const task = gang.tasks.find((t) => t.taskId === p.taskId)!;
    charge({ tenant: gang.tenant, nodeId: p.nodeId, resources: task.resources });
    members.set(task.group, [...(members.get(task.group) ?? []), p.nodeId]);
  }
  return { free, members, used };
}

function fits(inst: Instance, final: Final, task: TaskDemand, nodeId: string): boolean {
  if (!fitsIn(task.resources, final.free.get(nodeId)!)) return false;
  return task.constraints.every((c) => holds(inst, c, final.members.get(task.group) ?? [], nodeId));
}

function holds(inst: Instance, c: Constraint, members: string[], nodeId: string): boolean {
  const attr = (id: string) => inst.view.nodes.find((n) => n.id === id)!.attributes[c.field];
  const v = attr(nodeId);
  if (v === undefined) return c.operator === 'UNLIKE';
  const values = members.map(attr).filter((x): x is string => x !== undefined);
  const here = values.filter((x) => x === v).length;
  const whole = (p: string) => new RegExp(`^(?:${p})$`).test(v);
  switch (c.operator) {
    case 'UNIQUE':
      return here === 0;
    case 'MAX_PER':
      return here < Number(c.value);
    case 'IS':
      return v === c.value;
    case 'LIKE':
      return whole(c.value!);
    case 'UNLIKE':
      return !whole(c.value!);
    case 'CLUSTER':
      return c.value !== undefined ? v === c.value : values.length === 0 || values[0] === v;
    case 'GROUP_BY': {
      const counts = new Map<string, number>();
      for (const x of values) counts.set(x, (counts.get(x) ?? 0) + 1);
      const pool = new Set(inst.view.nodes.map((n) => n.attributes[c.field]).filter((x) => x !== undefined));
      const expected = c.value === undefined ? pool.size : Number(c.value);
      return here === 0 || (counts.size >= expected && here === Math.min(...counts.values()));
    }
  }
}

function overQuota(inst: Instance, final: Final, gang: Gang): boolean {
  const quota = inst.view.tenants.find((t) => t.name === gang.tenant)?.quota;
  const used = final.used.get(gang.tenant) ?? res(0, 0);
  const need = gang.tasks.reduce((s, t) => s + t.resources.cpus, 0);
  return quota?.cpus !== undefined && used.cpus + need > quota.cpus;
}

/** What the final state must satisfy whatever the order: capacity, and the order-free constraints. */
function checkPlacements(inst: Instance, plan: Plan, final: Final): void {
  for (const [id, f] of final.free)
    for (const r of RESOURCES) assert.ok(f[r] >= -1e-9, `${id} overcommitted ${r}`);
  for (const [group, nodes] of final.members) {
    const constraints = inst.pending.find((g) => g.tasks[0]!.group === group)!.tasks[0]!.constraints;
    for (const c of constraints) {
      const values = nodes.map((id) => inst.view.nodes.find((n) => n.id === id)!.attributes[c.field]);
      const counts = new Map<string | undefined, number>();
      for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
      const max = Math.max(...counts.values());
      if (c.operator === 'UNIQUE') assert.equal(max, 1, `${group}: ${c.field} not unique`);
      if (c.operator === 'MAX_PER') assert.ok(max <= Number(c.value), `${group}: over MAX_PER`);
      if (c.operator === 'CLUSTER') assert.equal(counts.size, 1, `${group}: not clustered`);
      if (c.operator === 'GROUP_BY' && c.value === undefined) {
        assert.ok(max - Math.min(...counts.values()) <= 1, `${group}: uneven ${JSON.stringify([...counts])}`);
      }
      for (const [k, id] of nodes.entries()) {
        if (['IS', 'LIKE', 'UNLIKE'].includes(c.operator))
          assert.ok(holds(inst, c, [], id), `${group}[${k}] on ${id}`);
      }
    }
  }
  assert.equal(plan.placements.length + plan.waiting.length, inst.pending.length);
}

function fitsIn(r: Resources, free: Resources): boolean {
  return RESOURCES.every((k) => r[k] <= free[k] + 1e-9);
}

function subtract(from: Resources, r: Resources): void {
  for (const k of RESOURCES) from[k] -= r[k];
}

export const reference = { instance, finalState, fits, overQuota, checkPlacements };
