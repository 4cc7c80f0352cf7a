import type { AppSpec } from '../core/app.js';
import { FlotillaError } from '../core/errors.js';
import type { NodeInfo } from '../core/node.js';
import { sandboxPath, type Paths } from '../core/paths.js';
import type { ServiceRecord } from '../core/service.js';
import { taskId, type LaunchSpec, type OwnerKind, type TaskRecord } from '../core/task.js';
import { deployOrder, type DriverName, type ServiceEntry } from '../specs/stack.js';
import type { PackageDefinition } from '../catalog/package.js';
import { interpolate, referencesIn } from '../specs/interpolate.js';
import type { Store } from '../state/store.js';
import { hashOf, stableJson } from './hash.js';
import { Admission, appSlots } from './admission.js';
import type { PortAllocator } from './ports.js';
import { renderApp } from './render-app.js';
import { layoutService, renderService, serviceEndpoints, type RenderedTask } from './render-service.js';
import type { QueueReasonKind } from '../state/store-queue.js';

export interface DeployContext {
  store: Store;
  paths: Paths;
  ports: PortAllocator;
  nodes: NodeInfo[];
  /** The driver of services that name none (FLOTILLA_DRIVER); default 'process'. */
  defaultDriver?: DriverName;
  /** The catalog runtime image a package's tasks run from under the Docker driver. */
  imageFor?(pkg: PackageDefinition, options: Record<string, unknown>): string;
}

export interface DeployRequest {
  tenant: string;
  /** The stack that owns these services and apps, or null for standalone ones. */
  stack: string | null;
  source?: string;
  services: ServiceEntry[];
  apps: AppSpec[];
  /** For a stack: remove what the stack had before and no longer declares. */
  prune: boolean;
  /** Refuse to touch an existing service or app of the same name (install/add, not apply). */
  createOnly: boolean;
  /** Nodes an allocation cycle chose for these tasks (task id → node id): tried first. */
  preferredNodes?: ReadonlyMap<string, string>;
}

export interface WaitingOwner {
  name: string;
  kind: QueueReasonKind;
  reason: string;
}

export interface DeployResult {
  created: string[];
  updated: string[];
  unchanged: string[];
  removed: string[];
  /** Declared, but the scheduler cannot admit them yet: they wait in the queue, whole. */
  waiting: WaitingOwner[];
  /** Tasks whose desired state changed: the reconciler must look at them. */
  touched: string[];
}

type DesiredTask = Parameters<Store['tasks']['put']>[0];

/**
 * Turns declared services and apps into stored desired state: validates, asks the scheduler for
 * nodes (each owner's tasks as one gang), assigns ports, renders launch specs, and commits everything
 * in one transaction — or nothing, on any error, so a bad file never disturbs what runs. An owner
 * the scheduler cannot admit yet (resources, quota, constraints) waits in the queue with its reason,
 * and so do the owners that depend on it; what it ran before keeps running.
 */
export async function deploy(ctx: DeployContext, req: DeployRequest, now: number): Promise<DeployResult> {
  const { store } = ctx;
  checkOwnership(store, req);
  const { endpoints, inner, contained } = referable(
    ctx,
    req.tenant,
    new Set(req.services.map((s) => s.name)),
    req.stack,
  );
  const held = store.tasks.portsInUse();
  const admission = new Admission(ctx, req);
  const result: DeployResult = {
    created: [],
    updated: [],
    unchanged: [],
    removed: [],
    waiting: [],
    touched: [],
  };
  const services: Omit<ServiceRecord, 'createdAt' | 'updatedAt'>[] = [];
  const apps: AppSpec[] = [];
  const tasks: DesiredTask[] = [];
  const waiting = new Map<string, WaitingOwner & { entry: ServiceEntry | AppSpec; ownerKind: OwnerKind }>();

  for (const name of deployOrder(req.services, req.apps)) {
    const entry = req.services.find((s) => s.name === name);
    const raw = req.apps.find((a) => a.id === name);
    const deps = entry ? entry.dependsOn : raw!.dependencies;
    const blocked = deps.find((d) => waiting.has(d) || (!endpoints.has(d) && store.queue.get(req.tenant, d)));
    const wait = (kind: QueueReasonKind, reason: string) =>
      waiting.set(name, { name, kind, reason, entry: (entry ?? raw)!, ownerKind: entry ? 'service' : 'app' });
    if (blocked) {
      wait('dependency', `waits for "${blocked}", which is not admitted yet`);
      continue;
    }
    const current = store.tasks.byOwner(req.tenant, name);
    const place = async (slot: { name: string; ports: number[] }, nodeId: string) => {
      const id = taskId(name, slot.name);
      const node = ctx.nodes.find((n) => n.id === nodeId)!;
      const hostPorts = held.get(node.host) ?? new Set<number>();
      held.set(node.host, hostPorts);
      const mine = current.find((t) => t.id === id);
      const previous = mine && mine.host === node.host ? mine.ports : [];
      const ports = await ctx.ports.allocate(node.host, slot.ports, previous, hostPorts, id);
      return {
        id,
        nodeId: node.id,
        host: node.host,
        ports,
        sandbox: sandboxPath(ctx.paths, req.tenant, name, slot.name),
      };
    };
    if (entry) {
      const driver = entry.driver ?? ctx.defaultDriver ?? 'process';
      if (driver === 'docker') checkReachable(`services.${name}`, referencesIn(entry.options), contained);
      const laid = layoutService(entry, driver === 'docker' ? inner : endpoints);
      const chosen = admission.admit(name, current, laid.slots);
      if ('waiting' in chosen) {
        wait(chosen.waiting.kind, chosen.waiting.message);
        continue;
      }
      const placed = [];
      for (const slot of laid.slots)
        placed.push({ ...slot, ...(await place(slot, chosen.nodes.get(slot.name)!)) });
      const rendered = renderService(req.tenant, laid, placed, {
        artifactsDir: ctx.paths.artifacts,
        previousState: store.services.get(req.tenant, name)?.state ?? {},
        runtime:
          driver === 'docker'
            ? { driver, image: containerImage(ctx, entry, laid.pkg, laid.options) }
            : { driver },
      });
      services.push({ ...rendered.record, stack: req.stack });
      contained.set(name, driver === 'docker');
      endpoints.set(name, rendered.values);
      inner.set(name, rendered.innerValues);
      for (const t of rendered.tasks) tasks.push(desired(req, 'service', name, t));
    } else {
      if (raw!.container)
        checkReachable(`apps.${name}`, referencesIn([raw!.cmd, raw!.args, raw!.env]), contained);
      const app = interpolate(raw!, raw!.container ? inner : endpoints, `apps.${name}`);
      const slots = appSlots(app);
      const chosen = admission.admit(name, current, slots);
      if ('waiting' in chosen) {
        wait(chosen.waiting.kind, chosen.waiting.message);
        continue;
      }
      // The stored definition keeps its ${svc.field} references: it never holds a resolved secret.
      apps.push(raw!);
      for (const slot of slots) {
        const placed = await place(slot, chosen.nodes.get(slot.name)!);
        const spec = renderApp(app, {
          taskId: placed.id,
          host: placed.host,
          ports: placed.ports,
          index: slot.index,
        });
        markSecrets(spec, endpoints);
        tasks.push(
          desired(req, 'app', name, { ...placed, name: slot.name, role: 'app', index: slot.index, spec }),
        );
      }
    }
  }

  const admitted = new Set([...services.map((s) => s.name), ...apps.map((a) => a.id)]);
  const declared = new Set([...req.services.map((s) => s.name), ...req.apps.map((a) => a.id)]);
  store.atomically(() => {
    for (const s of services) {
      const before = store.services.get(req.tenant, s.name);
      const same = before && stableJson(before.options) === stableJson(s.options) && before.stack === s.stack;
      store.services.put(s, now);
      classify(result, s.name, before, same, store.tasks.byOwner(req.tenant, s.name), tasks);
    }
    for (const a of apps) {
      const before = store.apps.get(req.tenant, a.id);
      const same = before && stableJson(before.spec) === stableJson(a) && before.stack === req.stack;
      store.apps.put({ tenant: req.tenant, id: a.id, spec: a, stack: req.stack }, now);
      classify(result, a.id, before, same, store.tasks.byOwner(req.tenant, a.id), tasks);
    }
    for (const owner of admitted) store.queue.remove(req.tenant, owner);
    for (const w of waiting.values()) {
      const before = store.queue.get(req.tenant, w.name);
      store.queue.put({
        tenant: req.tenant,
        owner: w.name,
        kind: w.ownerKind,
        stack: req.stack,
        entry: w.entry,
        reasonKind: w.kind,
        reason: w.reason,
        since: before?.since ?? now,
      });
      result.waiting.push({ name: w.name, kind: w.kind, reason: w.reason });
    }
    const wanted = new Set(tasks.map((t) => t.id));
    for (const t of tasks) {
      const before = store.tasks.get(req.tenant, t.id);
      if (before && before.specHash === t.specHash && before.desired === 'running') continue;
      store.tasks.put(t, now);
      result.touched.push(t.id);
    }
    for (const owner of admitted) {
      for (const t of store.tasks.byOwner(req.tenant, owner)) {
        if (!wanted.has(t.id) && t.desired === 'running') {
          store.tasks.update(req.tenant, t.id, { desired: 'removed' }, now);
          result.touched.push(t.id);
        }
      }
    }
    if (req.stack !== null) {
      const old = store.stacks.get(req.tenant, req.stack);
      if (req.prune && old) {
        for (const owner of [...old.services, ...old.apps].filter((o) => !declared.has(o))) {
          result.removed.push(owner);
          result.touched.push(...removeOwner(store, req.tenant, owner, 'removed', now));
        }
      }
      const keep = old && !req.prune;
      const waitingOf = (kind: 'service' | 'app') =>
        [...waiting.values()].filter((w) => w.ownerKind === kind).map((w) => w.name);
      store.stacks.put(
        {
          tenant: req.tenant,
          name: req.stack,
          source: req.source ?? old?.source ?? '',
          services: [
            ...new Set([
              ...(keep ? old.services : []),
              ...services.map((s) => s.name),
              ...waitingOf('service'),
            ]),
          ],
          apps: [...new Set([...(keep ? old.apps : []), ...apps.map((a) => a.id), ...waitingOf('app')])],
        },
        now,
      );
    }
  });
  return result;
}

/**
 * A container refers to a service through `${svc.field}`: that service must run in containers too,
 * since a host process listens on a loopback address no container can reach.
 */
function checkReachable(where: string, refs: { owner: string }[], contained: Map<string, boolean>): void {
  const onHost = refs.find((r) => contained.get(r.owner) === false);
  if (onHost)
    throw new FlotillaError(
      'STACK_INVALID',
      `${where} runs in a container and refers to "${onHost.owner}", which runs on the process driver: ` +
        `a container cannot reach its loopback address. Give "${onHost.owner}" \`driver: docker\` too.`,
    );
}

/** The image a service's containers run: the user's own (`image:`), else the package's catalog image. */
function containerImage(
  ctx: DeployContext,
  entry: ServiceEntry,
  pkg: PackageDefinition,
  options: Record<string, unknown>,
): string {
  if (pkg.noContainers)
    throw new FlotillaError(
      'DRIVER_UNSUPPORTED',
      `services.${entry.name}: ${pkg.name} cannot run in containers yet: ${pkg.noContainers}`,
    );
  if (entry.image) return entry.image;
  if (!ctx.imageFor)
    throw new FlotillaError(
      'DRIVER_UNSUPPORTED',
      'this daemon has no Docker driver: it cannot run services in containers',
    );
  return ctx.imageFor(pkg, options);
}

/** Marks an owner's tasks for removal and forgets the owner; returns the tasks to reconcile. */
export function removeOwner(
  store: Store,
  tenant: string,
  owner: string,
  how: 'removed' | 'purged',
  now: number,
): string[] {
  store.services.remove(tenant, owner);
  store.apps.remove(tenant, owner);
  store.queue.remove(tenant, owner);
  store.plans.removeService(tenant, owner);
  const ids: string[] = [];
  for (const t of store.tasks.byOwner(tenant, owner)) {
    if (t.desired !== 'purged') store.tasks.update(tenant, t.id, { desired: how }, now);
    ids.push(t.id);
  }
  return ids;
}

function classify(
  result: DeployResult,
  name: string,
  before: unknown,
  same: boolean | null | undefined | '',
  current: TaskRecord[],
  tasks: DesiredTask[],
): void {
  const mine = tasks.filter((t) => t.owner === name);
  const tasksSame =
    mine.length === current.filter((t) => t.desired === 'running').length &&
    mine.every((t) =>
      current.some((c) => c.id === t.id && c.specHash === t.specHash && c.desired === 'running'),
    );
  if (!before) result.created.push(name);
  else if (same && tasksSame) result.unchanged.push(name);
  else result.updated.push(name);
}

function desired(req: DeployRequest, kind: 'app' | 'service', owner: string, t: RenderedTask): DesiredTask {
  return {
    tenant: req.tenant,
    id: t.id,
    ownerKind: kind,
    owner,
    name: t.name,
    role: t.role,
    index: t.index,
    stack: req.stack,
    nodeId: t.nodeId,
    host: t.host,
    ports: t.ports,
    spec: t.spec,
    specHash: hashOf({ spec: t.spec, host: t.host, ports: t.ports }),
    desired: 'running',
  };
}

function checkOwnership(store: Store, req: DeployRequest): void {
  const names = [
    ...req.services.map((s) => ({ name: s.name, kind: 'service' })),
    ...req.apps.map((a) => ({ name: a.id, kind: 'app' })),
  ];
  for (const { name, kind } of names) {
    const svc = store.services.get(req.tenant, name);
    const app = store.apps.get(req.tenant, name);
    const existing = svc ?? app;
    if (!existing) continue;
    const existingKind = svc ? 'service' : 'app';
    const owner = existing.stack === null ? 'standalone' : `stack "${existing.stack}"`;
    if (req.createOnly) {
      throw new FlotillaError('NAME_CONFLICT', `${existingKind} "${name}" already exists (${owner})`);
    }
    if (existingKind !== kind || existing.stack !== req.stack) {
      throw new FlotillaError(
        'NAME_CONFLICT',
        `"${name}" is already a ${existingKind} of ${owner}; a ${kind} of ${req.stack === null ? 'no stack' : `stack "${req.stack}"`} cannot take its name`,
      );
    }
  }
}

/** Endpoints of a tenant's deployed services (but `except`), for `${svc.field}` references. */
export function tenantEndpoints(
  ctx: Pick<DeployContext, 'store' | 'paths'>,
  tenant: string,
  except: ReadonlySet<string> = new Set(),
): Map<string, Record<string, string>> {
  return referable(ctx, tenant, except, undefined).endpoints;
}

type Values = Map<string, Record<string, string>>;

/**
 * What `${svc.field}` references may use of a tenant's deployed services (but `except`): their
 * endpoints as the host sees them; as the containers of `stack` see them (its own container services
 * by their names on its network, computed only for those); and whether each runs in containers.
 */
function referable(
  ctx: Pick<DeployContext, 'store' | 'paths'>,
  tenant: string,
  except: ReadonlySet<string>,
  /** The stack whose containers look (null: standalone services); undefined: none. */
  stack: string | null | undefined,
): { endpoints: Values; inner: Values; contained: Map<string, boolean> } {
  const endpoints: Values = new Map();
  const inner: Values = new Map();
  const contained = new Map<string, boolean>();
  for (const s of ctx.store.services.list(tenant)) {
    if (except.has(s.name)) continue;
    const tasks = ctx.store.tasks.byOwner(tenant, s.name).filter((t) => t.desired === 'running');
    const inContainers = tasks.some((t) => t.spec.container);
    const outside = serviceEndpoints(ctx.paths, s, tasks).values;
    endpoints.set(s.name, outside);
    contained.set(s.name, inContainers);
    const onNetwork = inContainers && s.stack === stack;
    inner.set(s.name, onNetwork ? serviceEndpoints(ctx.paths, s, tasks, true).values : outside);
  }
  return { endpoints, inner, contained };
}

/** Env values that carry a secret (a password inside a URL, say) are never shown by the API. */
function markSecrets(spec: LaunchSpec, endpoints: Map<string, Record<string, string>>): void {
  const secrets = [...endpoints.values()].map((v) => v.password).filter((p): p is string => !!p);
  spec.secretEnv = Object.entries(spec.env)
    .filter(([, v]) => secrets.some((s) => v.includes(s) || v.includes(encodeURIComponent(s))))
    .map(([k]) => k);
}
