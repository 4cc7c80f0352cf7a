import type { LockedArtifact } from './artifact.js';
import type { HealthCheckSpec } from './health.js';
import type { ContainerSpec } from './container.js';

export type {
  ContainerEngineSettings,
  ContainerMount,
  ContainerSpec,
  PublishedPort,
  PullPolicy,
} from './container.js';

/**
 * staging: accepted, not launched yet (waiting for dependencies or a backoff delay)
 * starting: launched, health checks not passed yet
 * running: alive, no health checks defined
 * healthy / unhealthy: alive, as its health checks say
 * failed: exited on its own or was killed for failing health checks
 * killed: stopped on request
 * finished: exited with status 0
 * lost: vanished while the daemon was not watching (exit status unknown)
 */
export const TASK_STATES = [
  'staging',
  'starting',
  'running',
  'healthy',
  'unhealthy',
  'failed',
  'killed',
  'finished',
  'lost',
] as const;
export type TaskState = (typeof TASK_STATES)[number];

export const ALIVE_STATES: ReadonlySet<TaskState> = new Set(['starting', 'running', 'healthy', 'unhealthy']);

export type OwnerKind = 'app' | 'service';

export interface Backoff {
  backoffSeconds: number;
  backoffFactor: number;
  maxLaunchDelaySeconds: number;
}

/** Marathon's defaults. */
export const BACKOFF_DEFAULTS: Backoff = {
  backoffSeconds: 1,
  backoffFactor: 1.15,
  maxLaunchDelaySeconds: 300,
};

export interface ConfigFile {
  /** Relative to the task's sandbox. */
  path: string;
  content: string;
  mode?: number;
}

/** Everything needed to (re)launch one task; fully resolved (no references left). */
export interface LaunchSpec {
  /** Run by /bin/sh -c (explicitly a shell). Exactly one of cmd and args is set. */
  cmd?: string;
  /** argv, run without a shell. */
  args?: string[];
  env: Record<string, string>;
  /** Names of env entries that are secrets: never shown by the API nor logged. */
  secretEnv: string[];
  files: ConfigFile[];
  cpus: number;
  mem: number;
  disk: number;
  healthChecks: HealthCheckSpec[];
  killGracePeriodSeconds: number;
  /**
   * Purged with its data (`down --purge`, `replace --purge`), the task is killed at once (SIGKILL)
   * rather than given its grace: its clean stop (a Kafka controlled shutdown, a Cassandra drain, a
   * Redis save) would only protect data deleted right after. Set by the catalog, whose packages'
   * stops reach nothing else; an app's SIGTERM may (offsets it commits elsewhere), so apps keep theirs.
   */
  killOnPurge?: boolean;
  backoff: Backoff;
  /** Owners (apps or services of the same tenant) that must be ready before this task launches. */
  dependsOn: string[];
  /** JVM artifacts that must be in the verified cache before the task may launch. */
  artifacts?: LockedArtifact[];
  /** A runtime that must be installed under the artifact cache before the task may launch. */
  runtime?: RuntimeRef;
  /** The driver that runs the task ('process', 'docker'); unset: the daemon's default. */
  driver?: string;
  /** How the task runs in a container (the Docker driver only). */
  container?: ContainerSpec;
  /**
   * Compose's restart policy: 'always' (the default, Marathon's way) relaunches after any exit;
   * 'on-failure' only after a non-zero exit; 'no' never. A task that is not relaunched stays
   * finished or failed. Flotilla restarts an unhealthy task whatever the policy says.
   */
  restart?: RestartPolicy;
  /** Per dependency owner, what it must have reached before this task launches (Compose's conditions). */
  dependsOnCondition?: Record<string, DependencyCondition>;
}

export type RestartPolicy = 'always' | 'on-failure' | 'no';

/**
 * 'ready' (the default): alive and passing its checks. 'started': launched and alive.
 * 'completed': exited with status 0 and not relaunched (a one-shot task with restart 'no'/'on-failure').
 */
export type DependencyCondition = 'ready' | 'started' | 'completed';

/** A prepared runtime a task runs from, e.g. the PySpark distribution of a Spark version in a venv. */
export interface RuntimeRef {
  kind: 'pyspark';
  version: string;
}

/** What a driver returns to find a task again, after a daemon restart too. */
export interface TaskHandle {
  driver: string;
  launchId: string;
  pid: number;
  /** Process start time in clock ticks since boot (from /proc/<pid>/stat), to never adopt a reused PID. */
  startTime: string;
  bootId: string;
  startedAt: number;
  /** The task's sandbox, where the process driver finds run/alive.fifo again after a restart. */
  sandbox?: string;
  /** The Docker driver's container id; pid is then the container's init on the host, startTime its StartedAt. */
  containerId?: string;
}

export interface TaskRecord {
  /** "<owner>.<name>", unique within a tenant: "cache.redis-0", "web.0". */
  id: string;
  tenant: string;
  ownerKind: OwnerKind;
  owner: string;
  /** Stable instance name within the owner: "redis-0", "0". */
  name: string;
  role: string;
  index: number;
  stack: string | null;
  nodeId: string;
  host: string;
  ports: number[];
  spec: LaunchSpec;
  specHash: string;
  /** removed: stop, then forget the task (its data stays); purged: also delete its sandbox. */
  desired: TaskDesired;
  state: TaskState;
  handle: TaskHandle | null;
  launchedSpecHash: string | null;
  /** A restart was asked for: replace the running task even though its spec did not change. */
  restartRequested: boolean;
  exitCode: number | null;
  exitSignal: string | null;
  message: string | null;
  /** Consecutive failed launches, for the backoff delay. */
  restarts: number;
  launches: number;
  nextLaunchAt: number | null;
  healthFailures: number;
  stateSince: number;
  createdAt: number;
  updatedAt: number;
}

/** What declares a task: the fields `store.tasks.put` writes; the rest is its runtime state. */
export type TaskDeclaration = Pick<
  TaskRecord,
  | 'tenant'
  | 'id'
  | 'ownerKind'
  | 'owner'
  | 'name'
  | 'role'
  | 'index'
  | 'stack'
  | 'nodeId'
  | 'host'
  | 'ports'
  | 'spec'
  | 'specHash'
  | 'desired'
>;

/** Delay before launch number `restarts + 1`, as Marathon computes it. */
export function backoffDelayMs(b: Backoff, restarts: number): number {
  if (restarts <= 0) return 0;
  const seconds = b.backoffSeconds * Math.pow(b.backoffFactor, restarts - 1);
  return Math.round(Math.min(seconds, b.maxLaunchDelaySeconds) * 1000);
}

export type TaskDesired = 'running' | 'stopped' | 'removed' | 'purged';

/** An owner (app or service) is ready when every task it wants running is alive and passing its checks. */
export function isTaskReady(t: Pick<TaskRecord, 'state' | 'spec' | 'desired'>): boolean {
  if (t.desired !== 'running') return false;
  // A one-shot task (Compose's restart 'no' or 'on-failure') that completed has done its part.
  if (t.state === 'finished' && (t.spec.restart ?? 'always') !== 'always') return true;
  return t.spec.healthChecks.length > 0
    ? t.state === 'healthy'
    : t.state === 'running' || t.state === 'healthy';
}

/**
 * A task that exited and, by its restart policy ('no', or 'on-failure' after a success), is not to
 * be launched again until its definition changes.
 */
export function hasEnded(
  t: Pick<
    TaskRecord,
    | 'spec'
    | 'handle'
    | 'launches'
    | 'nextLaunchAt'
    | 'launchedSpecHash'
    | 'specHash'
    | 'restartRequested'
    | 'state'
  >,
): boolean {
  return (
    (t.spec.restart ?? 'always') !== 'always' &&
    t.handle === null &&
    t.launches > 0 &&
    t.nextLaunchAt === null &&
    t.launchedSpecHash === t.specHash &&
    !t.restartRequested &&
    (t.state === 'finished' || t.state === 'failed')
  );
}

/** `waiting`: declared, not admitted by the scheduler yet (set by the views, which see the queue). */
export type OwnerStatus = 'deploying' | 'ready' | 'degraded' | 'failing' | 'stopped' | 'waiting';

/** Ready, and running the definition it was last given (not waiting to be replaced or restarted). */
export function isTaskCurrent(
  t: Pick<TaskRecord, 'state' | 'spec' | 'desired' | 'specHash' | 'launchedSpecHash' | 'restartRequested'>,
): boolean {
  return isTaskReady(t) && t.launchedSpecHash === t.specHash && !t.restartRequested;
}

/** Marathon gives up on a task after this many failed launches in a row; so does every status. */
export const MAX_RESTARTS = 3;

/**
 * How long a task that is not restarted (Compose's `restart: "no"`) must have run before it counts
 * as ready: a one-shot that fails at once must fail `up --wait`, as `docker compose up --wait` does.
 */
export const SETTLE_MS = 1000;

/** A task that keeps failing, or a one-shot task that failed and, by its restart policy, stays so. */
export function taskGaveUp(t: TaskRecord): boolean {
  if (t.desired !== 'running') return false;
  return (t.restarts >= MAX_RESTARTS && !isTaskReady(t)) || (t.state === 'failed' && hasEnded(t));
}

/** A post-ready step's outcome, for the owner whose status it is part of. */
export interface PostReadyStep {
  service: string;
  status: 'pending' | 'done' | 'failed';
  message: string | null;
}

/** One word for an owner's (or a stack's) tasks, and the sentence that goes with it. */
export interface OwnerState {
  status: OwnerStatus;
  message: string | null;
}

/**
 * The status of an owner or a stack, decided here only: `ready` when every task it wants is ready,
 * running its current definition, past its settling time, and every post-ready step is done;
 * `failing` when a task gave up or a post-ready step failed for good. `up --wait`, `ps`, the API and
 * the console all read this.
 */
export function ownerStatus(
  tasks: TaskRecord[],
  opts: { steps?: PostReadyStep[]; now?: number } = {},
): OwnerState {
  const wanted = tasks.filter((t) => t.desired === 'running');
  const steps = opts.steps ?? [];
  if (wanted.length === 0) return { status: 'stopped', message: null };
  const gaveUp = wanted.find(taskGaveUp);
  if (gaveUp)
    return {
      status: 'failing',
      message:
        `task ${gaveUp.id} ${gaveUp.state === 'failed' && hasEnded(gaveUp) ? 'failed' : `failed ${gaveUp.restarts} times`}` +
        (gaveUp.message ? ` (${gaveUp.message})` : ''),
    };
  const failedStep = steps.find((s) => s.status === 'failed');
  if (failedStep)
    return {
      status: 'failing',
      message: `${failedStep.service}: post-ready step failed: ${failedStep.message}`,
    };
  const now = opts.now ?? Date.now();
  const settling = (t: TaskRecord) =>
    (t.spec.restart ?? 'always') !== 'always' && t.state === 'running' && now - t.stateSince < SETTLE_MS;
  const ready = wanted.filter((t) => isTaskCurrent(t) && !settling(t)).length;
  if (ready === wanted.length) {
    const pending = steps.find((s) => s.status === 'pending');
    if (!pending) return { status: 'ready', message: null };
    return {
      status: 'deploying',
      message:
        `${pending.service}: running its post-ready step` +
        (pending.message ? ` (last attempt: ${pending.message})` : ''),
    };
  }
  if (wanted.every((t) => t.launches === 0) || ready === 0) return { status: 'deploying', message: null };
  return { status: 'degraded', message: null };
}
