import type { TaskConfig } from '../driver.js';
import type { TaskCgroup } from './cgroup-task.js';
import { createTaskCgroup, existingTaskCgroup, findTaskCgroup } from './cgroup-task.js';
import type { CgroupMode, CgroupSupport, LimitMechanism } from './cgroups.js';
import { detectCgroups } from './cgroups.js';

export interface ResourceLimits {
  mechanism: LimitMechanism;
  /** Why cpus and mem are not enforced, when mechanism is 'none'. */
  reason?: string;
}

/** Per process, so that a test creating many drivers does not repeat the same warning. */
const warned = new Set<string>();

/**
 * The driver's side of cgroups: detected once, a cgroup per task created before the task runs, and
 * a warning instead of a failure where the machine allows none: the task then runs unlimited.
 */
export class TaskLimits {
  private support: CgroupSupport | null = null;

  constructor(
    private readonly mode: CgroupMode,
    private readonly daemonHome: string,
    private readonly warn: (message: string) => void,
  ) {}

  describe(): ResourceLimits {
    const support = this.detect();
    return support.mechanism === 'none'
      ? { mechanism: 'none', reason: support.reason }
      : { mechanism: support.mechanism };
  }

  create(config: TaskConfig): TaskCgroup | null {
    const support = this.detect();
    if (support.mechanism === 'none') return null;
    const create = () =>
      createTaskCgroup(support, config.taskKey, config.cpus, config.mem, this.mode === 'strict');
    try {
      try {
        return create();
      } catch {
        // Once more: another daemon may have removed the shared flotilla/ directory midway.
        return create();
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.warnOnce(`resource limits: could not create a cgroup, tasks may run without limits: ${message}`);
      return null;
    }
  }

  /** The cgroup an adopted task was started in, limits included, whatever this daemon would choose. */
  adopted(pid: number): TaskCgroup | null {
    return findTaskCgroup(pid, this.daemonHome);
  }

  /** A cgroup an earlier launch left behind for this task. */
  leftover(taskKey: string): TaskCgroup | null {
    const support = this.detect();
    return support.mechanism === 'none' ? null : existingTaskCgroup(support, taskKey);
  }

  private detect(): CgroupSupport {
    if (!this.support) {
      this.support = detectCgroups(this.mode, this.daemonHome);
      if (this.support.mechanism === 'none' && this.mode === 'auto')
        this.warnOnce(`resource limits: none, cpus and mem are not enforced: ${this.support.reason}`);
    }
    return this.support;
  }

  private warnOnce(message: string): void {
    if (warned.has(message)) return;
    warned.add(message);
    this.warn(message);
  }
}
