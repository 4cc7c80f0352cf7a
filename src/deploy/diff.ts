import type { TaskRecord } from '../core/task.js';
import type { Store } from '../state/store.js';
import type { DeployPlan, DesiredTask, PlannedOwner } from './plan.js';

export type OwnerAction = 'create' | 'update' | 'unchanged' | 'remove' | 'wait';
export type TaskAction = 'create' | 'restart' | 'remove' | 'keep';

export interface TaskChange {
  id: string;
  action: TaskAction;
  node: string;
  host: string;
  ports: number[];
  /** For a restart: the fields of its launch (paths such as `spec.env.URL`, `ports`) that differ. */
  changes: string[];
}

export interface OwnerChange {
  name: string;
  /** Its name as its Compose file wrote it, where that differs from `name`. */
  written?: string;
  kind: 'service' | 'app';
  action: OwnerAction;
  /** For an update: the fields of its declaration that differ (`options.replicas`, `instances`). */
  changes: string[];
  /** For a wait: why the scheduler cannot admit it yet. */
  reason?: string;
  tasks: TaskChange[];
}

/** A deploy plan as a diff against what the store holds: what `up --dry-run` prints. */
export interface PlanDiff {
  owners: OwnerChange[];
}

/** Compares a plan with the store's rows, field by field. Reads only. */
export function diffPlan(store: Store, plan: Omit<DeployPlan, 'diff'>): PlanDiff {
  const owners: OwnerChange[] = [];
  for (const o of plan.admitted) {
    const current = store.tasks.byOwner(plan.tenant, o.name);
    const before = declarationBefore(store, plan.tenant, o);
    const tasks = taskChanges(current, o.tasks);
    const changes = before === undefined ? [] : changedPaths(before, declarationOf(o, plan.stack));
    const action: OwnerAction =
      before === undefined
        ? 'create'
        : changes.length === 0 && tasks.every((t) => t.action === 'keep')
          ? 'unchanged'
          : 'update';
    const written = o.kind === 'app' ? o.spec.container?.compose?.service : undefined;
    owners.push({
      name: o.name,
      ...(written !== undefined && written !== o.name ? { written } : {}),
      kind: o.kind,
      action,
      changes,
      tasks,
    });
  }
  for (const w of plan.waiting) {
    owners.push({
      name: w.name,
      kind: w.declaration.kind,
      action: 'wait',
      changes: [],
      reason: w.reason,
      tasks: [],
    });
  }
  for (const name of plan.pruned) {
    const kind = store.services.get(plan.tenant, name) ? 'service' : 'app';
    const tasks = store.tasks
      .byOwner(plan.tenant, name)
      .filter((t) => t.desired === 'running')
      .map((t) => taskChange(t, 'remove', []));
    owners.push({ name, kind, action: 'remove', changes: [], tasks });
  }
  return { owners };
}

/** The owner counts `up` reports, from a diff. */
export function summary(diff: PlanDiff): Record<'created' | 'updated' | 'unchanged' | 'removed', string[]> {
  const named = (a: OwnerAction) => diff.owners.filter((o) => o.action === a).map((o) => o.name);
  return {
    created: named('create'),
    updated: named('update'),
    unchanged: named('unchanged'),
    removed: named('remove'),
  };
}

function taskChanges(current: TaskRecord[], wanted: DesiredTask[]): TaskChange[] {
  const out: TaskChange[] = [];
  for (const t of wanted) {
    const c = current.find((x) => x.id === t.id && x.desired === 'running');
    if (!c) out.push(taskChange(t, 'create', []));
    else if (c.specHash === t.specHash) out.push(taskChange(t, 'keep', []));
    else {
      const changes = changedPaths(
        { node: c.nodeId, host: c.host, ports: c.ports, spec: c.spec },
        { node: t.nodeId, host: t.host, ports: t.ports, spec: t.spec },
      );
      out.push(taskChange(t, 'restart', changes));
    }
  }
  const ids = new Set(wanted.map((t) => t.id));
  for (const c of current)
    if (c.desired === 'running' && !ids.has(c.id)) out.push(taskChange(c, 'remove', []));
  return out;
}

function taskChange(
  t: Pick<TaskRecord, 'id' | 'nodeId' | 'host' | 'ports'>,
  action: TaskAction,
  changes: string[],
): TaskChange {
  return { id: t.id, action, node: t.nodeId, host: t.host, ports: t.ports, changes };
}

type Declared = Record<string, unknown>;

function declarationOf(o: PlannedOwner, stack: string | null): Declared {
  return o.kind === 'service'
    ? { package: o.record.package, version: o.record.version, options: o.record.options, stack }
    : { ...o.spec, stack };
}

/** The stored declaration of an owner the plan admits, or undefined when it is new. */
function declarationBefore(store: Store, tenant: string, o: PlannedOwner): Declared | undefined {
  if (o.kind === 'service') {
    const s = store.services.get(tenant, o.name);
    return s ? { package: s.package, version: s.version, options: s.options, stack: s.stack } : undefined;
  }
  const a = store.apps.get(tenant, o.name);
  return a ? { ...a.spec, stack: a.stack } : undefined;
}

/** The paths of the leaves that differ between two JSON values (values are never shown: secrets). */
export function changedPaths(a: unknown, b: unknown, at = ''): string[] {
  if (isRecord(a) && isRecord(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => changedPaths(a[k], b[k], at ? `${at}.${k}` : k));
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    const inner = a.flatMap((x, i) => changedPaths(x, b[i], `${at}[${i}]`));
    // A list that changed in many places reads better as one change.
    return inner.length > 3 ? [at] : inner;
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [at || '.'];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
