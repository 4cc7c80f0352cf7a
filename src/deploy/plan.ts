import type { AppSpec } from '../core/app.js';
import type { PublishedPort } from '../core/container.js';
import {
  declaredDependencies,
  declaredName,
  deployOrder,
  type Declaration,
  type DriverName,
  type ServiceEntry,
} from '../core/declaration.js';
import { FlotillaError } from '../core/errors.js';
import { taskId } from '../core/keys.js';
import type { NodeInfo } from '../core/node.js';
import { sandboxPath, type Paths } from '../core/paths.js';
import type { ServiceRecord, StartOrder } from '../core/service.js';
import type { LaunchSpec, OwnerKind, TaskRecord } from '../core/task.js';
import { interpolate, referencesIn } from '../specs/interpolate.js';
import type { QueueReasonKind } from '../state/store-queue.js';
import type { Store } from '../state/store.js';
import { Admission, appSlots } from './admission.js';
import { diffPlan, type PlanDiff } from './diff.js';
import { checkOwnership, checkReachable, containerImage, markSecrets } from './plan-checks.js';
import { hashOf, stableJson } from './hash.js';
import { checkLaunchable } from './launchable.js';
import type { DeployHost } from './host.js';
import type { PortAllocator } from './ports.js';
import { placePorts, type PortBook } from './place-ports.js';
import { referable, type Referable } from './referable.js';
import { renderApp } from './render-app.js';
import { layoutService, renderService, type RenderedTask } from './render-service.js';

export interface DeployContext {
  /** Read by planning, written only by commitPlan. */
  store: Store;
  paths: Paths;
  nodes: NodeInfo[];
  ports: PortAllocator;
  host: DeployHost;
  /** The driver of services that name none (FLOTILLA_DRIVER); default 'process'. */
  defaultDriver?: DriverName;
}

export interface DeployRequest {
  tenant: string;
  /** The stack that owns these declarations, or null for standalone ones. */
  stack: string | null;
  source?: string;
  /** The stack file's start order (with `source`: a file that says none goes back to the default). */
  startOrder?: StartOrder;
  declarations: Declaration[];
  /** For a stack: remove what the stack had before and no longer declares. */
  prune: boolean;
  /** Refuse to touch an existing service or app of the same name (install/add, not apply). */
  createOnly: boolean;
  /** Nodes an allocation cycle chose (task id → node id): taken as they are, not scheduled again. */
  placements?: ReadonlyMap<string, string>;
  /** Persistent state a plan step changes before the render that reads it (null drops a key). */
  stateChanges?: ReadonlyMap<string, Record<string, string | null>>;
}

export type DesiredTask = Parameters<Store['tasks']['put']>[0];
export type ServiceRow = Omit<ServiceRecord, 'createdAt' | 'updatedAt'>;

/** An owner the scheduler admitted, with everything to store for it. */
export type PlannedOwner =
  | { kind: 'service'; name: string; record: ServiceRow; tasks: DesiredTask[] }
  | { kind: 'app'; name: string; spec: AppSpec; tasks: DesiredTask[] };

/** An owner that waits in the queue, whole, with its reason. */
export interface PlannedWait {
  name: string;
  declaration: Declaration;
  reasonKind: QueueReasonKind;
  reason: string;
}

/** What a deploy would do: computed without writing anything; `commitPlan` stores it. */
export interface DeployPlan {
  tenant: string;
  stack: string | null;
  source?: string;
  startOrder?: StartOrder;
  prune: boolean;
  admitted: PlannedOwner[];
  waiting: PlannedWait[];
  /** Owners the stack had and no longer declares. */
  pruned: string[];
  diff: PlanDiff;
}

/**
 * Plans a deploy: validates, lays out, admits each owner's tasks as one gang (or takes the allocation
 * cycle's placements), assigns ports and renders launch specs, in dependency order, so that each
 * owner's endpoints resolve the references of the ones after it. Reads the store, writes nothing.
 * An owner the scheduler cannot admit yet waits, and so do the owners that depend on it.
 */
export async function planDeploy(ctx: DeployContext, req: DeployRequest): Promise<DeployPlan> {
  const { store } = ctx;
  checkOwnership(store, req);
  const declaredServices = new Set(req.declarations.filter((d) => d.kind === 'service').map(declaredName));
  const refs = referable(ctx, req.tenant, declaredServices, req.stack);
  const planner = new OwnerPlanner(ctx, req, refs);
  const admitted: PlannedOwner[] = [];
  const waiting = new Map<string, PlannedWait>();

  let since = performance.now();
  for (const d of deployOrder(req.declarations)) {
    // A large stack is planned in slices: other requests are answered between its owners.
    if (performance.now() - since > 10)
      await new Promise((r) => setImmediate(r)).then(() => (since = performance.now()));
    const name = declaredName(d);
    const blocked = declaredDependencies(d).find(
      (dep) => waiting.has(dep) || (!refs.endpoints.has(dep) && store.queue.get(req.tenant, dep)),
    );
    const outcome = blocked
      ? ({ reasonKind: 'dependency', reason: `waits for "${blocked}", which is not admitted yet` } as const)
      : await planner.plan(d);
    if ('reasonKind' in outcome) waiting.set(name, { name, declaration: d, ...outcome });
    else admitted.push(outcome);
  }

  const declared = new Set(req.declarations.map(declaredName));
  const old = req.stack === null ? null : store.stacks.get(req.tenant, req.stack);
  const pruned =
    req.prune && old ? [...old.services, ...old.apps].filter((owner) => !declared.has(owner)) : [];
  const plan = {
    tenant: req.tenant,
    stack: req.stack,
    ...(req.source !== undefined ? { source: req.source } : {}),
    ...(req.startOrder !== undefined ? { startOrder: req.startOrder } : {}),
    prune: req.prune,
    admitted,
    waiting: [...waiting.values()],
    pruned,
  };
  return { ...plan, diff: diffPlan(store, plan) };
}

type Waits = { reasonKind: QueueReasonKind; reason: string };

/** Plans one owner at a time, against what the owners planned before it left. */
class OwnerPlanner {
  private readonly book: PortBook;
  private readonly admission: Admission;

  constructor(
    private readonly ctx: DeployContext,
    private readonly req: DeployRequest,
    private readonly refs: Referable,
  ) {
    this.book = {
      allocator: ctx.ports,
      held: ctx.store.tasks.portsInUse(),
      holders: ctx.store.tasks.portHolders(),
    };
    this.admission = new Admission(ctx, req);
  }

  plan(d: Declaration): Promise<PlannedOwner | Waits> {
    return d.kind === 'service' ? this.service(d.service) : this.app(d.app);
  }

  private async service(entry: ServiceEntry): Promise<PlannedOwner | Waits> {
    const { ctx, req, refs } = this;
    const name = entry.name;
    const driver = entry.driver ?? ctx.defaultDriver ?? 'process';
    const inContainers = driver === 'docker';
    if (inContainers && !ctx.host.containersReachHost)
      checkReachable(`services.${name}`, referencesIn(entry.options), refs.contained);
    const laid = layoutService(entry, inContainers ? refs.inner : refs.endpoints);
    const stored = ctx.store.services.get(req.tenant, name);
    if (stored && !req.stateChanges?.has(name)) laid.pkg.checkRedeclared?.(stored, laid.options, name);
    const image = inContainers ? containerImage(ctx.host, entry, laid.pkg, laid.options) : null;
    if (image) await ctx.host.checkContainer?.({ image, aliases: [], publish: [], mounts: [] });
    const current = ctx.store.tasks.byOwner(req.tenant, name);
    const chosen = this.admission.admit(name, current, laid.slots);
    if ('waiting' in chosen) return { reasonKind: chosen.waiting.kind, reason: chosen.waiting.message };
    const placed = [];
    for (const slot of laid.slots)
      placed.push({ ...slot, ...(await this.place(name, slot, chosen.nodes.get(slot.name)!, current)) });
    const rendered = renderService(req.tenant, laid, placed, {
      artifactsDir: ctx.paths.artifacts,
      previousState: withChanges(stored?.state ?? {}, req.stateChanges?.get(name)),
      runtime: image ? { driver, image } : { driver: 'process' },
      host: ctx.host,
    });
    for (const t of rendered.tasks) checkLaunchable(t.spec, `services.${name}`);
    refs.contained.set(name, inContainers);
    refs.endpoints.set(name, rendered.values);
    refs.inner.set(name, rendered.innerValues);
    const sameOptions = stored !== null && stableJson(stored.options) === stableJson(rendered.record.options);
    // The post-ready step runs again when the options it reads change; otherwise its outcome stands.
    const afterReady = !laid.pkg.afterReady
      ? null
      : sameOptions && stored.afterReady
        ? stored.afterReady
        : { status: 'pending' as const, message: null };
    return {
      kind: 'service',
      name,
      record: { ...rendered.record, stack: req.stack, afterReady },
      tasks: rendered.tasks.map((t) => this.desired('service', name, t)),
    };
  }

  private async app(raw: AppSpec): Promise<PlannedOwner | Waits> {
    const { ctx, req, refs } = this;
    const name = raw.id;
    if (raw.container && !raw.container.hostNetwork && !ctx.host.containersReachHost)
      checkReachable(`apps.${name}`, referencesIn([raw.cmd, raw.args, raw.env]), refs.contained);
    let app = interpolate(raw, raw.container ? refs.inner : refs.endpoints, `apps.${name}`);
    // What can never start is refused before it is admitted, or it would wait (or crash-loop) for ever.
    checkLaunchable(
      renderApp(app, { taskId: taskId(name, '0'), host: '', ports: app.ports, index: 0 }),
      `apps.${name}`,
      app.instances,
    );
    const baked = app.container ? await ctx.host.checkContainer?.(app.container) : undefined;
    // The image's own HEALTHCHECK, when the file gives none (Compose leaves it to Docker, which runs it).
    if (baked?.length && app.healthChecks.length === 0 && app.container?.imageHealthcheck)
      app = { ...app, healthChecks: baked };
    const slots = appSlots(app);
    const current = ctx.store.tasks.byOwner(req.tenant, name);
    const chosen = this.admission.admit(name, current, slots);
    if ('waiting' in chosen) return { reasonKind: chosen.waiting.kind, reason: chosen.waiting.message };
    const tasks: DesiredTask[] = [];
    for (const slot of slots) {
      const placed = await this.place(
        name,
        slot,
        chosen.nodes.get(slot.name)!,
        current,
        app.container?.publish,
      );
      const spec = renderApp(app, {
        taskId: placed.id,
        host: placed.host,
        ports: placed.ports,
        index: slot.index,
      });
      markSecrets(spec, refs.endpoints);
      tasks.push(
        this.desired('app', name, { ...placed, name: slot.name, role: 'app', index: slot.index, spec }),
      );
    }
    // The stored definition keeps its ${svc.field} references: it never holds a resolved secret.
    return { kind: 'app', name, spec: raw, tasks };
  }

  /** A slot on its node, with its ports: kept while it stays on the same address. */
  private async place(
    owner: string,
    slot: { name: string; ports: number[] },
    nodeId: string,
    current: TaskRecord[],
    publish?: PublishedPort[],
  ) {
    const id = taskId(owner, slot.name);
    const low = slot.ports.find((p) => p !== 0 && p < (this.ctx.host.minPort ?? 1));
    if (low !== undefined)
      throw new FlotillaError(
        'PORT_PRIVILEGED',
        `${id}: port ${low} is below ${this.ctx.host.minPort}, and tasks here run unprivileged, as their ` +
          `tenant's user: ask for a port of ${this.ctx.host.minPort} or more, or 0 for any free one`,
        { port: low },
      );
    const node = this.ctx.nodes.find((n) => n.id === nodeId)!;
    const mine = current.find((t) => t.id === id);
    const ports = await placePorts(this.book, {
      tenant: this.req.tenant,
      owner,
      id,
      host: node.host,
      requested: slot.ports,
      ...(publish ? { publish } : {}),
      ...(mine ? { mine } : {}),
    });
    return {
      id,
      nodeId: node.id,
      host: node.host,
      ports,
      sandbox: sandboxPath(this.ctx.paths, this.req.tenant, owner, slot.name),
    };
  }

  private desired(kind: OwnerKind, owner: string, t: RenderedTask): DesiredTask {
    return {
      tenant: this.req.tenant,
      id: t.id,
      ownerKind: kind,
      owner,
      name: t.name,
      role: t.role,
      index: t.index,
      stack: this.req.stack,
      nodeId: t.nodeId,
      host: t.host,
      ports: t.ports,
      spec: t.spec,
      specHash: hashOf({ spec: hashedSpec(t.spec), host: t.host, ports: t.ports }),
      desired: 'running',
    };
  }
}

function withChanges(
  state: Record<string, string>,
  changes: Record<string, string | null> | undefined,
): Record<string, string> {
  const out = { ...state };
  for (const [k, v] of Object.entries(changes ?? {})) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

/**
 * A pull policy says how an image arrives and `killOnPurge` how the task ends, not what runs: changing
 * either restarts nothing (as a pull policy in Compose; tasks launched before `killOnPurge` existed
 * keep running, and their grace).
 */
function hashedSpec(spec: LaunchSpec): LaunchSpec {
  const { killOnPurge: _stop, ...rest } = spec;
  if (!rest.container?.pullPolicy) return rest;
  const { pullPolicy: _pull, ...container } = rest.container;
  return { ...rest, container };
}
