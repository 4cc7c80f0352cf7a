import { getPackage, redactEndpoints, redactOptions } from '../catalog/registry.js';
import type { AppView, DeployResultView, ServiceView, StackView, TaskView } from '../core/api-schemas.js';
import type { UsageQuery, UsageView } from '../core/api-schemas.js';
import type { ServiceEntry } from '../core/declaration.js';
import type { PlanView } from '../core/deploy-schemas.js';
import { FlotillaError } from '../core/errors.js';
import { taskKey } from '../core/keys.js';
import type { Paths } from '../core/paths.js';
import type { PullPolicy, TaskRecord } from '../core/task.js';
import type { PullEvent } from '../core/streams.js';
import { pullStackImages, type ImagePuller } from './stack-pull.js';
import type { QueueView, WhyView } from '../core/tenant-schemas.js';
import { Deployer } from '../deploy/deployer.js';
import type { DeployContext } from '../deploy/plan.js';
import { serviceEndpoints } from '../deploy/render-service.js';
import { usageReport } from '../metering/report.js';
import type { EventBus } from '../reconciler/events.js';
import type { Reconciler } from '../reconciler/reconciler.js';
import type { ComposeConfigView } from '../core/request-schemas.js';
import { Reader, checkName } from '../specs/check.js';
import { ParsePool } from '../specs/parse-pool.js';
import { fromDcosOptions, isDcosOptions } from '../catalog/dcos-options.js';
import { readApp } from './app-input.js';
import type { AppAccess } from '../specs/app-container.js';

export { readApp } from './app-input.js';
import type { Store } from '../state/store.js';
import { PostReadySteps } from './post-ready.js';
import { readComposeConfig, readStack, withWarnings, type ComposeInput } from './stack-input.js';

export type { ComposeInput } from './stack-input.js';
import { QueueViews } from './queue-views.js';
import { appView, serviceView, stackView, taskView } from './views.js';

/**
 * The daemon's operations, shared by every front end (the REST API today). Every write to what
 * tenants declared goes through the one Deployer (plan, then commit, one at a time); the control
 * plane parses requests, keeps the reads and views, and runs post-ready steps.
 */
export class ControlPlane {
  readonly deployer: Deployer;
  readonly queue: QueueViews;
  private readonly postReady: PostReadySteps;
  private commitListener: (() => void) | undefined;
  /** Stack and Compose texts are read off the event loop. */
  private readonly parser = new ParsePool();

  /** Pulls an image as a policy says (the daemon's TaskImages); unset: no Docker driver. */
  imagePuller?: ImagePuller;
  /** Where a container port written without an address is published (FLOTILLA_PUBLISH_IP). */
  publishIp: string | undefined;

  constructor(
    private readonly store: Store,
    private readonly paths: Paths,
    deployCtx: DeployContext,
    private readonly reconciler: Reconciler,
    events: EventBus,
    log: (msg: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.deployer = new Deployer(deployCtx, {
      enqueue: (t, ids) => reconciler.enqueue(t, ids),
      publish: (tenant, type, subject, data) => events.publish(tenant, type, subject, data, now()),
      log,
      now,
      committed: (tenant, services) => {
        this.postReady.runPending(tenant, services);
        this.commitListener?.();
      },
    });
    this.queue = new QueueViews(deployCtx);
    this.postReady = new PostReadySteps(store, paths, events, log, now);
  }

  /** Called after every commit (the firewall follows the ports tasks hold). */
  onCommit(listener: () => void): void {
    this.commitListener = listener;
  }

  // --- scheduling

  admitWaiting(): void {
    this.deployer.admitWaiting();
  }

  tenantAllocation(tenant: string) {
    return this.queue.allocation(tenant);
  }

  listWaiting(tenant: string): QueueView[] {
    return this.queue.list(tenant);
  }

  whyTask(tenant: string, id: string): WhyView {
    return this.queue.why(tenant, id);
  }

  /** A service's tasks are all ready: run its package's post-ready step. */
  onOwnerReady(tenant: string, owner: string): void {
    this.postReady.onOwnerReady(tenant, owner);
  }

  /** At start: the post-ready steps a stopped daemon left pending on ready services. */
  resumePostReady(): void {
    this.postReady.resume();
  }

  // --- stacks

  private readStack(source: string, name: string | undefined, compose: ComposeInput & { pull?: PullPolicy }) {
    return readStack(this.parser, source, name, { ...compose, publishIp: this.publishIp });
  }

  /** Applies a stack file, its images pulled first (`onPull` follows their layers). */
  async applyStack(
    tenant: string,
    source: string,
    name?: string,
    compose: ComposeInput & { pull?: PullPolicy } = {},
    onPull?: (e: PullEvent) => void,
  ): Promise<DeployResultView> {
    const { registryAuth, ...rest } = compose;
    const { stack, intent, warnings } = await this.readStack(source, name, rest);
    if (this.imagePuller)
      await pullStackImages(intent.declarations, this.imagePuller, {
        onEvent: onPull,
        credentials: registryAuth,
      });
    return withWarnings(await this.deployer.deploy(tenant, stack, intent), warnings);
  }

  /** Replaces stack `old` by the one the file declares; see Deployer.replace. */
  async replaceStack(
    tenant: string,
    old: string,
    source: string,
    compose: ComposeInput & { pull?: PullPolicy },
    purge: boolean,
  ): Promise<DeployResultView> {
    const { registryAuth, ...rest } = compose;
    const { stack, intent, warnings } = await this.readStack(source, undefined, rest);
    if (this.imagePuller)
      await pullStackImages(intent.declarations, this.imagePuller, { credentials: registryAuth });
    return withWarnings(await this.deployer.replace(tenant, old, stack, intent, purge), warnings);
  }

  /** What applying a stack file would do, as a diff; nothing is started or written. */
  async planStack(
    tenant: string,
    source: string,
    name?: string,
    compose: ComposeInput & { pull?: PullPolicy } = {},
  ): Promise<PlanView> {
    const { stack, intent, warnings } = await this.readStack(source, name, compose);
    return withWarnings(await this.deployer.plan(tenant, stack, intent), warnings);
  }

  /** A Compose file's normalised model, as `docker compose config` prints it; nothing is stored. */
  composeConfig(source: string, name: string, compose: ComposeInput = {}): Promise<ComposeConfigView> {
    return readComposeConfig(this.parser, source, name, compose);
  }

  /** Stops the YAML reader's worker. */
  close(): void {
    this.parser.close();
  }

  downStack(tenant: string, name: string, purge: boolean): Promise<DeployResultView> {
    return this.deployer.down(tenant, name, purge);
  }

  listStacks(tenant: string): StackView[] {
    return this.store.stacks
      .list(tenant)
      .map((s) =>
        stackView(
          this.paths,
          s,
          this.stackTasks(tenant, s.name),
          this.stackWaiting(tenant, s.name),
          this.stackServices(tenant, s.name),
        ),
      );
  }

  getStack(tenant: string, name: string): StackView {
    const s = this.store.stacks.get(tenant, name);
    if (!s) throw new FlotillaError('STACK_NOT_FOUND', `no stack "${name}"`);
    return stackView(
      this.paths,
      s,
      this.stackTasks(tenant, name),
      this.stackWaiting(tenant, name),
      this.stackServices(tenant, name),
    );
  }

  // --- services

  async installService(tenant: string, entry: ServiceEntry): Promise<DeployResultView> {
    // Names become DNS labels and folder names, as in a stack file.
    checkName(new Reader('VALIDATION_FAILED', 'service'), entry.name, 'name');
    // A DC/OS options file (`dcos package install --options`) is read as it was written.
    if (!isDcosOptions(entry.package, entry.options)) return this.deployer.install(tenant, entry);
    const { options, mappings } = fromDcosOptions(entry.package, entry.options);
    const result = await this.deployer.install(tenant, { ...entry, options });
    return withWarnings(
      result,
      mappings.map((m) => `DC/OS option ${m}`),
    );
  }

  async removeService(tenant: string, name: string, purge: boolean): Promise<void> {
    const s = this.store.services.get(tenant, name) ?? this.queued(tenant, name, 'service');
    if (!s) throw new FlotillaError('SERVICE_NOT_FOUND', `no service "${name}"`);
    await this.deployer.remove(tenant, name, purge, s.stack);
  }

  listServices(tenant: string): ServiceView[] {
    return this.store.services.list(tenant).map((s) => this.getService(tenant, s.name));
  }

  /** Secrets redacted, but in the endpoints of `withSecrets` (the endpoints route: the answer asked for). */
  getService(tenant: string, name: string, withSecrets = false): ServiceView {
    const s = this.store.services.get(tenant, name);
    if (!s) throw new FlotillaError('SERVICE_NOT_FOUND', `no service "${name}"`);
    const tasks = this.store.tasks.byOwner(tenant, name);
    const pkg = getPackage(s.package, s.version);
    const all = serviceEndpoints(this.paths, s, tasks.filter(isWanted)).endpoints;
    const endpoints = withSecrets ? all : redactEndpoints(pkg, s.options, all);
    return serviceView(this.paths, s, tasks, redactOptions(pkg, s.options), endpoints);
  }

  /** Redeploys a service with changed persistent state or options, as a plan step asks. */
  redeployService(
    tenant: string,
    name: string,
    change: { state?: Record<string, string | null>; options?: Record<string, unknown> },
  ): Promise<DeployResultView> {
    return this.deployer.redeploy(tenant, name, change);
  }

  // --- apps

  async addApp(tenant: string, body: unknown, access: AppAccess = {}): Promise<DeployResultView> {
    const { app, warnings } = readApp(body, { ...access, publishIp: this.publishIp });
    return withWarnings(await this.deployer.addApp(tenant, app), warnings);
  }

  async putApp(tenant: string, id: string, body: unknown, access: AppAccess = {}): Promise<DeployResultView> {
    const { app, warnings } = readApp({ ...(body as object), id }, { ...access, publishIp: this.publishIp });
    return withWarnings(await this.deployer.putApp(tenant, app), warnings);
  }

  scaleApp(tenant: string, id: string, instances: number): Promise<DeployResultView> {
    return this.deployer.scaleApp(tenant, id, instances);
  }

  /** A rolling restart: every instance is replaced, one at a time. */
  async restartApp(tenant: string, id: string): Promise<AppView> {
    const a = this.requireApp(tenant, id);
    await this.deployer.restart(tenant, a.id);
    return this.getApp(tenant, a.id);
  }

  async removeApp(tenant: string, id: string, purge: boolean): Promise<void> {
    const key = id.replace(/^\//, '');
    const a = this.store.apps.get(tenant, key) ?? this.queued(tenant, key, 'app');
    if (!a) throw new FlotillaError('APP_NOT_FOUND', `no app "${id}"`);
    await this.deployer.remove(tenant, key, purge, a.stack);
  }

  /** A service or app the scheduler has not admitted yet can be removed like a running one. */
  private queued(tenant: string, owner: string, kind: 'service' | 'app'): { stack: string | null } | null {
    const e = this.store.queue.get(tenant, owner);
    return e && e.declaration.kind === kind ? e : null;
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

  private stackWaiting(tenant: string, stack: string) {
    return this.store.queue.list(tenant).filter((e) => e.stack === stack);
  }

  private stackServices(tenant: string, stack: string) {
    return this.store.services.list(tenant).filter((s) => s.stack === stack);
  }

  private stackTasks(tenant: string, stack: string): TaskRecord[] {
    return this.store.tasks.list(tenant).filter((t) => t.stack === stack);
  }
}

const isWanted = (t: TaskRecord) => t.desired === 'running';
