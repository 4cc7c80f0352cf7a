import type {
  Allocation,
  Constraint,
  Gang,
  Plan,
  Resources,
  SchedNode,
  SchedulerView,
  TaskDemand,
  TenantPolicy,
} from '../types.js';

/** Small builders so a test reads as its scenario. */
export const res = (cpus: number, mem: number, disk = 0, ports = 0): Resources => ({
  cpus,
  mem,
  disk,
  ports,
});

/** A node whose hostname is its id, plus any other attributes. */
export function node(id: string, total: Resources, attributes: Record<string, string> = {}): SchedNode {
  return { id, total, attributes: { hostname: id, ...attributes } };
}

export function task(
  taskId: string,
  resources: Resources,
  more: { group?: string; constraints?: Constraint[]; preferredNode?: string } = {},
): TaskDemand {
  return {
    taskId,
    group: more.group ?? taskId.split('.')[0]!,
    resources,
    constraints: more.constraints ?? [],
    ...more,
  };
}

export function gang(
  id: string,
  tenant: string,
  tasks: TaskDemand[],
  service = id.split('/')[1] ?? id,
): Gang {
  return { id, tenant, service, tasks };
}

/** `count` single-task gangs of one shape: a tenant with "plenty of pending work". */
export function singles(tenant: string, count: number, resources: Resources, service = 'svc'): Gang[] {
  return Array.from({ length: count }, (_, i) =>
    gang(`${tenant}/${service}-${i}`, tenant, [task(`${tenant}-${service}.${i}`, resources)], service),
  );
}

export function view(
  nodes: SchedNode[],
  tenants: TenantPolicy[] = [],
  allocations: Allocation[] = [],
): SchedulerView {
  return { nodes, tenants, allocations };
}

export const tenant = (name: string, weight = 1, quota: TenantPolicy['quota'] = null): TenantPolicy => ({
  name,
  weight,
  quota,
});

/** Placed tasks per tenant, read off the gang ids ("tenant/..."). */
export function placedPer(plan: Plan): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of plan.placements) {
    const t = p.gangId.split('/')[0]!;
    out[t] = (out[t] ?? 0) + 1;
  }
  return out;
}
