import { ownerKey } from '../core/keys.js';
import { FlotillaError } from '../core/errors.js';
import type { Store } from '../state/store.js';
import { rollUp } from './derived.js';
import type { OperationDefinition, PhaseDefinition, PlanState, ServiceOps, StepState } from './types.js';

interface Running {
  stopRequested: boolean;
  done: Promise<void>;
}

/**
 * Runs a service's operation plans, one step at a time, writing each step's status to the store as
 * it goes: `stop` lets the current step finish and leaves the plan WAITING; `continue` resumes at
 * the first step not COMPLETE (steps are idempotent); a failed step leaves the plan in ERROR until
 * `continue` retries it. After a daemon restart a plan that was under way is WAITING for `continue`:
 * a half-done replace is not resumed behind the operator's back.
 */
export class PlanRunner {
  private readonly running = new Map<string, Running>();

  constructor(
    private readonly store: Store,
    private readonly opsFor: (tenant: string, service: string, say: (m: string) => void) => ServiceOps,
    private readonly log: (msg: string) => void,
    /** Told of every write of a plan: the daemon publishes it as a `plan_status` event. */
    private readonly saved: (tenant: string, service: string, plan: PlanState) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  recover(): void {
    for (const { tenant, service, plan } of this.store.plans.listAll()) {
      if (plan.status !== 'STARTING' && plan.status !== 'PENDING') continue;
      for (const step of plan.phases.flatMap((p) => p.steps)) {
        if (step.status === 'STARTING') {
          step.status = 'WAITING';
          step.message = 'interrupted by a daemon restart: `continue` resumes the plan here';
        }
      }
      this.save(tenant, service, { ...plan, status: 'WAITING' });
    }
  }

  start(
    tenant: string,
    service: string,
    name: string,
    operation: OperationDefinition,
    parameters: Record<string, string>,
  ): PlanState {
    const key = planKey(tenant, service, name);
    if (this.running.has(key)) {
      throw new FlotillaError('PLAN_RUNNING', `plan "${name}" of ${service} is under way; stop it first`);
    }
    this.refuseOther(tenant, service, name);
    checkParameters(name, operation, parameters);
    const phases = operation.build(
      parameters,
      this.opsFor(tenant, service, () => undefined),
    );
    const plan: PlanState = {
      name,
      status: 'PENDING',
      parameters,
      errors: [],
      phases: phases.map((p) => ({
        name: p.name,
        status: 'PENDING',
        steps: p.steps.map((s) => ({ name: s.name, status: 'PENDING', message: '' })),
      })),
    };
    this.save(tenant, service, plan);
    this.execute(key, tenant, service, plan, phases);
    return plan;
  }

  /** Resumes a stopped or failed plan at its first step not complete. */
  continue(tenant: string, service: string, name: string, operation: OperationDefinition): PlanState {
    const key = planKey(tenant, service, name);
    const plan = this.require(tenant, service, name);
    if (this.running.has(key) || plan.status === 'COMPLETE') return plan;
    this.refuseOther(tenant, service, name);
    const phases = operation.build(
      plan.parameters,
      this.opsFor(tenant, service, () => undefined),
    );
    plan.errors = [];
    this.execute(key, tenant, service, plan, phases);
    return plan;
  }

  /** Interrupts a plan after its current step. */
  stop(tenant: string, service: string, name: string): PlanState {
    const plan = this.require(tenant, service, name);
    const run = this.running.get(planKey(tenant, service, name));
    if (run) run.stopRequested = true;
    else if (plan.status !== 'COMPLETE' && plan.status !== 'ERROR')
      this.save(tenant, service, { ...plan, status: 'WAITING' });
    return this.require(tenant, service, name);
  }

  /** Resolves when the plan's current run ends (for tests and orderly shutdown). */
  async settled(tenant: string, service: string, name: string): Promise<void> {
    await this.running.get(planKey(tenant, service, name))?.done;
  }

  /**
   * Two plans of one service would each act on a view of the ring the other is changing (a scale
   * adding a node while a replace removes one), so a service runs one plan at a time.
   */
  refuseOther(tenant: string, service: string, name: string): void {
    const prefix = `${ownerKey(tenant, service)}/`;
    for (const key of this.running.keys()) {
      if (!key.startsWith(prefix)) continue;
      const other = key.slice(prefix.length);
      if (other === name) continue;
      throw new FlotillaError(
        'PLAN_CONFLICT',
        `plan "${other}" of ${service} is under way; "${name}" cannot run at the same time`,
      );
    }
  }

  private require(tenant: string, service: string, name: string): PlanState {
    const plan = this.store.plans.get(tenant, service, name);
    if (!plan) throw new FlotillaError('PLAN_NOT_FOUND', `no plan "${name}" has run for ${service}`);
    return plan;
  }

  private execute(
    key: string,
    tenant: string,
    service: string,
    plan: PlanState,
    defs: PhaseDefinition[],
  ): void {
    const run: Running = { stopRequested: false, done: Promise.resolve() };
    this.running.set(key, run);
    run.done = (async () => {
      for (const [pi, phase] of plan.phases.entries()) {
        for (const [si, step] of phase.steps.entries()) {
          if (step.status === 'COMPLETE') continue;
          if (run.stopRequested) {
            step.status = 'WAITING';
            step.message = 'stopped: `continue` resumes the plan here';
            return this.save(tenant, service, plan);
          }
          const definition = defs[pi]?.steps[si];
          if (!definition || definition.name !== step.name) {
            return this.fail(
              tenant,
              service,
              plan,
              step,
              `the plan's steps changed since it started; start it again`,
            );
          }
          step.status = 'STARTING';
          step.message = 'under way';
          this.save(tenant, service, plan);
          const say = (m: string) => {
            step.message = m;
            this.save(tenant, service, plan);
          };
          try {
            await definition.run(this.opsFor(tenant, service, say));
          } catch (err) {
            return this.fail(tenant, service, plan, step, err instanceof Error ? err.message : String(err));
          }
          step.status = 'COMPLETE';
          step.message = 'done';
          this.save(tenant, service, plan);
        }
      }
    })()
      .catch((err: unknown) => this.log(`plan ${key}: ${err instanceof Error ? err.stack : String(err)}`))
      .finally(() => this.running.delete(key));
  }

  private fail(tenant: string, service: string, plan: PlanState, step: StepState, message: string): void {
    step.status = 'ERROR';
    step.message = message;
    plan.errors.push(`${step.name}: ${message}`);
    this.log(`plan ${tenant}/${service}/${plan.name}: step ${step.name} failed: ${message}`);
    this.save(tenant, service, plan);
  }

  private save(tenant: string, service: string, plan: PlanState): void {
    for (const phase of plan.phases) phase.status = rollUp(phase.steps.map((s) => s.status));
    plan.status = rollUp(plan.phases.map((p) => p.status));
    this.store.plans.put(tenant, service, plan, this.now());
    this.saved(tenant, service, plan);
  }
}

function checkParameters(plan: string, op: OperationDefinition, given: Record<string, string>): void {
  for (const key of Object.keys(given)) {
    if (!(key in op.parameters)) {
      throw new FlotillaError(
        'PLAN_PARAMETERS_INVALID',
        `plan "${plan}" has no parameter "${key}"; it takes ${Object.keys(op.parameters).join(', ') || 'none'}`,
      );
    }
  }
  for (const [key, p] of Object.entries(op.parameters)) {
    if (p.required && !given[key]) {
      throw new FlotillaError('PLAN_PARAMETERS_INVALID', `plan "${plan}" needs "${key}": ${p.description}`);
    }
  }
}

/** One plan of one service: "acme/ring/replace". */
function planKey(tenant: string, service: string, name: string): string {
  return `${ownerKey(tenant, service)}/${name}`;
}
