import type { QueueEntry } from '../state/store-queue.js';
import { sandboxPath, type Paths } from '../core/paths.js';
import type { AppRecord, ServiceRecord, StackRecord } from '../core/service.js';
import { hasEnded, isTaskCurrent, ownerStatus, type PostReadyStep, type TaskRecord } from '../core/task.js';
import type { AppView, ServiceView, StackView, TaskView } from '../core/api-schemas.js';

const REDACTED = '********';

const iso = (ms: number) => new Date(ms).toISOString();

/** What the API shows of a task: secrets in its environment are redacted. */
export function taskView(paths: Paths, t: TaskRecord): TaskView {
  const env = Object.fromEntries(
    Object.entries(t.spec.env).map(([k, v]) => [k, t.spec.secretEnv.includes(k) ? REDACTED : v]),
  );
  return {
    id: t.id,
    tenant: t.tenant,
    owner: t.owner,
    ownerKind: t.ownerKind,
    name: t.name,
    role: t.role,
    stack: t.stack,
    node: t.nodeId,
    host: t.host,
    ports: t.ports,
    state: t.state,
    desired: t.desired,
    ready: isTaskCurrent(t),
    upToDate: t.launchedSpecHash === t.specHash && !t.restartRequested,
    pid: t.handle && t.handle.pid > 0 ? t.handle.pid : null,
    driver: t.spec.driver ?? 'process',
    ...(t.spec.restart && t.spec.restart !== 'always' ? { restart: t.spec.restart } : {}),
    ...(hasEnded(t) ? { ended: true } : {}),
    ...(t.handle?.containerId ? { containerId: t.handle.containerId } : {}),
    exitCode: t.exitCode,
    exitSignal: t.exitSignal,
    message: t.message,
    restarts: t.restarts,
    launches: t.launches,
    healthFailures: t.healthFailures,
    stateSince: iso(t.stateSince),
    startedAt: t.handle ? iso(t.handle.startedAt) : null,
    ...(t.spec.cmd !== undefined ? { cmd: t.spec.cmd } : {}),
    ...(t.spec.args !== undefined ? { args: t.spec.args } : {}),
    env,
    sandbox: sandboxPath(paths, t.tenant, t.owner, t.name),
    ...writtenAs(t.owner, t.spec.container?.compose?.service, 'ownerName'),
  };
}

/** `{[key]: written}` when a Compose file wrote the name otherwise than the id; else nothing. */
function writtenAs<K extends string>(id: string, written: string | undefined, key: K) {
  return (written !== undefined && written !== id ? { [key]: written } : {}) as Partial<Record<K, string>>;
}

export function serviceView(
  paths: Paths,
  s: ServiceRecord,
  tasks: TaskRecord[],
  options: Record<string, unknown>,
  endpoints: ServiceView['endpoints'],
): ServiceView {
  return {
    name: s.name,
    tenant: s.tenant,
    package: s.package,
    version: s.version,
    options,
    stack: s.stack,
    dependencies: s.dependencies,
    ...ownerStatus(tasks, { steps: postReadySteps([s]) }),
    tasks: tasks.map((t) => taskView(paths, t)),
    endpoints,
  };
}

export function appView(paths: Paths, a: AppRecord, tasks: TaskRecord[]): AppView {
  const wanted = tasks.filter((t) => t.desired === 'running');
  return {
    id: a.id,
    tenant: a.tenant,
    stack: a.stack,
    spec: { ...a.spec, id: `/${a.spec.id}` },
    ...ownerStatus(tasks),
    instances: a.spec.instances,
    tasksRunning: wanted.filter((t) => ['running', 'healthy', 'unhealthy', 'starting'].includes(t.state))
      .length,
    tasksHealthy: wanted.filter((t) => t.state === 'healthy').length,
    tasks: tasks.map((t) => taskView(paths, t)),
    ...writtenAs(a.id, a.spec.container?.compose?.service, 'name'),
  };
}

export function stackView(
  paths: Paths,
  s: StackRecord,
  tasks: TaskRecord[],
  waiting: QueueEntry[],
  services: ServiceRecord[],
): StackView {
  const state =
    waiting.length > 0
      ? { status: 'waiting' as const, message: null }
      : ownerStatus(tasks, { steps: postReadySteps(services) });
  return {
    name: s.name,
    tenant: s.tenant,
    services: s.services,
    apps: s.apps,
    ...namesOf(tasks),
    ...state,
    tasks: tasks.map((t) => taskView(paths, t)),
    waiting: waiting.map((w) => ({ name: w.owner, kind: w.reasonKind, reason: w.reason })),
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
  };
}

/** The post-ready steps of services whose package has one. */
function postReadySteps(services: ServiceRecord[]): PostReadyStep[] {
  return services.flatMap((s) => (s.afterReady ? [{ service: s.name, ...s.afterReady }] : []));
}

/** The stack's apps whose Compose name differs from their id, read from their tasks. */
function namesOf(tasks: TaskRecord[]): { names?: Record<string, string> } {
  const names: Record<string, string> = {};
  for (const t of tasks) {
    const written = t.spec.container?.compose?.service;
    if (written !== undefined && written !== t.owner) names[t.owner] = written;
  }
  return Object.keys(names).length > 0 ? { names } : {};
}
