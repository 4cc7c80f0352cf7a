import type { LockedArtifact } from './artifact.js';
import type { HealthCheckSpec } from './health.js';

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
  backoff: Backoff;
  /** Owners (apps or services of the same tenant) that must be ready before this task launches. */
  dependsOn: string[];
  /** JVM artifacts that must be in the verified cache before the task may launch. */
  artifacts?: LockedArtifact[];
  /** A runtime that must be installed under the artifact cache before the task may launch. */
  runtime?: RuntimeRef;
}

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

export function taskId(owner: string, name: string): string {
  return `${owner}.${name}`;
}

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
  return t.spec.healthChecks.length > 0
    ? t.state === 'healthy'
    : t.state === 'running' || t.state === 'healthy';
}

/** `waiting`: declared, not admitted by the scheduler yet (set by the views, which see the queue). */
export type OwnerStatus = 'deploying' | 'ready' | 'degraded' | 'failing' | 'stopped' | 'waiting';

/** One word for an owner's tasks, shown by `ps` and waited on by `up --wait`. */
/** Ready, and running the definition it was last given (not waiting to be replaced). */
export function isTaskCurrent(
  t: Pick<TaskRecord, 'state' | 'spec' | 'desired' | 'specHash' | 'launchedSpecHash'>,
): boolean {
  return isTaskReady(t) && t.launchedSpecHash === t.specHash;
}

export function ownerStatus(
  tasks: Pick<
    TaskRecord,
    'state' | 'spec' | 'desired' | 'launches' | 'restarts' | 'specHash' | 'launchedSpecHash'
  >[],
): OwnerStatus {
  const wanted = tasks.filter((t) => t.desired === 'running');
  if (wanted.length === 0) return 'stopped';
  const ready = wanted.filter(isTaskCurrent).length;
  if (ready === wanted.length) return 'ready';
  if (wanted.some((t) => t.restarts >= 3)) return 'failing';
  if (wanted.every((t) => t.launches === 0) || ready === 0) return 'deploying';
  return 'degraded';
}
