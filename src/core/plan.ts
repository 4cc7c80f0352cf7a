/**
 * The statuses of the DC/OS SDK's plans, so scripts written against DC/OS services read ours:
 * PENDING (not begun), STARTING (under way), COMPLETE, WAITING (interrupted by `stop`, or waiting for
 * the scheduler), ERROR (a step failed; `continue` retries it).
 */
export const PLAN_STATUSES = ['PENDING', 'STARTING', 'COMPLETE', 'WAITING', 'ERROR'] as const;
export type PlanStatus = (typeof PLAN_STATUSES)[number];

export interface StepState {
  name: string;
  status: PlanStatus;
  message: string;
}

export interface PhaseState {
  name: string;
  status: PlanStatus;
  steps: StepState[];
}

/** A plan as stored and shown: src/plans runs it, src/state keeps it. */
export interface PlanState {
  name: string;
  status: PlanStatus;
  /** The parameters the plan was started with (e.g. the node to replace). */
  parameters: Record<string, string>;
  phases: PhaseState[];
  errors: string[];
}
