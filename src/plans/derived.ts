import { isTaskCurrent, type TaskRecord } from '../core/task.js';
import type { PhaseState, PlanState, PlanStatus, StepState } from '../core/plan.js';

/** A phase's or plan's status from its parts: any error, else any under way, else all done, … */
export function rollUp(statuses: PlanStatus[]): PlanStatus {
  if (statuses.length === 0) return 'COMPLETE';
  if (statuses.includes('ERROR')) return 'ERROR';
  if (statuses.every((s) => s === 'COMPLETE')) return 'COMPLETE';
  if (statuses.includes('WAITING')) return 'WAITING';
  if (statuses.every((s) => s === 'PENDING')) return 'PENDING';
  return 'STARTING';
}

function phase(name: string, steps: StepState[]): PhaseState {
  return { name, status: rollUp(steps.map((s) => s.status)), steps };
}

function plan(name: string, phases: PhaseState[]): PlanState {
  return { name, status: rollUp(phases.map((p) => p.status)), parameters: {}, phases, errors: [] };
}

/**
 * The deploy plan, read from the tasks: one phase per role, one step per task, complete once the
 * task runs its current definition and passes its checks. `waiting` is the scheduler's reason when
 * the service is still queued.
 */
export function deployPlan(tasks: TaskRecord[], waiting: string | null): PlanState {
  if (waiting !== null) {
    return plan('deploy', [phase('admission', [{ name: 'admission', status: 'WAITING', message: waiting }])]);
  }
  const roles = [...new Set(tasks.map((t) => t.role))];
  return plan(
    'deploy',
    roles.map((role) =>
      phase(
        role,
        tasks
          .filter((t) => t.role === role && t.desired === 'running')
          .sort((a, b) => a.index - b.index)
          .map((t) => ({
            name: t.name,
            status: isTaskCurrent(t) ? 'COMPLETE' : t.launches > 0 ? 'STARTING' : 'PENDING',
            message: t.message ?? t.state,
          })),
      ),
    ),
  );
}

/** The recovery plan: the tasks being relaunched after a failure, with why. */
export function recoveryPlan(tasks: TaskRecord[]): PlanState {
  const failing = tasks.filter((t) => t.desired === 'running' && t.restarts > 0 && !isTaskCurrent(t));
  return plan(
    'recovery',
    failing.length === 0
      ? []
      : [
          phase(
            'relaunch',
            failing.map((t) => ({
              name: t.name,
              status: 'STARTING',
              message: `${t.message ?? t.state} (relaunch ${t.restarts})`,
            })),
          ),
        ],
  );
}
