import type { PlacedTask } from '../catalog/package.js';
import type { TaskRecord } from '../core/task.js';

// Plan states are domain types (src/state stores them, the API shows them); re-exported for the runner.
export {
  PLAN_STATUSES,
  type PhaseState,
  type PlanState,
  type PlanStatus,
  type StepState,
} from '../core/plan.js';

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
