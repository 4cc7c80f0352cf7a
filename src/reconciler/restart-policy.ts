import type { ExitResult } from '../drivers/driver.js';
import { backoffDelayMs, type Backoff, type RestartPolicy, type TaskState } from '../core/task.js';

/** A run that lasted this long was a success: the next failure starts the backoff afresh. */
export const BACKOFF_RESET_MS = 60_000;

/** How a run came to an end. */
export type Ending =
  /** It exited on its own: the restart policy decides. */
  | { by: 'exit'; exitCode: number | null }
  /** The supervisor stopped it on purpose (on request, replaced by a new definition): not a failure. */
  | { by: 'stop'; state: TaskState }
  /** The supervisor killed it for failing its health checks: relaunched whatever the policy says. */
  | { by: 'health' }
  /** It never started (a pre-start hook or the driver failed): relaunched whatever the policy says. */
  | { by: 'launch' }
  /**
   * It vanished while no daemon watched (found dead at adoption): how it ended is unknown, so it is
   * counted as a failure and relaunched whatever the policy says.
   */
  | { by: 'lost' };

export interface RunEnd {
  /** The task's restart policy; unset means 'always'. */
  restart: RestartPolicy | undefined;
  backoff: Backoff;
  /** Consecutive failed runs before this one. */
  restarts: number;
  /** How long the run lasted (0 for one that never started). */
  ranMs: number;
  ending: Ending;
}

export type RestartDecision =
  /** Launch again after `delayMs`; meanwhile the task shows `state`. */
  | { action: 'relaunch'; state: 'failed' | 'finished'; delayMs: number; restarts: number }
  /** Not launched again until its definition changes (Compose's 'no', or 'on-failure' after a success). */
  | { action: 'end'; state: 'finished' | 'failed'; policy: RestartPolicy }
  /** Stopped on purpose: recorded as such, and the reconcile loop decides what comes next. */
  | { action: 'stop'; state: TaskState };

/** What to do after a task's run ended: a pure function of the facts, so every case has a test. */
export function restartDecision(r: RunEnd): RestartDecision {
  const { ending } = r;
  if (ending.by === 'stop') return { action: 'stop', state: ending.state };
  const policy = r.restart ?? 'always';
  if (ending.by === 'exit' && (policy === 'no' || (policy === 'on-failure' && ending.exitCode === 0)))
    return { action: 'end', state: ending.exitCode === 0 ? 'finished' : 'failed', policy };
  // A launch failure never ran: it does not earn a reset of the backoff.
  const base = ending.by !== 'launch' && r.ranMs >= BACKOFF_RESET_MS ? 0 : r.restarts;
  const restarts = base + 1;
  // The first failure after a good run is relaunched at once, so a killed task heals in about its own
  // start time; Marathon's backoff (its first delay first) spaces out the failures that follow in a
  // row. A launch that failed never ran: it waits from the first delay, as it would fail again.
  const ran = ending.by !== 'launch';
  return {
    action: 'relaunch',
    state: ending.by === 'exit' && ending.exitCode === 0 ? 'finished' : 'failed',
    delayMs: ran && base === 0 ? 0 : backoffDelayMs(r.backoff, ran ? restarts - 1 : restarts),
    restarts,
  };
}

/** An exit in words, for the task's message. */
export function describeExit(exit: ExitResult): string {
  if (exit.message !== undefined) return exit.message;
  if (exit.unknownStatus) return 'exited (status unknown: it was adopted after a daemon restart)';
  return exit.signal ? `killed by ${exit.signal}` : `exited with status ${exit.exitCode}`;
}
