import fs from 'node:fs';
import path from 'node:path';
import { FlotillaError } from '../../core/errors.js';
import type { TaskHandle } from '../../core/task.js';
import type {
  Driver,
  DriverCapabilities,
  ExecResult,
  ExitResult,
  TaskConfig,
  TaskStatus,
} from '../driver.js';
import {
  createContainer,
  findLaunch,
  inspectContainer,
  listContainers,
  removeContainer,
  startContainer,
} from './containers.js';
import { Engine } from './engine.js';
import { TaskTable } from '../tasks.js';
import type { TerminalSession, TerminalSize } from '../terminal.js';
import { ownSandbox } from '../ownership.js';
import { ContainerTask } from './handle.js';
import {
  ensureNetwork,
  ensureVolumes,
  ownVolumes,
  purgeVolumes,
  removeAllIdleNetworks,
  removeIdleNetworks,
} from './resources.js';
import type { CpuLimit } from './spec.js';
import { containerBody, stackVolumes, validateCommand } from './spec.js';
import type { ContainerInfo } from './state.js';
import { containerName, isValidDaemonId, LABEL } from './state.js';

export interface DockerDriverOptions {
  /** The Engine API client; defaults to the engine DOCKER_HOST names (or /var/run/docker.sock). */
  engine?: Engine;
  /** Short id naming this daemon's containers, networks and volumes: two daemons may share one engine. */
  daemonId: string;
  /** The image of tasks that have no `container` (cmd/args run in it). */
  defaultImage: string;
  /** 'weight' (the default): cpus as CpuShares, a share under contention; 'strict': a NanoCpus quota. */
  cpuLimit?: CpuLimit;
  warn?: (message: string) => void;
}

/** How long a replaced task's last logs may take to be written before the new container starts. */
const REPLACE_WAIT_MS = 5000;

/**
 * Each task is a container of the local Docker engine, named after this daemon and the task,
 * labelled so that a later daemon finds it again. Containers outlive the daemon: it only follows
 * them (one /wait long poll, one log follow each) and adopts them back after a restart.
 */
export class DockerDriver implements Driver {
  readonly name = 'docker';
  readonly engine: Engine;
  private readonly ownEngine: boolean;
  private readonly daemonId: string;
  private readonly defaultImage: string;
  private readonly cpuLimit: CpuLimit;
  private readonly warn: (message: string) => void;
  private readonly tasks = new TaskTable<ContainerTask>('docker');
  private closed = false;
  /** Whether the engine remaps containers' users: asked once, at the first tenant's task. */
  private remapped: boolean | undefined;

  constructor(options: DockerDriverOptions) {
    if (!isValidDaemonId(options.daemonId)) {
      throw new FlotillaError(
        'VALIDATION_FAILED',
        `Docker driver: daemonId "${options.daemonId}" must be letters, digits, '_', '.', '-' (at most 64).`,
      );
    }
    this.ownEngine = options.engine === undefined;
    this.engine = options.engine ?? new Engine();
    this.daemonId = options.daemonId;
    this.defaultImage = options.defaultImage;
    this.cpuLimit = options.cpuLimit ?? 'weight';
    this.warn = options.warn ?? ((message) => console.warn(message));
    // A daemon that closes the engine at shutdown stops this driver's follows with it.
    this.engine.closedSignal.addEventListener('abort', () => this.close(), { once: true });
  }

  capabilities(): DriverCapabilities {
    return { exec: true, signals: true, recover: true, resourceLimits: true };
  }

  async startTask(config: TaskConfig): Promise<TaskHandle> {
    validateCommand(config);
    const previous = this.tasks.get(config.taskKey);
    if (previous?.running) {
      throw new FlotillaError(
        'NAME_CONFLICT',
        `Task ${config.taskKey} is already running (container ${short(previous.containerId)}); stop it before starting it again.`,
      );
    }
    if (previous) {
      // Its last lines go to the same files: let them land before the next container's.
      await Promise.race([previous.wait(), delay(REPLACE_WAIT_MS)]);
      previous.dispose();
      this.tasks.delete(config.taskKey);
    }
    for (const dir of ['data', 'logs', 'run']) {
      fs.mkdirSync(path.join(config.sandbox, dir), { recursive: true });
    }
    if (config.dataDir) fs.mkdirSync(config.dataDir, { recursive: true });
    // A tenant's container runs as the tenant's user unless the engine remaps users for it.
    this.remapped ??= config.user ? await this.engine.remapsUsers() : undefined;
    const tenantUser = config.user && !this.remapped ? config.user : undefined;
    if (tenantUser) ownSandbox(config.sandbox, tenantUser);

    const name = containerName(this.daemonId, config.taskKey);
    const body = containerBody(config, {
      daemonId: this.daemonId,
      defaultImage: this.defaultImage,
      cpuLimit: this.cpuLimit,
      user: `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`,
      remapped: this.remapped ?? false,
    });
    // Independent round trips to the engine, side by side: each one costs a start its latency.
    await Promise.all([
      this.removeExited(name, config.taskKey),
      ensureVolumes(this.engine, config, this.daemonId, stackVolumes(config), this.warn),
      ensureNetwork(this.engine, config, this.daemonId),
    ]);
    let id: string;
    try {
      id = await createContainer(this.engine, name, body, config, this.daemonId, this.warn);
      if (tenantUser) await ownVolumes(this.engine, stackVolumes(config), tenantUser);
      await startContainer(this.engine, id, config.taskKey);
    } catch (err) {
      // A task that never ran leaves no network made for it behind (a missing image, say).
      if (config.container)
        await removeIdleNetworks(this.engine, [config.container.network.name], this.daemonId);
      throw err;
    }

    const info = await inspectContainer(this.engine, id);
    if (!info) {
      throw new FlotillaError(
        'TASK_NOT_FOUND',
        `The container of task ${config.taskKey} vanished at its start.`,
      );
    }
    const startedAt = parseTime(info.State.StartedAt);
    const task = new ContainerTask({
      engine: this.engine,
      taskKey: config.taskKey,
      launchId: config.launchId,
      containerId: id,
      pid: info.State.Pid,
      startTime: info.State.StartedAt,
      startedAt,
      sandbox: config.sandbox,
      networks: Object.keys(info.NetworkSettings.Networks ?? {}),
      ...(info.Config.StopSignal ? { stopSignal: info.Config.StopSignal } : {}),
      adopted: false,
      warn: this.warn,
    });
    this.tasks.set(config.taskKey, task);
    return {
      driver: this.name,
      launchId: config.launchId,
      pid: info.State.Pid,
      startTime: info.State.StartedAt,
      bootId: '',
      startedAt,
      sandbox: config.sandbox,
      containerId: id,
    };
  }

  async waitTask(taskKey: string): Promise<ExitResult> {
    return this.tasks.need(taskKey).wait();
  }

  /** Without a signal, the container's own stop signal (Compose's stop_signal, or the image's STOPSIGNAL). */
  async stopTask(taskKey: string, gracePeriodMs: number, signal?: NodeJS.Signals): Promise<void> {
    const task = this.tasks.need(taskKey);
    await task.stop(gracePeriodMs, signal ?? task.stopSignal);
  }

  /** The container goes; its volumes stay (purgeTask removes them), and so does its network while in use. */
  async destroyTask(taskKey: string): Promise<void> {
    const task = this.tasks.get(taskKey);
    let networks: string[] = [];
    let target: string | null = null;
    if (task) {
      await task.stop(0, 'SIGKILL');
      task.dispose();
      if (this.tasks.get(taskKey) === task) this.tasks.delete(taskKey);
      target = task.containerId;
      networks = task.networks;
    } else {
      // A container an earlier daemon left for this key goes too.
      const leftover = await inspectContainer(this.engine, containerName(this.daemonId, taskKey));
      if (!leftover) return;
      target = leftover.Id;
      networks = Object.keys(leftover.NetworkSettings.Networks ?? {});
    }
    await removeContainer(this.engine, target);
    await removeIdleNetworks(this.engine, networks, this.daemonId);
  }

  inspectTask(taskKey: string): TaskStatus | null {
    return this.tasks.status(taskKey);
  }

  /**
   * A handle with pid 0 (the daemon died between recording the launch id and the start) is looked
   * up by its launch-id label; when found, containerId, pid, startTime and sandbox are written into
   * `handle` in place, for the caller to persist.
   */
  async recoverTask(taskKey: string, handle: TaskHandle): Promise<boolean> {
    const known = this.tasks.recovered(taskKey, handle, fillHandle);
    if (known !== undefined) return known;
    if (handle.driver !== this.name) return false;
    const info = await this.findLaunch(handle);
    if (!info || !info.State.Running) return false;
    const labels = info.Config.Labels ?? {};
    if (labels[LABEL.daemon] !== this.daemonId || labels[LABEL.launchId] !== handle.launchId) return false;
    if (handle.startTime !== '' && info.State.StartedAt !== handle.startTime) return false;
    const sandbox = handle.sandbox ?? labels[LABEL.sandbox];
    if (!sandbox) return false;
    const task = new ContainerTask({
      engine: this.engine,
      taskKey,
      launchId: handle.launchId,
      containerId: info.Id,
      pid: info.State.Pid,
      startTime: info.State.StartedAt,
      startedAt: handle.startedAt || parseTime(info.State.StartedAt),
      sandbox,
      networks: Object.keys(info.NetworkSettings.Networks ?? {}),
      ...(info.Config.StopSignal ? { stopSignal: info.Config.StopSignal } : {}),
      adopted: true,
      warn: this.warn,
    });
    this.tasks.set(taskKey, task);
    fillHandle(handle, task);
    return true;
  }

  async execTask(taskKey: string, command: string, timeoutMs: number): Promise<ExecResult> {
    return this.tasks.needRunning(taskKey).exec(command, timeoutMs);
  }

  openTerminal(taskKey: string, size: TerminalSize): Promise<TerminalSession> {
    return this.tasks.needRunning(taskKey).terminal(size);
  }

  async signalTask(taskKey: string, signal: NodeJS.Signals): Promise<void> {
    if (!(await this.tasks.needRunning(taskKey).signal(signal))) {
      throw new FlotillaError('TASK_NOT_RUNNING', `Task ${taskKey} has exited.`);
    }
  }

  /** Kills and removes the task's container if any, then its data volume and idle stack volumes. */
  async purgeTask(taskKey: string): Promise<void> {
    await this.destroyTask(taskKey);
    await purgeVolumes(this.engine, taskKey, this.daemonId);
  }

  async sweep(keep: ReadonlySet<string>): Promise<string[]> {
    const containers = await listContainers(this.engine, { [LABEL.daemon]: this.daemonId });
    const swept = new Set<string>();
    for (const c of containers) {
      const key = c.Labels?.[LABEL.task];
      if (key === undefined || keep.has(key)) continue;
      const task = this.tasks.get(key);
      if (task?.containerId === c.Id) {
        task.dispose();
        this.tasks.delete(key);
      }
      await removeContainer(this.engine, c.Id);
      swept.add(key);
    }
    await removeAllIdleNetworks(this.engine, this.daemonId).catch(() => {});
    return [...swept];
  }

  /** Stops following every container (the daemon shuts down); the containers run on. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const task of this.tasks.values()) task.dispose();
    this.tasks.clear();
    if (this.ownEngine) this.engine.close();
  }

  private async findLaunch(handle: TaskHandle): Promise<ContainerInfo | null> {
    if (handle.pid !== 0 && handle.containerId) return inspectContainer(this.engine, handle.containerId);
    return findLaunch(this.engine, this.daemonId, handle.launchId);
  }

  /** A container of that name that has exited is removed; a running one is a conflict. */
  private async removeExited(name: string, taskKey: string): Promise<void> {
    const existing = await inspectContainer(this.engine, name);
    if (!existing) return;
    if (existing.State.Running) {
      throw new FlotillaError(
        'NAME_CONFLICT',
        `Container ${name} of task ${taskKey} is still running; stop the task before starting it again.`,
      );
    }
    await removeContainer(this.engine, existing.Id);
  }
}

function fillHandle(handle: TaskHandle, task: ContainerTask): void {
  handle.containerId = task.containerId;
  handle.pid = task.pid;
  handle.startTime = task.startTime;
  handle.sandbox = task.sandbox;
}

function parseTime(text: string): number {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? Date.now() : ms;
}

function short(id: string): string {
  return id.slice(0, 12);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
