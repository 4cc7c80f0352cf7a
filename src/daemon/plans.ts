import { FlotillaError } from '../core/errors.js';
import type { Paths } from '../core/paths.js';
import type { ServiceRecord } from '../core/service.js';
import { deployPlan, recoveryPlan } from '../plans/derived.js';
import { PlanRunner } from '../plans/runner.js';
import type { PlanState } from '../plans/types.js';
import type { EventBus } from '../reconciler/events.js';
import type { Reconciler } from '../reconciler/reconciler.js';
import type { Store } from '../state/store.js';
import type { ControlPlane } from './control-plane.js';
import type { CassandraFacts } from './dcos-cassandra.js';
import { operationsOf, serviceOps, type ServiceOpsDeps } from './service-ops.js';

export interface PlanListView {
  plans: PlanState[];
  /** Operations the service's package offers, whether they ran or not. */
  operations: {
    name: string;
    description: string;
    parameters: Record<string, { description: string; required: boolean }>;
  }[];
}

/**
 * A service's plans, the way DC/OS SDK services show them: `deploy` and `recovery` read from the
 * tasks, plus the package's operations (replace, scale, repair…), run by the PlanRunner.
 */
export class ServicePlans {
  readonly runner: PlanRunner;
  private readonly deps: ServiceOpsDeps;

  constructor(
    private readonly store: Store,
    paths: Paths,
    reconciler: Reconciler,
    control: ControlPlane,
    log: (msg: string) => void,
    events?: EventBus,
  ) {
    const deps: ServiceOpsDeps = {
      store,
      paths,
      reconciler,
      redeploy: async (
        tenant: string,
        service: string,
        change: Parameters<ControlPlane['redeployService']>[2],
      ) => {
        await control.redeployService(tenant, service, change);
      },
      planRedeploy: (tenant: string, service: string, change: { options?: Record<string, unknown> }) =>
        control.deployer.planRedeploy(tenant, service, change),
    };
    this.runner = new PlanRunner(
      store,
      (tenant, service, say) => serviceOps(deps, tenant, service, say),
      log,
      // What the console's plan view follows: a step's status changes with no task changing.
      (tenant, service, plan) =>
        events?.publish(
          tenant,
          'plan_status',
          service,
          { owner: service, plan: plan.name, status: plan.status },
          Date.now(),
        ),
    );
    this.deps = deps;
    this.runner.recover();
  }

  list(tenant: string, service: string): PlanListView {
    const operations = operationsOf(this.store, tenant, service);
    return {
      plans: [
        this.derived(tenant, service, 'deploy')!,
        this.derived(tenant, service, 'recovery')!,
        ...this.store.plans.list(tenant, service),
      ],
      operations: Object.entries(operations).map(([name, op]) => ({
        name,
        description: op.description,
        parameters: op.parameters,
      })),
    };
  }

  get(tenant: string, service: string, name: string): PlanState {
    const derived = this.derived(tenant, service, name);
    if (derived) return derived;
    const stored = this.store.plans.get(tenant, service, name);
    if (stored) return stored;
    this.operation(tenant, service, name);
    return { name, status: 'PENDING', parameters: {}, phases: [], errors: [] };
  }

  /** Starts an operation once its check (if it has one) found nothing that would make it fail. */
  async start(
    tenant: string,
    service: string,
    name: string,
    parameters: Record<string, string>,
  ): Promise<PlanState> {
    const operation = this.operation(tenant, service, name);
    this.runner.refuseOther(tenant, service, name);
    await operation.check?.(
      parameters,
      serviceOps(this.deps, tenant, service, () => undefined),
    );
    return this.runner.start(tenant, service, name, operation, parameters);
  }

  /** What DC/OS's Cassandra routes read of a service (daemon/dcos-cassandra.ts): scoped to the tenant. */
  facts(tenant: string, service: string): CassandraFacts {
    const record = this.store.services.get(tenant, service) ?? this.queued(tenant, service);
    if (!record) throw new FlotillaError('SERVICE_NOT_FOUND', `no service "${service}"`);
    return {
      service: record,
      tasks: this.store.tasks.byOwner(tenant, service).filter((t) => t.desired === 'running'),
      plans: this.store.plans.list(tenant, service),
    };
  }

  /** A service the scheduler has not placed yet is only in the queue: its record as it will be. */
  private queued(tenant: string, service: string): ServiceRecord | null {
    const entry = this.store.queue.get(tenant, service);
    if (entry?.declaration.kind !== 'service') return null;
    const d = entry.declaration.service;
    return {
      tenant,
      name: d.name,
      package: d.package,
      version: d.version ?? '',
      options: d.options,
      stack: entry.stack,
      dependencies: d.dependsOn,
      state: {},
      afterReady: null,
      createdAt: entry.since,
      updatedAt: entry.since,
    };
  }

  stop(tenant: string, service: string, name: string): PlanState {
    this.operation(tenant, service, name);
    return this.runner.stop(tenant, service, name);
  }

  continue(tenant: string, service: string, name: string): PlanState {
    return this.runner.continue(tenant, service, name, this.operation(tenant, service, name));
  }

  private derived(tenant: string, service: string, name: string): PlanState | null {
    if (name !== 'deploy' && name !== 'recovery') return null;
    const tasks = this.store.tasks.byOwner(tenant, service);
    if (name === 'recovery') return recoveryPlan(tasks);
    const queued = this.store.queue.get(tenant, service);
    return deployPlan(tasks, queued ? `${queued.reasonKind}: ${queued.reason}` : null);
  }

  private operation(tenant: string, service: string, name: string) {
    const op = operationsOf(this.store, tenant, service)[name];
    if (!op) {
      const offered = ['deploy', 'recovery', ...Object.keys(operationsOf(this.store, tenant, service))];
      throw new FlotillaError(
        'PLAN_NOT_FOUND',
        `service ${service} has no plan "${name}"; it has ${offered.join(', ')}`,
      );
    }
    return op;
  }
}
