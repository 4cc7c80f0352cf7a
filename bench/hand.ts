import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { KafkaTopic } from '../src/catalog/kafka/options.js';
import { ensureTopics } from '../src/catalog/kafka/topics.js';
import type { TaskRecord } from '../src/core/task.js';
import { runExec } from '../src/drivers/process/spawn.js';
import { runCheck } from '../src/reconciler/health/index.js';
import { declaredName, deployOrder, serviceDeclaration } from '../src/core/declaration.js';
import { createStore } from '../src/state/store.js';
import { timed } from './util.js';

/**
 * The "by hand" side of a stack benchmark: the very same commands Flotilla ran (read from its state
 * database once its daemon is stopped), launched in dependency order — each service's tasks in
 * parallel, the next service once they all pass the same checks — with fresh data directories.
 */
export function recordedTasks(dbFile: string): TaskRecord[] {
  const store = createStore(dbFile);
  try {
    return store.tasks.listAll().filter((t) => t.desired === 'running');
  } finally {
    store.close();
  }
}

/** The topics each Kafka service declares (its post-ready step creates them), by service name. */
export function recordedTopics(dbFile: string): Map<string, KafkaTopic[]> {
  const store = createStore(dbFile);
  try {
    const services = store.tenants.list().flatMap((t) => store.services.list(t.name));
    return new Map(
      services
        .filter((s) => s.package === 'kafka' && Array.isArray(s.options.topics))
        .map((s) => [s.name, s.options.topics as KafkaTopic[]]),
    );
  } finally {
    store.close();
  }
}

/** A Kafka broker's id, from its KAFKA check; -1 for any other task. */
export const brokerId = (t: TaskRecord) => t.spec.healthChecks.find((c) => c.kafka)?.kafka?.brokerId ?? -1;
export const isBroker = (t: TaskRecord) => brokerId(t) >= 0;

/** Creates a service's declared topics on its brokers with the same admin call Flotilla's step makes. */
async function createTopics(tasks: TaskRecord[], service: string, topics: KafkaTopic[]): Promise<void> {
  const bootstrap = tasks
    .filter((t) => t.owner === service && isBroker(t))
    .map((t) => `${t.host}:${t.ports[0]!}`);
  await ensureTopics(bootstrap, topics, { service, tenant: 'bench', options: {}, tasks: [] });
}

/** The very same commands started by hand and ready: their process groups, and how to clean up. */
export interface HandStack {
  /** From the first spawn until every task passed its checks. */
  elapsed: number;
  /** Each task's process group (the spawned leader's pid), by task id. */
  groups: Map<string, number>;
  /** SIGKILLs whatever is left and removes the sandboxes. */
  cleanup(): Promise<void>;
}

export async function launchByHand(
  tasks: TaskRecord[],
  sandboxOf: (t: TaskRecord) => string,
  topics = new Map<string, KafkaTopic[]>(),
): Promise<number> {
  const stack = await startByHand(tasks, sandboxOf, { topics });
  await stack.cleanup();
  return stack.elapsed;
}

/** The owners of `tasks` in dependency order (each after what it depends on). */
export function ownerOrder(tasks: TaskRecord[]): string[] {
  return deployOrder(
    [...new Set(tasks.map((t) => t.owner))].map((name) =>
      serviceDeclaration({
        name,
        package: '',
        options: {},
        dependsOn: tasks.find((t) => t.owner === name)!.spec.dependsOn,
      }),
    ),
  ).map(declaredName);
}

/**
 * `keepData`: start on the data the tasks already have (a restart), not on fresh directories.
 * `topics`: a Kafka service's declared topics, created once its brokers are ready, as Flotilla's
 * post-ready step does (while the services after it start); the time includes them.
 */
export async function startByHand(
  tasks: TaskRecord[],
  sandboxOf: (t: TaskRecord) => string,
  { keepData = false, topics = new Map<string, KafkaTopic[]>() } = {},
): Promise<HandStack> {
  const owners = ownerOrder(tasks);
  const children: ChildProcess[] = [];
  const groups = new Map<string, number>();
  const cleanup = async () => {
    for (const c of children) {
      try {
        process.kill(-c.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await new Promise((r) => setTimeout(r, 500));
    // Leave nothing behind: the next deploy of the same names must not find this run's data.
    for (const t of tasks) fs.rmSync(sandboxOf(t), { recursive: true, force: true });
  };
  try {
    for (const t of tasks) {
      const data = path.join(sandboxOf(t), 'data');
      if (!keepData) fs.rmSync(data, { recursive: true, force: true });
      fs.mkdirSync(data, { recursive: true });
      for (const f of t.spec.files) {
        const file = path.join(sandboxOf(t), f.path);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, f.content, { mode: f.mode ?? 0o644 });
      }
    }
    const [elapsed] = await timed(async () => {
      const steps: Promise<void>[] = [];
      for (const owner of owners) {
        const mine = tasks.filter((t) => t.owner === owner);
        await Promise.all(
          mine.map(async (t) => {
            const argv = t.spec.cmd !== undefined ? ['/bin/sh', '-c', t.spec.cmd] : t.spec.args!;
            const child = spawn(argv[0]!, argv.slice(1), {
              cwd: sandboxOf(t),
              env: { ...process.env, ...t.spec.env, FLOTILLA_SANDBOX: sandboxOf(t) },
              stdio: 'ignore',
              detached: true,
            });
            children.push(child);
            groups.set(t.id, child.pid!);
            // COMMAND checks (Spark's and Cassandra's readiness) run as the process driver runs them.
            const env = { ...process.env, ...t.spec.env, FLOTILLA_SANDBOX: sandboxOf(t) } as Record<
              string,
              string
            >;
            const target = {
              host: t.host,
              ports: t.ports,
              exec: (command: string, timeoutMs: number) => runExec(command, timeoutMs, env, sandboxOf(t)),
            };
            for (const check of t.spec.healthChecks) {
              while (!(await runCheck(check, target)).ok) await new Promise((r) => setTimeout(r, 20));
            }
          }),
        );
        const declared = topics.get(owner);
        if (declared) steps.push(createTopics(tasks, owner, declared));
      }
      await Promise.all(steps);
    });
    return { elapsed, groups, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Whether any process of the group is still there. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves once every process of the groups is gone (looked at every 5 ms). */
export async function groupsGone(pgids: number[]): Promise<void> {
  while (pgids.some(groupAlive)) await new Promise((r) => setTimeout(r, 5));
}
