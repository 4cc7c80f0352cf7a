import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
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

export async function launchByHand(
  tasks: TaskRecord[],
  sandboxOf: (t: TaskRecord) => string,
): Promise<number> {
  const owners = deployOrder(
    [...new Set(tasks.map((t) => t.owner))].map((name) =>
      serviceDeclaration({
        name,
        package: '',
        options: {},
        dependsOn: tasks.find((t) => t.owner === name)!.spec.dependsOn,
      }),
    ),
  ).map(declaredName);
  const children: ChildProcess[] = [];
  try {
    for (const t of tasks) {
      const data = path.join(sandboxOf(t), 'data');
      fs.rmSync(data, { recursive: true, force: true });
      fs.mkdirSync(data, { recursive: true });
      for (const f of t.spec.files) {
        const file = path.join(sandboxOf(t), f.path);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, f.content, { mode: f.mode ?? 0o644 });
      }
    }
    const [elapsed] = await timed(async () => {
      for (const owner of owners) {
        const mine = tasks.filter((t) => t.owner === owner);
        await Promise.all(
          mine.map(async (t) => {
            const argv = t.spec.cmd !== undefined ? ['/bin/sh', '-c', t.spec.cmd] : t.spec.args!;
            children.push(
              spawn(argv[0]!, argv.slice(1), {
                cwd: sandboxOf(t),
                env: { ...process.env, ...t.spec.env, FLOTILLA_SANDBOX: sandboxOf(t) },
                stdio: 'ignore',
                detached: true,
              }),
            );
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
      }
    });
    return elapsed;
  } finally {
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
  }
}
