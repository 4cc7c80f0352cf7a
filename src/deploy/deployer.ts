import type { AppSpec } from '../core/app.js';
import { appDeclaration, serviceDeclaration, type ServiceEntry } from '../core/declaration.js';
import { FlotillaError, isFlotillaError } from '../core/errors.js';
import { ownerKey } from '../core/keys.js';
import type { DeployResultView } from '../core/api-schemas.js';
import type { PlanView } from '../core/deploy-schemas.js';
import { commitPlan, removeOwner } from './commit.js';
import { summary } from './diff.js';
import { planDeploy, type DeployContext, type DeployPlan, type DeployRequest } from './plan.js';
import { retireStack, restoreStack } from './replace.js';
import { allocationCycle } from './waiting.js';

export interface DeployerHooks {
  /** Hands the tasks whose desired state changed to the reconciler. */
  enqueue(tenant: string, ids: string[]): void;
  publish(tenant: string, type: string, subject: string, data: Record<string, unknown>): void;
  log(msg: string): void;
  now(): number;
  /** After every write, with the services it stored (their post-ready step may be pending on ready tasks). */
  committed?(tenant: string, services: string[]): void;
}

/** A plan step's change to a service: persistent state (null drops a key) and options. */
export interface ServiceChange {
  state?: Record<string, string | null>;
  options?: Record<string, unknown>;
}

/** What a stack file or a request asks for, before planning. */
export type Intent = Omit<DeployRequest, 'tenant' | 'stack'>;

/**
 * The one writer of every owner's desired state: apply, install, add, scale, restart, redeploy,
 * remove, down and the allocation cycle all run here, one at a time, each reading the store and
 * committing in one transaction, so no write can land between another's read and its commit.
 * Every write gets the next revision number: the larger one is the later write.
 */
export class Deployer {
  private tail: Promise<unknown> = Promise.resolve();
  private cycleQueued = false;
  private revision = 0;

  constructor(
    private readonly ctx: DeployContext,
    private readonly hooks: DeployerHooks,
  ) {}

  /** Plans without committing: what `up --dry-run` shows. */
  plan(tenant: string, stack: string | null, intent: Intent): Promise<PlanView> {
    return this.serialized(async () => {
      const plan = await planDeploy(this.ctx, { tenant, stack, ...intent });
      return { stack, ...summary(plan.diff), waiting: waitingOf(plan), owners: plan.diff.owners };
    });
  }

  deploy(tenant: string, stack: string | null, intent: Intent): Promise<DeployResultView> {
    return this.serialized(() => this.deployNow(tenant, stack, intent));
  }

  install(tenant: string, entry: ServiceEntry): Promise<DeployResultView> {
    return this.deploy(tenant, null, {
      declarations: [serviceDeclaration(entry)],
      prune: false,
      createOnly: true,
    });
  }

  addApp(tenant: string, app: AppSpec): Promise<DeployResultView> {
    return this.deploy(tenant, null, { declarations: [appDeclaration(app)], prune: false, createOnly: true });
  }

  /** Replaces an app's definition (in its stack, if it has one). */
  putApp(tenant: string, app: AppSpec): Promise<DeployResultView> {
    return this.serialized(() => {
      const stack = this.ctx.store.apps.get(tenant, app.id)?.stack ?? null;
      return this.deployNow(tenant, stack, {
        declarations: [appDeclaration(app)],
        prune: false,
        createOnly: false,
      });
    });
  }

  scaleApp(tenant: string, id: string, instances: number): Promise<DeployResultView> {
    return this.serialized(() => {
      const a = requireApp(this.ctx, tenant, id);
      const app: AppSpec = { ...a.spec, instances };
      return this.deployNow(tenant, a.stack, {
        declarations: [appDeclaration(app)],
        prune: false,
        createOnly: false,
      });
    });
  }

  /**
   * Redeploys a service with changed persistent state (keys set to null are dropped) or options, as
   * a plan step asks; the changed state is what its render reads, and both are stored together.
   */
  redeploy(tenant: string, name: string, change: ServiceChange): Promise<DeployResultView> {
    return this.serialized(() => {
      const { stack, intent } = this.redeployIntent(tenant, name, change);
      return this.deployNow(tenant, stack, intent);
    });
  }

  /**
   * What `redeploy` would do, committing nothing: a plan asks it first whether the scheduler can
   * place what the change adds, so that it refuses before it changes anything.
   */
  planRedeploy(tenant: string, name: string, change: ServiceChange): Promise<PlanView> {
    return this.serialized(async () => {
      const { stack, intent } = this.redeployIntent(tenant, name, change);
      const plan = await planDeploy(this.ctx, { tenant, stack, ...intent });
      return { stack, ...summary(plan.diff), waiting: waitingOf(plan), owners: plan.diff.owners };
    });
  }

  private redeployIntent(tenant: string, name: string, change: ServiceChange) {
    const s = this.ctx.store.services.get(tenant, name);
    if (!s) throw new FlotillaError('SERVICE_NOT_FOUND', `no service "${name}"`);
    const entry: ServiceEntry = {
      name,
      package: s.package,
      version: s.version,
      options: { ...s.options, ...change.options },
      dependsOn: s.dependencies,
    };
    const intent: Intent = {
      declarations: [serviceDeclaration(entry)],
      prune: false,
      createOnly: false,
      stateChanges: new Map([[name, change.state ?? {}]]),
    };
    return { stack: s.stack, intent };
  }

  /** A rolling restart: every running instance of the owner is replaced, one at a time. */
  restart(tenant: string, owner: string): Promise<number> {
    return this.serialized(async () => {
      const { store } = this.ctx;
      if (!store.apps.get(tenant, owner) && !store.services.get(tenant, owner))
        throw new FlotillaError('APP_NOT_FOUND', `no app or service "${owner}"`);
      const tasks = store.tasks.byOwner(tenant, owner).filter((t) => t.desired === 'running');
      const now = this.hooks.now();
      store.atomically(() => {
        for (const t of tasks) store.tasks.update(tenant, t.id, { restartRequested: true }, now);
      });
      this.hooks.enqueue(
        tenant,
        tasks.map((t) => t.id),
      );
      return ++this.revision;
    });
  }

  /** Removes a standalone or stack owner (a running one, or one still waiting in the queue). */
  remove(tenant: string, owner: string, purge: boolean, stack: string | null): Promise<number> {
    return this.serialized(async () => {
      const { store } = this.ctx;
      const now = this.hooks.now();
      const touched = store.atomically(() => {
        const ids = removeOwner(store, tenant, owner, purge ? 'purged' : 'removed', now);
        const s = stack === null ? null : store.stacks.get(tenant, stack);
        if (s)
          store.stacks.put(
            {
              ...s,
              services: s.services.filter((n) => n !== owner),
              apps: s.apps.filter((n) => n !== owner),
            },
            now,
          );
        return ids;
      });
      this.settled(tenant, touched);
      return ++this.revision;
    });
  }

  down(tenant: string, name: string, purge: boolean): Promise<DeployResultView> {
    return this.serialized(async () => {
      const { store } = this.ctx;
      const stack = store.stacks.get(tenant, name);
      if (!stack) throw new FlotillaError('STACK_NOT_FOUND', `no stack "${name}"`);
      const owners = [...stack.services, ...stack.apps];
      const now = this.hooks.now();
      const touched = store.atomically(() => {
        const ids = owners.flatMap((o) => removeOwner(store, tenant, o, purge ? 'purged' : 'removed', now));
        store.stacks.remove(tenant, name);
        return ids;
      });
      this.settled(tenant, touched);
      const revision = ++this.revision;
      return { stack: name, created: [], updated: [], unchanged: [], removed: owners, waiting: [], revision };
    });
  }

  /**
   * Replaces stack `old` by the stack a file declares, in one write: the old stack is gone and the
   * new one committed before the reconciler hears of either, so old tasks stop while new ones start
   * (dependents first on the way down, dependencies first on the way up). What they would share
   * waits: a name declared by both is relaunched afresh once its old task is gone, and what the old
   * tasks' resources block waits in the queue until they are given back. A file that cannot be
   * planned leaves the old stack as it was.
   */
  replace(
    tenant: string,
    old: string,
    stack: string,
    intent: Intent,
    purge: boolean,
  ): Promise<DeployResultView> {
    return this.serialized(async () => {
      const { store } = this.ctx;
      const s = store.stacks.get(tenant, old);
      if (!s) throw new FlotillaError('STACK_NOT_FOUND', `no stack "${old}"`);
      if (old === stack) return this.deployNow(tenant, stack, intent);
      const retired = retireStack(store, s, purge, this.hooks.now());
      let plan: DeployPlan;
      try {
        plan = await planDeploy(this.ctx, { tenant, stack, ...intent });
      } catch (err) {
        restoreStack(store, retired, this.hooks.now());
        throw err;
      }
      this.commit(plan);
      this.settled(tenant, retired.touched);
      const removed = [...s.services, ...s.apps].filter((o) => !plan.diff.owners.some((d) => d.name === o));
      return { stack, ...summary(plan.diff), removed, waiting: waitingOf(plan), revision: ++this.revision };
    });
  }

  /**
   * Runs an allocation cycle over the waiting owners (after the writes queued before it); a cycle
   * that admits something runs again, since a dependent may fit now.
   */
  admitWaiting(): void {
    if (this.cycleQueued) return;
    this.cycleQueued = true;
    this.serialized(async () => {
      this.cycleQueued = false;
      if ((await this.cycle()) > 0) this.admitWaiting();
    }).catch((err: unknown) =>
      this.hooks.log(`allocation cycle failed: ${err instanceof Error ? err.stack : String(err)}`),
    );
  }

  /** One allocation cycle; returns how many owners it admitted. */
  private async cycle(): Promise<number> {
    const { store } = this.ctx;
    const decision = allocationCycle(this.ctx);
    for (const r of decision.reasons)
      if (r.entry.reason !== r.reason)
        store.queue.put({ ...r.entry, reasonKind: r.reasonKind, reason: r.reason });
    let admitted = 0;
    for (const { entry: e, placements } of decision.admitted) {
      try {
        const plan = await planDeploy(this.ctx, {
          tenant: e.tenant,
          stack: e.stack,
          declarations: [e.declaration],
          prune: false,
          createOnly: false,
          placements,
        });
        this.commit(plan);
        if (plan.waiting.length === 0) {
          admitted++;
          this.hooks.publish(e.tenant, 'owner_admitted', e.owner, { owner: e.owner });
        }
      } catch (err) {
        // A declaration that cannot deploy any more (say, its package is gone) waits with the reason.
        const message = isFlotillaError(err) ? `${err.code}: ${err.message}` : String(err);
        this.hooks.log(`${ownerKey(e.tenant, e.owner)}: admitted but not deployed: ${message}`);
        store.queue.put({ ...e, reasonKind: 'error', reason: message });
      }
    }
    return admitted;
  }

  private async deployNow(tenant: string, stack: string | null, intent: Intent): Promise<DeployResultView> {
    const plan = await planDeploy(this.ctx, { tenant, stack, ...intent });
    this.commit(plan);
    return { stack, ...summary(plan.diff), waiting: waitingOf(plan), revision: ++this.revision };
  }

  private commit(plan: DeployPlan): void {
    const touched = commitPlan(this.ctx.store, plan, this.hooks.now());
    const services = plan.admitted.filter((o) => o.kind === 'service').map((o) => o.name);
    this.settled(plan.tenant, touched, services);
  }

  /**
   * After every write: the listener hears of it (before any task launches), the reconciler looks at
   * what changed, and freed capacity may admit a waiting owner.
   */
  private settled(tenant: string, touched: string[], services: string[] = []): void {
    this.hooks.committed?.(tenant, services);
    this.hooks.enqueue(tenant, touched);
    if (touched.length > 0 && this.ctx.store.queue.listAll().length > 0) this.admitWaiting();
  }

  /** Gives back the machine-wide reservations of ports no task holds any more (a task was removed). */
  releasePorts(): Promise<void> {
    return this.serialized(async () => undefined);
  }

  /**
   * One write at a time. After each, the ports no task holds are given back to the machine: between
   * writes no plan has reserved a port it has not stored yet (a dry run, or a plan that failed).
   */
  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn).finally(() => {
      try {
        this.ctx.ports.release(this.ctx.store.tasks.portsInUse());
      } catch (err) {
        this.hooks.log(`could not give back port reservations: ${String(err)}`);
      }
    });
    this.tail = next.catch(() => undefined);
    return next;
  }
}

function waitingOf(plan: DeployPlan): DeployResultView['waiting'] {
  return plan.waiting.map((w) => ({ name: w.name, kind: w.reasonKind, reason: w.reason }));
}

function requireApp(ctx: DeployContext, tenant: string, id: string) {
  const a = ctx.store.apps.get(tenant, id.replace(/^\//, ''));
  if (!a) throw new FlotillaError('APP_NOT_FOUND', `no app "${id}"`);
  return a;
}
