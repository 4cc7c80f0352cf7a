import { randomUUID } from 'node:crypto';
import { isFlotillaError } from '../core/errors.js';
import { sandboxPath, tenantDataPath, type Paths } from '../core/paths.js';
import { ALIVE_STATES, hasEnded, type ContainerSpec, type TaskRecord, type TaskState } from '../core/task.js';
import type { ContainerConfig, Driver, ExitResult } from '../drivers/driver.js';
import type { TaskHandle } from '../core/task.js';
import type { Store } from '../state/store.js';
import { disruptionBlocker, launchBlockers } from './dependencies.js';
import type { EventBus } from './events.js';
import type { HealthMonitor, HealthReport } from './health/monitor.js';
import { runPrestart, type ArtifactPreparer, type ImagePreparer } from './prestart.js';
import type { WorkQueue } from './queue.js';
import { describeExit, restartDecision, type RestartDecision } from './restart-policy.js';
import { retire } from './retire.js';
import { StartGate } from './start-gate.js';
import { startTurn, type StartPolicyOf } from './start-order.js';
import type { StartOrder } from '../core/service.js';
import type { TaskUser } from '../core/identity.js';
import { splitKey, taskKey } from '../core/keys.js';
import { TaskStates } from './task-states.js';
import { Turns } from './turns.js';

export interface SupervisorDeps {
  store: Store;
  driver: Driver;
  paths: Paths;
  events: EventBus;
  health: HealthMonitor;
  queue: () => WorkQueue;
  log: (msg: string) => void;
  now?: () => number;
  onRestart?: (t: TaskRecord, reason: string) => void;
  /** Called when every task of an owner has become ready (packages run their post-ready steps). */
  onOwnerReady?: (tenant: string, owner: string) => void;
  /** Fetches artifacts and installs runtimes for the pre-start hooks. */
  artifacts?: ArtifactPreparer;
  /** Builds or pulls images for the pre-start hooks. */
  images?: ImagePreparer;
  /** A container task's spec with what its driver needs besides: network, published address, names. */
  containerConfig?(t: TaskRecord, spec: ContainerSpec): ContainerConfig;
  /** The Unix user a tenant's tasks run as, when the daemon isolates tenants. */
  userOf?(tenant: string): TaskUser | undefined;
  /** Resolves when the firewall rules for every port handed out so far are in force. */
  fenced?(): Promise<void>;
  /** What a launch needs from the failure lab: a fault's volume mounted, its extra env (clock skew). */
  beforeLaunch?(t: TaskRecord, sandbox: string): Promise<Record<string, string>>;
  /** Turns to start (start-gate.ts), the order of stacks that name none, and what packages say. */
  gate?: StartGate;
  startOrder?: StartOrder;
  startPolicy?: StartPolicyOf;
}

/**
 * Converges each task's actual state (the driver's process) on its desired state (the store's row).
 * Called by the work queue with one key at a time; everything it learns goes back into the store.
 */
export class Supervisor {
  /** Why we are stopping a task on purpose, so its exit is not counted as a failure. */
  private readonly stopping = new Map<string, { state: TaskState; message: string; failure: boolean }>();
  private readonly watched = new Set<string>();
  private readonly now: () => number;
  /** Set when the daemon stops: late exits and probes must not touch a closing store. */
  private stopped = false;
  private readonly states: TaskStates;
  private readonly launches = new Turns();
  private readonly gate: StartGate;

  constructor(private readonly d: SupervisorDeps) {
    this.now = d.now ?? Date.now;
    this.states = new TaskStates({ ...d, now: this.now });
    this.gate = d.gate ?? new StartGate(1);
  }

  stop(): void {
    this.stopped = true;
    this.gate.drain();
  }

  async sync(key: string): Promise<void> {
    const { tenant, id } = splitKey(key);
    const t = this.d.store.tasks.get(tenant, id);
    const alive = this.d.driver.inspectTask(key)?.running ?? false;
    if (!t) {
      if (alive) await this.d.driver.destroyTask(key);
      return;
    }
    if (t.desired !== 'running')
      return retire(
        { ...this.d, states: this.states, stopping: this.stopping, now: this.now, gate: this.gate },
        key,
        t,
        alive,
      );
    if (alive) {
      if (t.launchedSpecHash !== t.specHash || t.restartRequested) await this.replace(key, t);
      return;
    }
    if (hasEnded(t)) return;
    const tasksOf = (owner: string) => this.d.store.tasks.byOwner(tenant, owner);
    const waitingFor = launchBlockers(t, tasksOf, this.d.startPolicy?.(t).firstRole);
    if (waitingFor.length > 0) {
      this.states.set(t, 'staging', `waiting for ${waitingFor.join(', ')} to be ready`);
      return;
    }
    const now = this.now();
    if (t.nextLaunchAt !== null && t.nextLaunchAt > now) {
      if (t.state !== 'staging')
        this.states.set(
          t,
          'staging',
          `relaunch in ${Math.ceil((t.nextLaunchAt - now) / 1000)}s (backoff after ${t.restarts} failure(s))`,
        );
      this.d.queue().addAfter(key, t.nextLaunchAt - now);
      return;
    }
    await this.launch(key, t);
  }

  /** Stops a task on request; its exit is recorded as killed, not as a failure. */
  async kill(key: string, message: string, failure = false, state: TaskState = 'killed'): Promise<void> {
    const { tenant, id } = splitKey(key);
    const t = this.d.store.tasks.get(tenant, id);
    if (!t || !(this.d.driver.inspectTask(key)?.running ?? false)) return;
    this.stopping.set(key, { state, message, failure });
    await this.d.driver.stopTask(key, t.spec.killGracePeriodSeconds * 1000);
  }

  /** Starts watching a task the driver already runs (just launched, or adopted after a restart). */
  watch(key: string, t: TaskRecord, launchId: string, startedAt: number): void {
    if (!this.watched.has(launchId)) {
      this.watched.add(launchId);
      void this.d.driver.waitTask(key).then(
        (exit) => void this.onExit(key, launchId, exit),
        (err: unknown) => this.d.log(`wait ${key}: ${String(err)}`),
      );
    }
    this.d.health.start(
      key,
      launchId,
      startedAt,
      t.spec.healthChecks,
      {
        host: t.host,
        ports: t.ports,
        exec: (command, timeoutMs) => this.d.driver.execTask(key, command, timeoutMs),
      },
      t.state === 'healthy',
    );
  }

  onHealth(r: HealthReport): void {
    if (this.stopped) return;
    const { tenant, id } = splitKey(r.key);
    const t = this.d.store.tasks.get(tenant, id);
    if (!t || t.handle?.launchId !== r.launchId || !ALIVE_STATES.has(t.state)) return;
    if (r.healthy) {
      this.gate.release(r.key);
      if (t.state !== 'healthy') {
        this.d.store.tasks.update(tenant, id, { healthFailures: 0 }, this.now());
        this.states.set(t, 'healthy', null);
        this.states.wakeDependents(t);
      }
      return;
    }
    if (r.failures === 0) return;
    if (t.state !== 'unhealthy' || t.healthFailures !== r.failures) {
      this.d.store.tasks.update(tenant, id, { healthFailures: r.failures }, this.now());
      this.states.set(t, 'unhealthy', r.message);
    }
    if (r.exhausted) {
      const blocker = this.disruptionBlocker(t);
      if (blocker) {
        this.d.log(`${r.key}: unhealthy, but not killed while ${blocker} is down too`);
        return;
      }
      this.d.log(`${r.key}: killed after ${r.failures} failed health checks (${r.message})`);
      void this.kill(r.key, `killed after ${r.failures} failed health checks: ${r.message}`, true, 'failed');
    }
  }

  private async launch(key: string, t: TaskRecord): Promise<void> {
    const now = this.now();
    const launchId = randomUUID();
    const sandbox = sandboxPath(this.d.paths, t.tenant, t.owner, t.name);
    // Record the launch id before spawning: a daemon that dies in between finds the process by it.
    const pending = {
      // The driver that will run it, not the set in front of it: a later daemon recovers by this name.
      driver: this.d.driver.nameFor?.(t.spec.driver) ?? this.d.driver.name,
      launchId,
      pid: 0,
      startTime: '',
      bootId: '',
      startedAt: now,
      sandbox,
    };
    this.d.store.tasks.update(t.tenant, t.id, { handle: pending }, now);
    try {
      const { artifacts, images, fenced } = this.d;
      const [dataDir, user] = [tenantDataPath(this.d.paths, t.tenant), this.d.userOf?.(t.tenant)];
      const ctx = { spec: t.spec, sandbox, dataDir, artifacts, images, fenced, user };
      const show = (message: string) => this.states.set(t, 'staging', message);
      const ready = await runPrestart(ctx, show, () => this.stopped);
      if (!ready) return;
      const turns = { store: this.d.store, gate: this.gate, defaultOrder: this.d.startOrder ?? 'auto' };
      const turn = { ...turns, policyOf: this.d.startPolicy };
      if (!(await startTurn(turn, t, (m) => this.states.set(t, 'staging', m))))
        return this.d.queue().add(key);
      // Launches take turns (turns.ts); a daemon that stopped meanwhile starts nothing.
      if ((await this.launches.next(), this.stopped)) return;
      const faultEnv = (await this.d.beforeLaunch?.(t, sandbox)) ?? {};
      const handle = await this.d.driver.startTask({
        taskKey: key,
        launchId,
        sandbox,
        dataDir,
        ...(t.spec.cmd !== undefined ? { cmd: t.spec.cmd } : { args: t.spec.args ?? [] }),
        env: { ...t.spec.env, ...faultEnv },
        cpus: t.spec.cpus,
        mem: t.spec.mem,
        ...(t.spec.driver ? { driver: t.spec.driver } : {}),
        ...(t.spec.container ? { container: this.containerConfig(t, t.spec.container) } : {}),
        ...(user ? { user } : {}),
      });
      this.recordLaunch(key, t, handle);
    } catch (err) {
      this.gate.release(key);
      const message = isFlotillaError(err) ? err.message : String(err);
      this.d.store.tasks.update(t.tenant, t.id, { handle: null }, this.now());
      const decision = restartDecision({
        restart: t.spec.restart,
        backoff: t.spec.backoff,
        restarts: t.restarts,
        ranMs: 0,
        ending: { by: 'launch' },
      });
      if (decision.action === 'relaunch') this.relaunchLater(key, t, decision, message, null, null);
    }
  }

  /**
   * A launch's process runs: recorded and watched. Also how a later daemon completes a launch whose
   * daemon died between the spawn and this record (the process found by its launch id).
   */
  recordLaunch(key: string, t: TaskRecord, handle: TaskHandle): void {
    const state: TaskState = t.spec.healthChecks.length > 0 ? 'starting' : 'running';
    const { specHash: launchedSpecHash, launches } = t;
    const record = { handle, launchedSpecHash, restartRequested: false, launches: launches + 1 };
    const cleared = { nextLaunchAt: null, exitCode: null, exitSignal: null, healthFailures: 0 };
    this.d.store.tasks.update(t.tenant, t.id, { ...record, ...cleared }, this.now());
    const fresh = this.states.set(t, state, null);
    if (state === 'running') {
      this.gate.release(key);
      this.states.wakeDependents(t);
    }
    this.watch(key, { ...fresh, state }, handle.launchId, handle.startedAt);
  }

  private async onExit(key: string, launchId: string, exit: ExitResult): Promise<void> {
    this.watched.delete(launchId);
    this.gate.release(key);
    if (this.stopped) return;
    const { tenant, id } = splitKey(key);
    const t = this.d.store.tasks.get(tenant, id);
    if (!t || t.handle?.launchId !== launchId) return;
    this.d.health.stop(key);
    // The task is its whole process group: what its leader left behind must not hold its ports.
    await this.d.driver.destroyTask(key).catch(() => undefined);
    if (this.stopped) return;
    const purpose = this.stopping.get(key);
    this.stopping.delete(key);
    const how = describeExit(exit);
    const decision = restartDecision({
      restart: t.spec.restart,
      backoff: t.spec.backoff,
      restarts: t.restarts,
      ranMs: this.now() - (t.handle?.startedAt ?? this.now()),
      ending: !purpose
        ? { by: 'exit', exitCode: exit.exitCode }
        : purpose.failure
          ? { by: 'health' }
          : { by: 'stop', state: purpose.state },
    });
    if (decision.action === 'stop') {
      this.d.store.tasks.update(
        tenant,
        id,
        { handle: null, exitCode: exit.exitCode, exitSignal: exit.signal },
        this.now(),
      );
      this.states.set(t, decision.state, purpose?.message ?? how);
      this.d.queue().add(key);
      return;
    }
    this.d.store.tasks.update(tenant, id, { handle: null }, this.now());
    if (decision.action === 'end') {
      // Compose's restart policy: this exit ends the task until its definition changes.
      this.d.store.tasks.update(
        tenant,
        id,
        { nextLaunchAt: null, exitCode: exit.exitCode, exitSignal: exit.signal },
        this.now(),
      );
      const fresh = this.states.set(t, decision.state, `${how} (restart: ${decision.policy})`);
      if (decision.state === 'finished') this.states.wakeDependents(fresh);
      return;
    }
    this.relaunchLater(key, t, decision, purpose?.message ?? how, exit.exitCode, exit.signal);
  }

  /** Records a failed (or finished) run and schedules the relaunch after the backoff delay. */
  private relaunchLater(
    key: string,
    t: TaskRecord,
    decision: Extract<RestartDecision, { action: 'relaunch' }>,
    message: string,
    exitCode: number | null,
    signal: string | null,
  ): void {
    const now = this.now();
    this.d.store.tasks.update(
      t.tenant,
      t.id,
      { restarts: decision.restarts, nextLaunchAt: now + decision.delayMs, exitCode, exitSignal: signal },
      now,
    );
    this.states.set(t, decision.state, message);
    this.d.onRestart?.(t, message);
    this.d.queue().addAfter(key, decision.delayMs);
  }

  /** A changed definition (or a requested restart) replaces instances one at a time, never all at once. */
  private async replace(key: string, t: TaskRecord): Promise<void> {
    if (this.disruptionBlocker(t)) {
      this.d.queue().addAfter(key, 500);
      return;
    }
    await this.kill(key, 'replaced by its new definition');
  }

  /** Another instance of the same owner that is down or being stopped: while it is, this one stays up. */
  private disruptionBlocker(t: TaskRecord): string | null {
    const siblings = this.d.store.tasks.byOwner(t.tenant, t.owner);
    return disruptionBlocker(t, siblings, (s) => this.stopping.has(taskKey(s.tenant, s.id)));
  }

  private containerConfig(t: TaskRecord, spec: ContainerSpec): ContainerConfig {
    if (!this.d.containerConfig) throw new Error('this daemon has no Docker driver');
    return this.d.containerConfig(t, spec);
  }
}
