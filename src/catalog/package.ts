import type { LockFile } from '../core/artifact.js';
import type { Constraint } from '../core/constraint.js';
import type { Endpoint } from '../core/service.js';
import type { LaunchSpec, TaskRecord } from '../core/task.js';

/**
 * A catalog entry: a versioned service definition. Rendering happens in two passes because a task's
 * config may name other tasks' addresses: `layout` says which tasks exist and which ports they ask for;
 * after placement and port assignment, `render` produces each task's launch spec and `endpoints`
 * the service's connection strings.
 */
export interface PackageDefinition {
  name: string;
  version: string;
  description: string;
  /** JSON Schema (draft 2020-12 subset Ajv understands) for the options; `writeOnly: true` marks secrets. */
  optionsSchema: Record<string, unknown>;
  /** System programs the package runs, each with the command that installs it. */
  binaries: { name: string; install: string }[];
  /** A JVM package: the lock its tasks run from (chosen by the options) and the Java it needs. */
  jvm?: {
    lock(options: Record<string, unknown>): LockFile;
    javaMajor: { min: number; max?: number };
  };
  layout(options: Record<string, unknown>): TaskSlot[];
  render(ctx: RenderContext): Record<string, LaunchSpec>;
  endpoints(ctx: EndpointContext): Endpoint[];
  /**
   * Runs when every task of the service has become ready (again after each restart or redeploy), e.g.
   * Kafka creates the topics the options declare. Must be idempotent; a throw is retried.
   */
  afterReady?(ctx: EndpointContext): Promise<void>;
  /** Day-2 plans beyond deploy and recovery (Cassandra: replace, scale, repair, restart), by name. */
  operations?: Record<string, OperationDefinition>;
  /**
   * Refuses (throws a coded error) a stack file or request that would undo what an operation did to
   * the service (`stored`): a ring a plan scaled must not be resized by an older file. Plans' own
   * redeploys are not checked.
   */
  checkRedeclared?(
    stored: { options: Record<string, unknown>; state: Record<string, string> },
    declared: Record<string, unknown>,
    service: string,
  ): void;
  /**
   * Its tasks' first starts go one after another (Cassandra's bootstraps: each node's start script
   * waits for the one before it), so the start order gives the service one turn at a time rather
   * than a core to each task that only waits.
   */
  startsOneAtATime?: boolean;
  /**
   * The role whose tasks launch before the service's others, which wait while one of them is on its
   * way up (a Redis primary: its replicas then find it listening at their first connect instead of
   * retrying a second later).
   */
  startsFirst?: string;
  /** Set when the package cannot run under the Docker driver yet: why, and what to do instead. */
  noContainers?: string;
}

export interface TaskSlot {
  /** Stable instance name: "redis-0". */
  name: string;
  role: string;
  index: number;
  /** Ports the task needs: 0 = any free port, anything else = exactly that port. */
  ports: number[];
  /** What the task holds on its node: cpus, and memory and disk in MB. */
  cpus: number;
  mem: number;
  disk?: number;
  /**
   * Marathon constraints among the tasks of the same role, e.g. hostname UNIQUE for one broker per
   * node (see ONE_PER_NODE).
   */
  constraints?: Constraint[];
}

/** One task of the role per node: brokers, ZooKeeper servers, Cassandra nodes. */
export const ONE_PER_NODE: Constraint[] = [{ field: 'hostname', operator: 'UNIQUE' }];

export interface PlacedTask extends TaskSlot {
  /** The address the service's other tasks reach this one at (its virtual node, or its DNS name on a container network). */
  host: string;
  /** The address the task listens on: its virtual node, or 0.0.0.0 in a container. */
  bindHost: string;
  /**
   * The address clients on the host reach it at (the virtual node, where a container's ports are
   * published). Differs from `host` only in a container: a package that advertises addresses to
   * clients (Kafka) then needs a listener for each side.
   */
  publicHost: string;
  /** Assigned ports, same order as requested. */
  ports: number[];
  /** Absolute sandbox path; the task's data lives in `${sandbox}/data`. */
  sandbox: string;
}

export interface EndpointContext {
  service: string;
  tenant: string;
  options: Record<string, unknown>;
  tasks: PlacedTask[];
}

export interface RenderContext extends EndpointContext {
  /** Absolute paths of the binaries the package declared, by name. */
  binaries: Record<string, string>;
  /** JVM packages: the `java` to run and the classpath (verified cache paths of the lock's jars). */
  java?: string;
  classpath?: string[];
  /** The verified artifact cache, under which prepared runtimes (a PySpark venv) live too. */
  artifactsDir: string;
  /** The service's persistent state kept across deploys (e.g. a KRaft cluster id), read and written by render. */
  state: Record<string, string>;
}

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
  /**
   * Why the scheduler would not place what `redeploy(change)` adds (the reason the service would
   * wait in the queue), or null when it fits; changes nothing.
   */
  wouldWait(change: { options?: Record<string, unknown> }): Promise<string | null>;
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
  /** Refuses (throws a coded error) before the plan starts, when it could not succeed as things are. */
  check?(parameters: Record<string, string>, ops: ServiceOps): Promise<void>;
}
