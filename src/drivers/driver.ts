import type { TaskUser } from '../core/identity.js';
import type { ContainerSpec, TaskHandle } from '../core/task.js';
import type { TerminalSession, TerminalSize } from './terminal.js';

/**
 * How tasks run. Shaped after Nomad's driver plugin interface: lifecycle calls plus capabilities.
 * A call a driver cannot do throws FlotillaError('DRIVER_UNSUPPORTED'), never silently succeeds.
 */
export interface Driver {
  readonly name: string;
  /**
   * The name of the driver that will run a task whose config names `requested` (unset: the
   * default): what a launch records before it starts, so that a later daemon asks the right driver.
   * Optional: a single driver runs every task under its own name.
   */
  nameFor?(requested: string | undefined): string;
  capabilities(): DriverCapabilities;
  /** Launches the task. The handle is what the caller persists to recover the task later. */
  startTask(config: TaskConfig): Promise<TaskHandle>;
  /** Resolves when the task exits (at once, not by slow polling); works for recovered tasks too. */
  waitTask(taskKey: string): Promise<ExitResult>;
  /** SIGTERM (or `signal`) to the whole task, SIGKILL after `gracePeriodMs`; resolves once it is gone. */
  stopTask(taskKey: string, gracePeriodMs: number, signal?: NodeJS.Signals): Promise<void>;
  /** Kills the task if still alive and forgets it. The sandbox stays; removing data is the caller's call. */
  destroyTask(taskKey: string): Promise<void>;
  inspectTask(taskKey: string): TaskStatus | null;
  /**
   * Re-attaches to a task launched by an earlier daemon. Returns true when the very same process
   * (PID and start time) is still running. Safe to call twice.
   */
  recoverTask(taskKey: string, handle: TaskHandle): Promise<boolean>;
  /** Runs a command in the task's environment (COMMAND health checks). */
  execTask(taskKey: string, command: string, timeoutMs: number): Promise<ExecResult>;
  signalTask(taskKey: string, signal: NodeJS.Signals): Promise<void>;
  /**
   * An interactive shell on a PTY in the task's environment (its sandbox and user, or its
   * container). Optional: a driver without it cannot open terminals (DRIVER_UNSUPPORTED).
   */
  openTerminal?(taskKey: string, size: TerminalSize): Promise<TerminalSession>;
  /**
   * Removes what the task kept beyond its sandbox (the Docker driver: its named volumes), for
   * `down --purge`. Optional: a driver that keeps nothing else need not have it.
   */
  purgeTask?(taskKey: string): Promise<void>;
  /**
   * The task passed its checks (or runs, without checks): what it was given for its start only
   * ends (the process driver: a start at one core's CPU weight, see startCpuWeight). Optional.
   */
  taskReady?(taskKey: string): void;
  /**
   * After recovery: removes tasks this daemon launched that are not in `keep` (containers left by an
   * earlier daemon for tasks since deleted; processes an earlier daemon ran inside tasks that outlived
   * it). Optional.
   */
  sweep?(keep: ReadonlySet<string>): Promise<string[]>;
}

export interface DriverCapabilities {
  exec: boolean;
  signals: boolean;
  recover: boolean;
  /** Whether cpus/mem become enforced limits. */
  resourceLimits: boolean;
}

export interface TaskConfig {
  /** Unique key of the task across tenants, e.g. "default/cache.redis-0". */
  taskKey: string;
  /** A fresh id for this launch, recorded before the launch so a crash mid-launch can be recovered. */
  launchId: string;
  /** Absolute path; the driver creates data/, logs/ and run/ inside it. */
  sandbox: string;
  /**
   * The tenant's data folder (absolute). The task sees it at this same path, as FLOTILLA_DATA: the
   * process driver has nothing to do but set the variable; a container driver would bind-mount it.
   */
  dataDir?: string;
  cmd?: string;
  args?: string[];
  env: Record<string, string>;
  cpus: number;
  mem: number;
  /** Which driver of a DriverSet runs the task; unset: the set's default. A single driver ignores it. */
  driver?: string;
  /** The tenant's own Unix user, when the daemon isolates tenants: the task runs as it, unprivileged. */
  user?: TaskUser;
  /** The Docker driver: how the task runs in a container. Without it, the driver's default image runs cmd/args. */
  container?: ContainerConfig;
}

/** A task's ContainerSpec, with what the daemon adds: where it publishes, which network it joins, its labels. */
export interface ContainerConfig extends ContainerSpec {
  /** The host address published ports bind to (the task's virtual node, 127.0.10.N). */
  hostIp: string;
  /** The stack's user-defined bridge network, created with these labels when missing. */
  network: { name: string; labels: Record<string, string> };
  /** Put on the container (and its volumes) besides the driver's own: tenant, stack, owner. */
  labels: Record<string, string>;
  /** The task's data/ as a named volume (kept by destroyTask, removed by purgeTask). */
  dataVolume: string;
  /** Prefix of named volumes from `mounts` (scoped per tenant and stack). */
  volumePrefix: string;
}

export interface ExitResult {
  exitCode: number | null;
  signal: string | null;
  /** True when the exit status could not be known (the task was adopted, not our child). */
  unknownStatus: boolean;
  at: number;
  /** Why, when the driver knows more than the status says, e.g. "killed: out of memory (limit 64 MB)". */
  message?: string;
}

export interface TaskStatus {
  running: boolean;
  pid: number;
  startedAt: number;
}

export interface ExecResult {
  exitCode: number | null;
  output: string;
  timedOut: boolean;
}

/**
 * What every driver adds to a task's environment: its launch id, key, sandbox (also as Mesos named
 * it) and the tenant's data folder. Set over the task's own env, so that a task can neither hide from
 * a launch-id scan nor be misled about its sandbox.
 */
export function taskIdentityEnv(config: TaskConfig): Record<string, string> {
  return {
    FLOTILLA_LAUNCH_ID: config.launchId,
    FLOTILLA_TASK: config.taskKey,
    FLOTILLA_SANDBOX: config.sandbox,
    MESOS_SANDBOX: config.sandbox,
    ...(config.dataDir ? { FLOTILLA_DATA: config.dataDir } : {}),
  };
}
