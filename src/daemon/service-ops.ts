import { spawn } from 'node:child_process';
import { getPackage } from '../catalog/registry.js';
import { FlotillaError } from '../core/errors.js';
import type { Paths } from '../core/paths.js';
import { isTaskCurrent, type TaskRecord } from '../core/task.js';
import { endpointContext } from '../deploy/render-service.js';
import type { ServiceOps } from '../plans/types.js';
import type { Reconciler } from '../reconciler/reconciler.js';
import { taskKey } from '../core/keys.js';
import type { Store } from '../state/store.js';

export interface ServiceOpsDeps {
  store: Store;
  paths: Paths;
  reconciler: Reconciler;
  /** Redeploys a service with changed state or options, through the control plane's deploy queue. */
  redeploy(
    tenant: string,
    service: string,
    change: { state?: Record<string, string | null>; options?: Record<string, unknown> },
  ): Promise<void>;
  /** The same change planned, not committed: the owners that would wait, with why. */
  planRedeploy(
    tenant: string,
    service: string,
    change: { options?: Record<string, unknown> },
  ): Promise<{ waiting: { name: string; reason: string }[] }>;
}

const POLL_MS = 250;

/** What a plan's steps may do to one service, on top of the store, the reconciler and deploys. */
export function serviceOps(
  d: ServiceOpsDeps,
  tenant: string,
  service: string,
  say: (m: string) => void,
): ServiceOps {
  const record = () => {
    const s = d.store.services.get(tenant, service);
    if (!s) throw new FlotillaError('SERVICE_NOT_FOUND', `no service "${service}"`);
    return s;
  };
  const running = () => d.store.tasks.byOwner(tenant, service).filter((t) => t.desired === 'running');
  const task = (name: string): TaskRecord => {
    const t = running().find((x) => x.name === name);
    if (!t) throw new FlotillaError('TASK_NOT_FOUND', `service ${service} has no task "${name}"`);
    return t;
  };
  return {
    tasks: running,
    placed: () => endpointContext(d.paths, record(), running()).tasks,
    state: () => ({ ...record().state }),
    redeploy: (change) => d.redeploy(tenant, service, change),
    async wouldWait(change) {
      const plan = await d.planRedeploy(tenant, service, change);
      return plan.waiting.find((w) => w.name === service)?.reason ?? null;
    },
    async restartTask(name) {
      const t = task(name);
      if (t.handle && t.handle.pid > 0)
        await d.reconciler.supervisor.kill(taskKey(tenant, t.id), 'restarted by a plan');
      d.reconciler.enqueue(tenant, [t.id]);
    },
    async waitReady(name, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const t = d.store.tasks.get(tenant, `${service}.${name}`);
        if (t && isTaskCurrent(t)) return;
        if (Date.now() > deadline) {
          throw new FlotillaError(
            'WAIT_TIMEOUT',
            `${service}.${name} was not ready within ${Math.round(timeoutMs / 1000)} s (${t?.state ?? 'gone'}: ${t?.message ?? ''})`,
          );
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    },
    exec(name, argv, timeoutMs) {
      const t = task(name);
      return run(argv, { ...process.env, ...t.spec.env }, timeoutMs);
    },
    say,
  };
}

/** The package's operations for a service (replace, repair, scale…), by plan name. */
export function operationsOf(store: Store, tenant: string, service: string) {
  const s = store.services.get(tenant, service);
  if (!s) throw new FlotillaError('SERVICE_NOT_FOUND', `no service "${service}"`);
  return getPackage(s.package, s.version).operations ?? {};
}

function run(argv: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const [program, ...args] = argv;
    const child = spawn(program!, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else
        reject(
          new Error(
            `${argv.slice(0, 3).join(' ')}… ${signal ? `killed by ${signal}` : `exited ${code}`}: ${out.slice(-2000)}`,
          ),
        );
    });
  });
}
