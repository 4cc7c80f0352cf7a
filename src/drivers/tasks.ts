import { FlotillaError } from '../core/errors.js';
import type { TaskHandle } from '../core/task.js';
import type { TaskStatus } from './driver.js';

/** What every driver keeps of a task it runs (the process driver's TaskRunner, Docker's ContainerTask). */
export interface TrackedTask {
  readonly launchId: string;
  readonly running: boolean;
  readonly pid: number;
  readonly startedAt: number;
}

/**
 * A driver's tasks by key, with the lookups and answers the Driver interface asks of every driver
 * alike: the coded errors for an unknown or exited task, inspectTask, and recoverTask for a task the
 * driver already watches.
 */
export class TaskTable<T extends TrackedTask> extends Map<string, T> {
  constructor(private readonly driver: string) {
    super();
  }

  /** The task, or TASK_NOT_FOUND. */
  need(taskKey: string): T {
    const task = this.get(taskKey);
    if (!task)
      throw new FlotillaError('TASK_NOT_FOUND', `The ${this.driver} driver knows no task ${taskKey}.`);
    return task;
  }

  /** The task while it runs, or TASK_NOT_RUNNING (TASK_NOT_FOUND when unknown). */
  needRunning(taskKey: string): T {
    const task = this.need(taskKey);
    if (!task.running) throw new FlotillaError('TASK_NOT_RUNNING', `Task ${taskKey} has exited.`);
    return task;
  }

  /** What inspectTask answers. */
  status(taskKey: string): TaskStatus | null {
    const task = this.get(taskKey);
    return task ? { running: task.running, pid: task.pid, startedAt: task.startedAt } : null;
  }

  /**
   * recoverTask's answer for a task this driver already watches (a second call answers from the
   * watcher it has instead of opening another one), with `fill` writing it into the handle; or
   * undefined when the task is not known here and must be looked for.
   */
  recovered(
    taskKey: string,
    handle: TaskHandle,
    fill: (handle: TaskHandle, task: T) => void,
  ): boolean | undefined {
    const known = this.get(taskKey);
    if (!known) return undefined;
    if (known.launchId !== handle.launchId) return false;
    if (known.running) fill(handle, known);
    return known.running;
  }
}
