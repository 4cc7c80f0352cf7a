import type { Paths } from '../core/paths.js';
import { defaultStartSlots, StartGate } from './start-gate.js';
import type { TaskHandle, TaskRecord } from '../core/task.js';
import type { Driver } from '../drivers/driver.js';
import type { Store } from '../state/store.js';
import type { EventBus } from './events.js';
import { HealthMonitor } from './health/monitor.js';
import { WorkQueue } from './queue.js';
import { taskKey } from '../core/keys.js';
import { restartDecision } from './restart-policy.js';
import { Supervisor, type SupervisorDeps } from './supervisor.js';

export interface ReconcilerOptions {
  store: Store;
  driver: Driver;
  paths: Paths;
  events: EventBus;
  log: (msg: string) => void;
  onRestart?: (t: TaskRecord, reason: string) => void;
  onOwnerReady?: (tenant: string, owner: string) => void;
  artifacts?: SupervisorDeps['artifacts'];
  images?: SupervisorDeps['images'];
  containerConfig?: SupervisorDeps['containerConfig'];
  userOf?: SupervisorDeps['userOf'];
  fenced?: SupervisorDeps['fenced'];
  workers?: number;
  /** How many heavy (JVM) starts run at once in the `auto` start order: the machine's cores. */
  startSlots?: number;
  startOrder?: SupervisorDeps['startOrder'];
  startPolicy?: SupervisorDeps['startPolicy'];
  beforeLaunch?: SupervisorDeps['beforeLaunch'];
}

/** The control loop: a keyed queue of tasks, a supervisor that syncs each, and the health monitor. */
export class Reconciler {
  readonly supervisor: Supervisor;
  readonly queue: WorkQueue;
  readonly health: HealthMonitor;
  private resync: NodeJS.Timeout | null = null;

  constructor(private readonly o: ReconcilerOptions) {
    this.health = new HealthMonitor((r) => this.supervisor.onHealth(r));
    this.queue = new WorkQueue((key) => this.supervisor.sync(key), {
      workers: o.workers ?? 8,
      baseDelayMs: 50,
      maxDelayMs: 30_000,
      onError: (key, err) =>
        o.log(`sync ${key} failed, will retry: ${err instanceof Error ? err.stack : String(err)}`),
    });
    this.supervisor = new Supervisor({
      store: o.store,
      driver: o.driver,
      paths: o.paths,
      events: o.events,
      health: this.health,
      queue: () => this.queue,
      log: o.log,
      ...(o.onRestart ? { onRestart: o.onRestart } : {}),
      ...(o.onOwnerReady ? { onOwnerReady: o.onOwnerReady } : {}),
      ...(o.artifacts ? { artifacts: o.artifacts } : {}),
      ...(o.images ? { images: o.images } : {}),
      ...(o.containerConfig ? { containerConfig: o.containerConfig } : {}),
      ...(o.userOf ? { userOf: o.userOf } : {}),
      ...(o.fenced ? { fenced: o.fenced } : {}),
      gate: new StartGate(o.startSlots ?? defaultStartSlots()),
      ...(o.startOrder ? { startOrder: o.startOrder } : {}),
      ...(o.startPolicy ? { startPolicy: o.startPolicy } : {}),
      ...(o.beforeLaunch ? { beforeLaunch: o.beforeLaunch } : {}),
    });
  }

  /**
   * Adopts every task an earlier daemon left running (same PID and start time: nothing is restarted),
   * marks the ones that died meanwhile as lost, then syncs everything once.
   */
  async start(): Promise<{ adopted: number; lost: number }> {
    let adopted = 0;
    let lost = 0;
    const now = Date.now();
    for (const t of this.o.store.tasks.listAll()) {
      const key = taskKey(t.tenant, t.id);
      if (!t.handle) continue;
      const handle = { ...t.handle };
      if (await this.recover(key, handle)) {
        adopted++;
        // Found by its launch id: its daemon died between the spawn and recording it. Recorded now,
        // or the task would run on as `staging`, its checks unheard and its launch never current.
        if (t.handle.pid === 0) this.supervisor.recordLaunch(key, t, handle);
        else this.supervisor.watch(key, { ...t, handle }, handle.launchId, handle.startedAt);
        continue;
      }
      lost++;
      // A death no daemon saw is a failure like any other: counted, and relaunched after its backoff.
      const decision = restartDecision({
        restart: t.spec.restart,
        backoff: t.spec.backoff,
        restarts: t.restarts,
        ranMs: now - t.handle.startedAt,
        ending: { by: 'lost' },
      });
      const relaunch =
        decision.action === 'relaunch'
          ? { restarts: decision.restarts, nextLaunchAt: now + decision.delayMs }
          : {};
      this.o.store.tasks.update(
        t.tenant,
        t.id,
        { handle: null, state: 'lost', message: 'exited while the daemon was down', ...relaunch },
        now,
      );
      if (decision.action === 'relaunch') this.o.onRestart?.(t, 'exited while the daemon was down');
      this.o.events.publish(
        t.tenant,
        'task_state',
        t.id,
        { task: t.id, owner: t.owner, state: 'lost', previous: t.state },
        now,
      );
    }
    // Containers an earlier daemon launched for tasks it no longer has (removed while it died).
    const keep = new Set(this.o.store.tasks.listAll().map((t) => taskKey(t.tenant, t.id)));
    const swept =
      (await this.o.driver.sweep?.(keep).catch((err: unknown) => {
        this.o.log(`sweeping leftover tasks failed: ${String(err)}`);
        return [];
      })) ?? [];
    if (swept.length > 0) this.o.log(`removed ${swept.length} leftover task(s): ${swept.join(', ')}`);
    this.enqueueAll();
    // A slow full resync catches anything an event missed; events remain the fast path.
    this.resync = setInterval(() => this.enqueueAll(), 30_000);
    this.resync.unref();
    return { adopted, lost };
  }

  /** One task whose recovery throws is counted lost (and relaunched), not a daemon that cannot start. */
  private async recover(key: string, handle: TaskHandle): Promise<boolean> {
    try {
      return await this.o.driver.recoverTask(key, handle);
    } catch (err) {
      this.o.log(
        `recovering ${key} failed, counted as lost: ${err instanceof Error ? err.message : String(err)}`,
      );
      return false;
    }
  }

  enqueue(tenant: string, ids: string[]): void {
    for (const id of ids) this.queue.add(taskKey(tenant, id));
  }

  enqueueAll(): void {
    for (const t of this.o.store.tasks.listAll()) this.queue.add(taskKey(t.tenant, t.id));
  }

  /**
   * After stop: resolves once no sync is under way, so that a launch in flight has recorded its
   * process (or given up) before the daemon stops its tasks; or after `ms`.
   */
  async settled(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.queue.idle(),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
    ]);
    clearTimeout(timer);
  }

  /** Stops the loop; tasks keep running, to be adopted by the next daemon. */
  stop(): void {
    if (this.resync) clearInterval(this.resync);
    this.queue.shutdown();
    this.health.stopAll();
    this.supervisor.stop();
  }
}
