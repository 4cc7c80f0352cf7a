/**
 * The scheduler's inputs and outputs. Everything here is plain data: the daemon builds a
 * SchedulerView from the store, the scheduler returns a Plan, and the deploy step commits it.
 */
import type { Constraint } from '../core/constraint.js';

// Constraints are domain types (apps and packages declare them); re-exported for the scheduler's users.
export { CONSTRAINT_OPERATORS, type Constraint, type ConstraintOperator } from '../core/constraint.js';

/** mem and disk in MB; ports is how many ports (not which). */
export interface Resources {
  cpus: number;
  mem: number;
  disk: number;
  ports: number;
}

/** Iterate these for shares and fit, so a new scalar resource is one edit. */
export const SCALAR_RESOURCES = ['cpus', 'mem', 'disk', 'ports'] as const;
export type ScalarResource = (typeof SCALAR_RESOURCES)[number];

/** `attributes` always include `hostname`, so hostname constraints need no special case. */
export interface SchedNode {
  id: string;
  attributes: Record<string, string>;
  total: Resources;
}

/** `quota` caps what the tenant may hold in total (allocations plus this cycle's placements). */
export interface TenantPolicy {
  name: string;
  weight: number;
  quota: Partial<Pick<Resources, 'cpus' | 'mem' | 'disk'>> | null;
}

/** Resources held by a task already placed. `group` scopes constraints (Marathon evaluates constraints against the tasks of the same app). */
export interface Allocation {
  taskId: string;
  tenant: string;
  service: string;
  group: string;
  nodeId: string;
  resources: Resources;
}

export interface TaskDemand {
  taskId: string;
  group: string;
  resources: Resources;
  constraints: Constraint[];
  /** Tried first (a task that keeps its node after a restart of the daemon, say). */
  preferredNode?: string;
}

/** All tasks of one service (or app) that must be admitted together or not at all. `id` is unique, e.g. "acme/events". */
export interface Gang {
  id: string;
  tenant: string;
  service: string;
  tasks: TaskDemand[];
}

export interface SchedulerView {
  nodes: SchedNode[];
  tenants: TenantPolicy[];
  allocations: Allocation[];
}

export interface Placement {
  gangId: string;
  taskId: string;
  nodeId: string;
}

export type WaitKind = 'quota' | 'resources' | 'constraints';

/** `message` is one human sentence saying what blocks the gang. */
export interface Waiting {
  gangId: string;
  kind: WaitKind;
  message: string;
}

/** `placements` are in the order the cycle made them; `waiting` in the order gangs were given up. */
export interface Plan {
  placements: Placement[];
  waiting: Waiting[];
}
