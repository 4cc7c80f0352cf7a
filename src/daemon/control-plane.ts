import { getPackage, redactOptions } from '../catalog/registry.js';
import type { AppSpec } from '../core/app.js';
import { FlotillaError } from '../core/errors.js';
import type { Paths } from '../core/paths.js';
import type { TaskRecord } from '../core/task.js';
import { deploy, removeOwner, type DeployContext, type DeployResult } from '../deploy/apply.js';
import { endpointContext, serviceEndpoints } from '../deploy/render-service.js';
import type { EventBus } from '../reconciler/events.js';
import type { Reconciler } from '../reconciler/reconciler.js';
import { taskKey } from '../reconciler/supervisor.js';
import { usageReport } from '../metering/report.js';
import { parseApp } from '../specs/app.js';
import { isComposeSource, parseCompose, type ComposeOptions } from '../specs/compose.js';
import { parseStack, type ServiceEntry } from '../specs/stack.js';
import type { Store } from '../state/store.js';
import type { AppView, DeployResultView, ServiceView, StackView, TaskView } from '../core/api-schemas.js';
import type { UsageQuery, UsageView } from '../core/api-schemas.js';
import type { QueueView, WhyView } from '../core/tenant-schemas.js';
import { appView, serviceView, stackView, taskView } from './views.js';
import { WaitingQueue } from './waiting.js';

/**
 * The daemon's operations, shared by every front end (the REST API today). Deploys run one at a time:
 * each one reads the store, assigns ports and commits, and two at once could hand out the same port.
 */
export class ControlPlane {
  private deploying: Promise<unknown> = Promise.resolve();
  private readonly hooks = new Map<string, Promise<void>>();
  private cycleQueued = false;
  readonly waiting: WaitingQueue;

  constructor(
    private readonly store: Store,
    private readonly paths: Paths,
    private readonly deployCtx: DeployContext,
    private readonly reconciler: Reconciler,
    private readonly events: EventBus,
    private readonly log: (msg: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.waiting = new WaitingQueue(deployCtx, (t, ids) => reconciler.enqueue(t, ids), events, log, now);
  }

  // --- scheduling

  /**
   * Runs an allocation cycle over the waiting owners (after deploys, so the two never interleave);
   * a cycle that admits something runs again, since a dependent may fit now.
   */
  admitWaiting(): void {
    if (this.cycleQueued) return;
    this.cycleQueued = true;
    this.serialized(async () => {
      this.cycleQueued = false;
      if ((await this.waiting.cycle()) > 0) this.admitWaiting();
    }).catch((err: unknown) =>
      this.log(`allocation cycle failed: ${err instanceof Error ? err.stack : String(err)}`),
    );
  }

  tenantAllocation(tenant: string) {
    return this.waiting.allocation(tenant);
  }

  listWaiting(tenant: string): QueueView[] {
    return this.waiting.list(tenant);
  }

  whyTask(tenant: string, id: string): WhyView {
    return this.waiting.why(tenant, id);
  }

  /** A service's tasks are all ready: run its package's post-ready step (retried a few times). */
  onOwnerReady(tenant: string, owner: string): void {
    const s = this.store.services.get(tenant, owner);
    if (!s) return;
    const pkg = getPackage(s.package, s.version);
    const afterReady = pkg.afterReady?.bind(pkg);
    if (!afterReady) return;
    const key = `${tenant}/${owner}`;
    const previous = this.hooks.get(key) ?? Promise.resolve();
    const run = previous.then(async () => {
      for (let attempt = 1; attempt <= 5; attempt++) {
        const current = this.store.services.get(tenant, owner);
        if (!current) return;
        const tasks = this.store.tasks.byOwner(tenant, owner).filter((t) => t.desired === 'running');
        try {
          await afterReady(endpointContext(this.paths, current, tasks));
          this.events.publish(tenant, 'service_ready', owner, { service: owner }, this.now());
          return;
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          this.log(`${key}: post-ready step failed (attempt ${attempt}/5): ${message}`);
          this.events.publish(
            tenant,
            'service_hook_failed',
            owner,
            { service: owner, message, attempt },
            this.now(),
          );
          await new Promise((r) => setTimeout(r, 1000 * attempt));
        }
      }
    });
    this.hooks.set(key, run);
    void run.finally(() => {
      if (this.hooks.get(key) === run) this.hooks.delete(key);
    });
  }

  // --- stacks

  applyStack(
    tenant: string,
    source: string,
    name?: string,
    compose: Omit<ComposeOptions, 'name'> = {},
  ): Promise<DeployResultView> {
    const spec = isComposeSource(source)
      ? parseCompose(source, { ...compose, name })
      : parseStack(source, name);
    if (name && spec.name !== name) {
      throw new FlotillaError(
        'STACK_INVALID',
        `stack.name: the file names "${spec.name}" but the request names "${name}"`,
      );
    }
    return this.run(tenant, spec.name, {
      services: spec.services,
      apps: spec.apps,
      prune: true,
      createOnly: false,
      source,
    });
  }

  downStack(tenant: string, name: string, purge: boolean): DeployResultView {
    const stack = this.store.stacks.get(tenant, name);
    if (!stack) throw new FlotillaError('STACK_NOT_FOUND', `no stack "${name}"`);
    const owners = [...stack.services, ...stack.apps];
    const touched = this.store.atomically(() => {
      const ids = owners.flatMap((o) =>
        removeOwner(this.store, tenant, o, purge ? 'purged' : 'removed', this.now()),
      );
      this.store.stacks.remove(tenant, name);
      return ids;
    });
    this.reconciler.enqueue(tenant, touched);
    this.admitWaiting();
    return { stack: name, created: [], updated: [], unchanged: [], removed: owners, waiting: [] };
  }

  listStacks(tenant: string): StackView[] {
    return this.store.stacks
      .list(tenant)
      .map((s) =>
        stackView(this.paths, s, this.stackTasks(tenant, s.name), this.stackWaiting(tenant, s.name)),
      );
  }

  getStack(tenant: string, name: string): StackView {
    const s = this.store.stacks.get(tenant, name);
    if (!s) throw new FlotillaError('STACK_NOT_FOUND', `no stack "${name}"`);
    return stackView(this.paths, s, this.stackTasks(tenant, name), this.stackWaiting(tenant, name));
  }

  // --- services

  installService(tenant: string, entry: ServiceEntry): Promise<DeployResultView> {
    return this.run(tenant, null, { services: [entry], apps: [], prune: false, createOnly: true });
  }

  removeService(tenant: string, name: string, purge: boolean): void {
    const s = this.store.services.get(tenant, name) ?? this.queued(tenant, name, 'service');
    if (!s) throw new FlotillaError('SERVICE_NOT_FOUND', `no service "${name}"`);
    this.removeStandalone(tenant, name, s.stack, purge);
  }

  listServices(tenant: string): ServiceView[] {
    return this.store.services.list(tenant).map((s) => this.getService(tenant, s.name));
  }

  getService(tenant: string, name: string): ServiceView {
    const s = this.store.services.get(tenant, name);
    if (!s) throw new FlotillaError('SERVICE_NOT_FOUND', `no service "${name}"`);
    const tasks = this.store.tasks.byOwner(tenant, name);
    const endpoints = serviceEndpoints(
      this.paths,
      s,
      tasks.filter((t) => t.desired === 'running'),
    ).endpoints;
    const pkg = getPackage(s.package, s.version);
    return serviceView(this.paths, s, tasks, redactOptions(pkg, s.options), endpoints);
  }

  /**
   * Redeploys a service with changed persistent state (keys set to null are dropped) or options, as
   * a plan step asks; the state is written before the render that reads it.
   */
  redeployService(
    tenant: string,
    name: string,
    change: { state?: Record<string, string | null>; options?: Record<string, unknown> },
  ): Promise<DeployResultView> {
    return this.serialized(async () => {
      const s = this.store.services.get(tenant, name);
      if (!s) throw new FlotillaError('SERVICE_NOT_FOUND', `no service "${name}"`);
      const state = { ...s.state };
      for (const [k, v] of Object.entries(change.state ?? {})) {
        if (v === null) delete state[k];
        else state[k] = v;
      }
      const { createdAt: _c, updatedAt: _u, ...record } = s;
      this.store.services.put({ ...record, state }, this.now());
      return this.deployNow(tenant, s.stack, {
        services: [
          {
            name,
            package: s.package,
            version: s.version,
            options: { ...s.options, ...change.options },
            dependsOn: s.dependencies,
          },
        ],
        apps: [],
        prune: false,
        createOnly: false,
      });
    });
  }

  // --- apps

  addApp(tenant: string, body: unknown): Promise<DeployResultView> {
    return this.run(tenant, null, { services: [], apps: [parseApp(body)], prune: false, createOnly: true });
  }

  putApp(tenant: string, id: string, body: unknown): Promise<DeployResultView> {
    const spec = parseApp({ ...(body as object), id });
    const existing = this.store.apps.get(tenant, spec.id);
    return this.run(tenant, existing?.stack ?? null, {
      services: [],
      apps: [spec],
      prune: false,
      createOnly: false,
    });
  }

  scaleApp(tenant: string, id: string, instances: number): Promise<DeployResultView> {
    const a = this.requireApp(tenant, id);
    const spec: AppSpec = { ...a.spec, instances };
    return this.run(tenant, a.stack, { services: [], apps: [spec], prune: false, createOnly: false });
  }

  /** A rolling restart: every instance is replaced, one at a time. */
  restartApp(tenant: string, id: string): AppView {
    this.requireApp(tenant, id);
    const tasks = this.store.tasks.byOwner(tenant, id).filter((t) => t.desired === 'running');
    this.store.atomically(() => {
      for (const t of tasks)
        this.store.tasks.update(tenant, t.id, { launchedSpecHash: 'restart' }, this.now());
    });
    this.reconciler.enqueue(
      tenant,
      tasks.map((t) => t.id),
    );
    return this.getApp(tenant, id);
  }

  removeApp(tenant: string, id: string, purge: boolean): void {
    const key = id.replace(/^\//, '');
    const a = this.store.apps.get(tenant, key) ?? this.queued(tenant, key, 'app');
    if (!a) throw new FlotillaError('APP_NOT_FOUND', `no app "${id}"`);
    this.removeStandalone(tenant, key, a.stack, purge);
  }

  /** A service or app the scheduler has not admitted yet can be removed like a running one. */
  private queued(tenant: string, owner: string, kind: 'service' | 'app'): { stack: string | null } | null {
    const e = this.store.queue.get(tenant, owner);
    return e && e.kind === kind ? e : null;
  }

  listApps(tenant: string): AppView[] {
    return this.store.apps
      .list(tenant)
      .map((a) => appView(this.paths, a, this.store.tasks.byOwner(tenant, a.id)));
  }

  getApp(tenant: string, id: string): AppView {
    const a = this.requireApp(tenant, id);
    return appView(this.paths, a, this.store.tasks.byOwner(tenant, a.id));
  }

  // --- tasks

  listTasks(tenant: string, filter: { owner?: string; stack?: string } = {}): TaskView[] {
    return this.store.tasks
      .list(tenant)
      .filter(
        (t) => (!filter.owner || t.owner === filter.owner) && (!filter.stack || t.stack === filter.stack),
      )
      .map((t) => taskView(this.paths, t));
  }

  getTask(tenant: string, id: string): TaskView {
    return taskView(this.paths, this.requireTask(tenant, id));
  }

  requireTask(tenant: string, id: string): TaskRecord {
    const t = this.store.tasks.get(tenant, id);
    if (!t) throw new FlotillaError('TASK_NOT_FOUND', `no task "${id}"`);
    return t;
  }

  /** Kills the task's process; it is relaunched at once, as Marathon replaces a killed task. */
  async killTask(tenant: string, id: string): Promise<TaskView> {
    const t = this.requireTask(tenant, id);
    if (!t.handle || t.handle.pid <= 0)
      throw new FlotillaError('TASK_NOT_RUNNING', `task "${id}" is ${t.state}`);
    await this.reconciler.supervisor.kill(taskKey(tenant, id), 'killed on request');
    return this.getTask(tenant, id);
  }

  // --- metering

  /** Resource-seconds held in a range, for these tenants ('all': every tenant, for a cluster admin). */
  usage(tenants: string[] | 'all', query: UsageQuery): UsageView {
    return usageReport((t, from, to) => this.store.usage.list(t, from, to), tenants, query, this.now());
  }

  // ---

  private requireApp(tenant: string, id: string) {
    const a = this.store.apps.get(tenant, id.replace(/^\//, ''));
    if (!a) throw new FlotillaError('APP_NOT_FOUND', `no app "${id}"`);
    return a;
  }

  private removeStandalone(tenant: string, owner: string, stack: string | null, purge: boolean): void {
    const touched = this.store.atomically(() => {
      const ids = removeOwner(this.store, tenant, owner, purge ? 'purged' : 'removed', this.now());
      const s = stack === null ? null : this.store.stacks.get(tenant, stack);
      if (s) {
        this.store.stacks.put(
          { ...s, services: s.services.filter((n) => n !== owner), apps: s.apps.filter((n) => n !== owner) },
          this.now(),
        );
      }
      return ids;
    });
    this.reconciler.enqueue(tenant, touched);
    this.admitWaiting();
  }

  private stackWaiting(tenant: string, stack: string) {
    return this.store.queue.list(tenant).filter((e) => e.stack === stack);
  }

  private stackTasks(tenant: string, stack: string): TaskRecord[] {
    return this.store.tasks.list(tenant).filter((t) => t.stack === stack);
  }

  private run(
    tenant: string,
    stack: string | null,
    req: { services: ServiceEntry[]; apps: AppSpec[]; prune: boolean; createOnly: boolean; source?: string },
  ): Promise<DeployResultView> {
    return this.serialized(() => this.deployNow(tenant, stack, req));
  }

  /** Deploys and cycles run one at a time: each reads the store, assigns ports and commits. */
  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.deploying.then(fn);
    this.deploying = next.catch(() => undefined);
    return next;
  }

  private async deployNow(
    tenant: string,
    stack: string | null,
    req: { services: ServiceEntry[]; apps: AppSpec[]; prune: boolean; createOnly: boolean; source?: string },
  ): Promise<DeployResultView> {
    const result: DeployResult = await deploy(this.deployCtx, { tenant, stack, ...req }, this.now());
    this.reconciler.enqueue(tenant, result.touched);
    // A deploy that replaced or removed tasks may have freed what a waiting owner needs.
    if (result.touched.length > 0 && this.store.queue.listAll().length > 0) this.admitWaiting();
    const { touched: _touched, ...view } = result;
    return { stack, ...view };
  }
}
