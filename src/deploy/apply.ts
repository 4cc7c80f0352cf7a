import type { AppSpec } from '../core/app.js';
import { FlotillaError } from '../core/errors.js';
import type { NodeInfo } from '../core/node.js';
import { sandboxPath, type Paths } from '../core/paths.js';
import type { ServiceRecord } from '../core/service.js';
import { taskId, type LaunchSpec, type TaskRecord } from '../core/task.js';
import { deployOrder, type ServiceEntry } from '../specs/stack.js';
import { interpolate } from '../specs/interpolate.js';
import type { Store } from '../state/store.js';
import { hashOf, stableJson } from './hash.js';
import { Placer } from './placement.js';
import type { PortAllocator } from './ports.js';
import { renderApp } from './render-app.js';
import { renderService, serviceEndpoints, type RenderedTask } from './render-service.js';

export interface DeployContext {
  store: Store;
  paths: Paths;
  ports: PortAllocator;
  nodes: NodeInfo[];
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
}

export interface DeployResult {
  created: string[];
  updated: string[];
  unchanged: string[];
  removed: string[];
  /** Tasks whose desired state changed: the reconciler must look at them. */
  touched: string[];
}

type DesiredTask = Parameters<Store['tasks']['put']>[0];

/**
 * Turns declared services and apps into stored desired state: validates, places, assigns ports,
 * renders launch specs, and commits everything in one transaction — or nothing, on any error, so a
 * bad file never disturbs what runs.
 */
export async function deploy(ctx: DeployContext, req: DeployRequest, now: number): Promise<DeployResult> {
  const { store } = ctx;
  checkOwnership(store, req);
  const endpoints = existingEndpoints(ctx, req);
  const held = store.tasks.portsInUse();
  const declared = new Set([...req.services.map((s) => s.name), ...req.apps.map((a) => a.id)]);
  const placer = new Placer(
    ctx.nodes,
    store.tasks
      .list(req.tenant)
      .filter((t) => t.desired === 'running' && !declared.has(t.owner))
      .map((t) => ({ nodeId: t.nodeId })),
  );
  const result: DeployResult = { created: [], updated: [], unchanged: [], removed: [], touched: [] };
  const services: Omit<ServiceRecord, 'createdAt' | 'updatedAt'>[] = [];
  const apps: AppSpec[] = [];
  const tasks: DesiredTask[] = [];

  for (const name of deployOrder(req.services, req.apps)) {
    const entry = req.services.find((s) => s.name === name);
    const current = store.tasks.byOwner(req.tenant, name);
    const place = async (slot: { name: string; ports: number[]; spread?: string }) => {
      const id = taskId(name, slot.name);
      const mine = current.find((t) => t.id === id);
      const group = slot.spread ? `${name}/${slot.spread}` : undefined;
      const node = placer.place(id, mine?.nodeId, group);
      const hostPorts = held.get(node.host) ?? new Set<number>();
      held.set(node.host, hostPorts);
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
      const rendered = await renderService(req.tenant, entry, endpoints, place, {
        artifactsDir: ctx.paths.artifacts,
        previousState: store.services.get(req.tenant, name)?.state ?? {},
      });
      services.push({ ...rendered.record, stack: req.stack });
      endpoints.set(name, rendered.values);
      for (const t of rendered.tasks) tasks.push(desired(req, 'service', name, t));
    } else {
      const raw = req.apps.find((a) => a.id === name)!;
      const app = interpolate(raw, endpoints, `apps.${name}`);
      // The stored definition keeps its ${svc.field} references: it never holds a resolved secret.
      apps.push(raw);
      for (let i = 0; i < app.instances; i++) {
        const placed = await place({ name: String(i), ports: app.ports });
        const spec = renderApp(app, { taskId: placed.id, host: placed.host, ports: placed.ports });
        markSecrets(spec, endpoints);
        tasks.push(desired(req, 'app', name, { ...placed, name: String(i), role: 'app', index: i, spec }));
      }
    }
  }

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
    const wanted = new Set(tasks.map((t) => t.id));
    for (const t of tasks) {
      const before = store.tasks.get(req.tenant, t.id);
      if (before && before.specHash === t.specHash && before.desired === 'running') continue;
      store.tasks.put(t, now);
      result.touched.push(t.id);
    }
    for (const owner of declared) {
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
      store.stacks.put(
        {
          tenant: req.tenant,
          name: req.stack,
          source: req.source ?? old?.source ?? '',
          services: [...new Set([...(keep ? old.services : []), ...services.map((s) => s.name)])],
          apps: [...new Set([...(keep ? old.apps : []), ...apps.map((a) => a.id)])],
        },
        now,
      );
    }
  });
  return result;
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

/** Endpoints of services already deployed (outside this request), for `${svc.field}` references. */
function existingEndpoints(ctx: DeployContext, req: DeployRequest): Map<string, Record<string, string>> {
  const map = new Map<string, Record<string, string>>();
  const declared = new Set(req.services.map((s) => s.name));
  for (const s of ctx.store.services.list(req.tenant)) {
    if (declared.has(s.name)) continue;
    const tasks = ctx.store.tasks.byOwner(req.tenant, s.name).filter((t) => t.desired === 'running');
    map.set(s.name, serviceEndpoints(ctx.paths, s, tasks).values);
  }
  return map;
}

/** Env values that carry a secret (a password inside a URL, say) are never shown by the API. */
function markSecrets(spec: LaunchSpec, endpoints: Map<string, Record<string, string>>): void {
  const secrets = [...endpoints.values()].map((v) => v.password).filter((p): p is string => !!p);
  spec.secretEnv = Object.entries(spec.env)
    .filter(([, v]) => secrets.some((s) => v.includes(s) || v.includes(encodeURIComponent(s))))
    .map(([k]) => k);
}
