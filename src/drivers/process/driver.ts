import os from 'node:os';
import path from 'node:path';
import { FlotillaError } from '../../core/errors.js';
import { defaultHome, pathsFor } from '../../core/paths.js';
import type { TaskUser } from '../../core/identity.js';
import type { TaskHandle } from '../../core/task.js';
import type {
  Driver,
  DriverCapabilities,
  ExecResult,
  ExitResult,
  TaskConfig,
  TaskStatus,
} from '../driver.js';
import { taskIdentityEnv } from '../driver.js';
import type { TerminalSession, TerminalSize } from '../terminal.js';
import { TaskTable } from '../tasks.js';
import type { CgroupMode } from './cgroups.js';
import { TaskRunner } from './handle.js';
import type { ResourceLimits } from './limits.js';
import { TaskLimits } from './limits.js';
import { processUser, SYSTEM_PATH } from './identity.js';
import { findLeftovers, killLeftovers } from './leftovers.js';
import { launchTask } from './spawn.js';
import {
  findByLaunchId,
  isSameProcessAlive,
  readBootId,
  readCwd,
  readEnviron,
  readTaskFile,
  reopenAliveFifo,
  writeTaskFile,
} from './state.js';

export interface ProcessDriverOptions {
  /** HOME for tasks whose env sets none; defaults to the daemon's own home. */
  home?: string;
  /** 'auto' (the default): cpus and mem become cgroup limits where the machine allows it. */
  cgroups?: CgroupMode;
  /** The daemon's FLOTILLA_HOME: names its cgroup subtree, so that two daemons never share one. */
  daemonHome?: string;
  /** Where the one-time warning about missing limits goes. */
  warn?: (message: string) => void;
}

/**
 * The embedded default: each task is a plain process group on this host. Output goes straight to
 * files and exit is watched through a FIFO the task holds as fd 3, so a daemon crash neither stalls
 * nor kills tasks, and a later daemon notices their exit at once.
 */
export class ProcessDriver implements Driver {
  readonly name = 'process';
  private readonly tasks = new TaskTable<TaskRunner>('process');
  private readonly home: string;
  private readonly limits: TaskLimits;
  private readonly sandboxes: string;

  constructor(options: ProcessDriverOptions = {}) {
    this.home = options.home ?? os.homedir();
    // As daemon/config.ts resolves FLOTILLA_HOME, for a caller that passes none.
    const daemonHome = options.daemonHome ?? defaultHome();
    this.sandboxes = pathsFor(path.resolve(daemonHome)).sandboxes;
    this.limits = new TaskLimits(
      options.cgroups ?? 'auto',
      path.resolve(daemonHome),
      options.warn ?? ((message) => console.warn(message)),
    );
  }

  capabilities(): DriverCapabilities {
    const resourceLimits = this.resourceLimits().mechanism !== 'none';
    return { exec: true, signals: true, recover: true, resourceLimits };
  }

  /** How cpus and mem are enforced on this machine ('cgroup-v1', 'cgroup-v2'), or why they are not. */
  resourceLimits(): ResourceLimits {
    return this.limits.describe();
  }

  async startTask(config: TaskConfig): Promise<TaskHandle> {
    const previous = this.tasks.get(config.taskKey);
    if (previous?.running) {
      throw new FlotillaError(
        'NAME_CONFLICT',
        `Task ${config.taskKey} is already running (pid ${previous.pid}); stop it before starting it again.`,
      );
    }
    previous?.dispose();
    this.tasks.delete(config.taskKey);

    const env = this.taskEnv(config);
    const cgroup = this.limits.create(config);
    let launched;
    try {
      launched = await launchTask(config, env, cgroup?.procsFiles());
    } catch (err) {
      await cgroup?.remove(true);
      throw err;
    }
    const { child, pid, startTime, aliveFd } = launched;
    // Written after a successful spawn only: the file must describe the launch that runs now.
    writeTaskFile(config.sandbox, {
      taskKey: config.taskKey,
      launchId: config.launchId,
      env,
      ...(config.user ? { user: config.user } : {}),
    });
    const startedAt = Date.now();
    const runner = new TaskRunner({
      taskKey: config.taskKey,
      launchId: config.launchId,
      pid,
      startTime,
      startedAt,
      sandbox: config.sandbox,
      env,
      child,
      aliveFd,
      cgroup,
      ...(config.user ? { user: config.user } : {}),
    });
    this.tasks.set(config.taskKey, runner);
    return {
      driver: this.name,
      launchId: config.launchId,
      pid,
      startTime,
      bootId: readBootId(),
      startedAt,
      sandbox: config.sandbox,
    };
  }

  async waitTask(taskKey: string): Promise<ExitResult> {
    return this.tasks.need(taskKey).wait();
  }

  /** Also drops the task's cgroup once the task is gone: a daemon stopping its tasks leaves none. */
  async stopTask(taskKey: string, gracePeriodMs: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const runner = this.tasks.need(taskKey);
    await runner.stop(gracePeriodMs, signal);
    if (runner.isGone()) await runner.cgroup?.remove(true);
  }

  taskReady(taskKey: string): void {
    this.tasks.get(taskKey)?.cgroup?.settleCpu();
  }

  async destroyTask(taskKey: string): Promise<void> {
    const runner = this.tasks.get(taskKey);
    if (!runner) {
      // A cgroup an earlier daemon left behind goes too, once nothing runs in it.
      await this.limits.leftover(taskKey)?.remove(false);
      return;
    }
    await runner.stop(0, 'SIGKILL');
    runner.dispose();
    if (this.tasks.get(taskKey) === runner) this.tasks.delete(taskKey);
    await runner.cgroup?.remove(true);
  }

  /** Also how a caller learns the PID of a task adopted by its launch id (recoverTask with pid 0). */
  inspectTask(taskKey: string): TaskStatus | null {
    return this.tasks.status(taskKey);
  }

  /**
   * A handle with pid 0 (the daemon died between recording the launch id and the PID) is looked up
   * by FLOTILLA_LAUNCH_ID in /proc; when found, pid, startTime, bootId and sandbox are written into
   * `handle` in place, for the caller to persist.
   */
  async recoverTask(taskKey: string, handle: TaskHandle): Promise<boolean> {
    const known = this.tasks.recovered(taskKey, handle, fillHandle);
    if (known !== undefined) return known;
    if (handle.driver !== this.name) return false;
    let { pid, startTime } = handle;
    if (pid === 0) {
      // A process caught in the middle of an exec (`sh -c` becoming its command) briefly has no
      // readable environ: look again before deciding the launch is gone.
      let found = findByLaunchId(handle.launchId);
      for (let attempt = 1; !found && attempt < 3; attempt++) {
        await new Promise((r) => setTimeout(r, 50));
        found = findByLaunchId(handle.launchId);
      }
      if (!found) return false;
      ({ pid, startTime } = found);
    } else if (handle.bootId !== readBootId()) {
      return false;
    }
    if (!isSameProcessAlive(pid, startTime)) return false;

    const environ = readEnviron(pid);
    // The environ can be rewritten by the program (setproctitle); trust it only if it is still ours.
    const ownEnviron = environ?.FLOTILLA_LAUNCH_ID === handle.launchId ? environ : null;
    const sandbox = handle.sandbox ?? ownEnviron?.FLOTILLA_SANDBOX ?? readCwd(pid);
    const file = sandbox ? readTaskFile(sandbox, handle.launchId) : null;
    const env = file?.env ?? ownEnviron ?? {};
    const user = file?.user ?? adoptedUser(pid);
    const runner = new TaskRunner({
      taskKey,
      launchId: handle.launchId,
      pid,
      startTime,
      startedAt: handle.startedAt,
      sandbox,
      env,
      aliveFd: sandbox ? reopenAliveFifo(sandbox) : null,
      cgroup: this.limits.adopted(pid),
      ...(user ? { user } : {}),
    });
    this.tasks.set(taskKey, runner);
    fillHandle(handle, runner);
    return true;
  }

  /**
   * After recovery: kills what runs in this home's sandboxes that no task accounts for (commands an
   * earlier daemon ran inside tasks and that outlived it; a launch never recorded). `keep` is unused:
   * a process is accounted for by the runners this driver holds, not by the store's keys.
   */
  async sweep(_keep: ReadonlySet<string>): Promise<string[]> {
    const known = new Map([...this.tasks.values()].filter((r) => r.running).map((r) => [r.launchId, r.pid]));
    const leftovers = findLeftovers(this.sandboxes, known);
    killLeftovers(leftovers);
    return leftovers.map((l) => `${l.task} (pid ${l.pid}: ${l.why})`);
  }

  async execTask(taskKey: string, command: string, timeoutMs: number): Promise<ExecResult> {
    return this.tasks.needRunning(taskKey).exec(command, timeoutMs);
  }

  async signalTask(taskKey: string, signal: NodeJS.Signals): Promise<void> {
    this.tasks.needRunning(taskKey).signal(signal);
  }

  /** Every live process of the task (its group, and its cgroup's members that left it); none when it is not known. */
  taskProcesses(taskKey: string): number[] {
    return this.tasks.get(taskKey)?.members() ?? [];
  }

  async openTerminal(taskKey: string, size: TerminalSize): Promise<TerminalSession> {
    return this.tasks.needRunning(taskKey).terminal(size);
  }

  /**
   * A task of a tenant's user gets its sandbox as HOME and the system's PATH (the daemon's own may
   * lead through root's home, which it cannot enter); any other gets the daemon's.
   */
  private taskEnv(config: TaskConfig): Record<string, string> {
    const env: Record<string, string> = { ...config.env };
    env.HOME ??= config.user ? config.sandbox : this.home;
    if (env.PATH === undefined) {
      const daemonPath = process.env.PATH;
      if (config.user) env.PATH = SYSTEM_PATH;
      else if (daemonPath !== undefined) env.PATH = daemonPath;
    }
    if (config.user) {
      env.USER ??= config.user.name;
      env.LOGNAME ??= config.user.name;
    }
    return { ...env, ...taskIdentityEnv(config) };
  }
}

/** A task adopted without its launch record runs as whoever owns its process, if not root. */
function adoptedUser(pid: number): TaskUser | undefined {
  const ids = processUser(pid);
  return ids && ids.uid !== 0 ? { ...ids, name: String(ids.uid) } : undefined;
}

function fillHandle(handle: TaskHandle, runner: TaskRunner): void {
  handle.pid = runner.pid;
  handle.startTime = runner.startTime;
  handle.bootId = readBootId();
  if (runner.sandbox) handle.sandbox = runner.sandbox;
}
