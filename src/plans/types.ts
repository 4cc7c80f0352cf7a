import type { PlacedTask } from '../catalog/package.js';
import type { TaskRecord } from '../core/task.js';

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

export interface PlanState {
  name: string;
  status: PlanStatus;
  /** The parameters the plan was started with (e.g. the node to replace). */
  parameters: Record<string, string>;
  phases: PhaseState[];
  errors: string[];
}

/** What a step of an operation may do to its service; the daemon provides it. */
export interface ServiceOps {
  /** The service's tasks as they are now. */
  tasks(): TaskRecord[];
  /** The tasks as the package sees them (addresses, ports, sandboxes). */
  placed(): PlacedTask[];
  /** Reads and writes the service's persistent state (rendered into its tasks on the next deploy). */
  state(): Record<string, string>;
  /**
   * Changes state and options, and redeploys the service; resolves once the deploy is committed.
   * A task whose data must start afresh (a replacement) learns it from the state its package renders.
   */
  redeploy(change: {
    state?: Record<string, string | null>;
    options?: Record<string, unknown>;
  }): Promise<void>;
  /** Restarts a task in place (same spec, same data). */
  restartTask(task: string): Promise<void>;
  /** Waits until the task is ready again (launched with its current spec and passing its checks). */
  waitReady(task: string, timeoutMs: number): Promise<void>;
  /** Runs a program in the task's environment and sandbox; rejects with its output unless it exits 0. */
  exec(task: string, argv: string[], timeoutMs: number): Promise<string>;
  /** Progress for the step's message. */
  say(message: string): void;
}

export interface StepDefinition {
  name: string;
  run(ops: ServiceOps): Promise<void>;
}

export interface PhaseDefinition {
  name: string;
  steps: StepDefinition[];
}

/** A package-specific plan (replace a node, repair, scale): built from its parameters and the service. */
export interface OperationDefinition {
  description: string;
  /** Parameter names with what they mean; a missing required one is refused before anything runs. */
  parameters: Record<string, { description: string; required: boolean }>;
  build(parameters: Record<string, string>, ops: ServiceOps): PhaseDefinition[];
}
