// Plan states are domain types (src/state stores them, the API shows them); a package's operations are
// part of its definition (src/catalog/package.ts). Re-exported here for the plan runner and its callers.
export {
  PLAN_STATUSES,
  type PhaseState,
  type PlanState,
  type PlanStatus,
  type StepState,
} from '../core/plan.js';
export type { OperationDefinition, PhaseDefinition, ServiceOps, StepDefinition } from '../catalog/package.js';
