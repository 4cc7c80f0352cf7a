import fs from 'node:fs';
import path from 'node:path';
import { isAlive, waitFor } from '../test/helpers/flotilla.js';
import { TestHome, ms, report, timed } from './util.js';

/**
 * Adoption: the daemon is killed with SIGKILL while it runs N tasks (one app of `sleep` instances,
 * the cheapest task it supervises), then started again. Measured: `flotilla daemon start` until the
 * new daemon answers (it adopts every task before it listens), next to the same command on a home
 * with no task at all; then every task must be the same process (same pid), running, with no
 * restart and no second launch.
 */
const TASKS = Number(process.env.BENCH_TASKS ?? 1000);

export function sleepers(name: string, n: number): string {
  // 1,000 is the most instances one app may have: more tasks are more apps.
  let s = `name: ${name}\napps:\n`;
  for (let i = 0; n > 0; i++, n -= 1000) {
    s += `  sleepers-${i}:\n    args: [sleep, "3600"]\n    instances: ${Math.min(n, 1000)}\n`;
    s += '    cpus: 0.001\n    mem: 1\n';
  }
  return s;
}

/** A home whose nodes hold thousands of tiny tasks. */
export function bigHome(): TestHome {
  const home = new TestHome();
  home.env.FLOTILLA_NODES = '4';
  home.env.FLOTILLA_NODE_CPUS = '64';
  return home;
}

export function rssMb(pid: number): number {
  const line = fs
    .readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? NaN) / 1024;
}

async function killDaemon(home: TestHome): Promise<void> {
  const info = home.daemonInfo();
  if (!info) throw new Error('no daemon');
  process.kill(info.pid, 'SIGKILL');
  await waitFor(() => !isAlive(info.pid), 10_000, 'the daemon to die');
  // A SIGKILLed daemon leaves its daemon.json: the next start must see the pid dead and go on.
}

export async function main(): Promise<void> {
  const home = bigHome();
  const empty = new TestHome();
  const file = path.join(home.home, 'sleepers.yml');
  fs.writeFileSync(file, sleepers('sleepers', TASKS));
  try {
    const [launch] = await timed(() => home.ok(['up', '-f', file, '--wait', '--timeout', '900'], 1_000_000));
    const before = new Map((await home.client().listTasks()).map((t) => [t.id, t]));
    if (before.size !== TASKS) throw new Error(`${before.size} tasks, not ${TASKS}`);
    const rssBefore = rssMb(home.daemonInfo()!.pid);

    await killDaemon(home);
    const [adopt] = await timed(() => home.ok(['daemon', 'start']));
    const after = await home.client().listTasks();
    const adopted = after.filter((t) => {
      const was = before.get(t.id);
      return (
        was !== undefined &&
        t.pid === was.pid &&
        t.pid !== null &&
        isAlive(t.pid) &&
        t.state === 'running' &&
        t.launches === was.launches
      );
    }).length;
    const restarted = after.filter((t) => t.launches !== before.get(t.id)?.launches || t.restarts > 0).length;
    const rssAfter = rssMb(home.daemonInfo()!.pid);
    // The daemon times its own recovery (every task's handle checked, adopted and watched again).
    const lines = fs.readFileSync(path.join(home.home, 'logs', 'daemon.log'), 'utf8').split('\n');
    const recovery = lines.filter((l) => l.includes('recovered state:')).at(-1) ?? '';
    const recoveryMs = Number(/\((\d+) ms\)/.exec(recovery)?.[1] ?? NaN);

    await empty.ok(['daemon', 'start']);
    await killDaemon(empty);
    const [bare] = await timed(() => empty.ok(['daemon', 'start']));

    report(`Adoption: daemon SIGKILL with ${TASKS} running tasks, then \`flotilla daemon start\``, [
      [`up --wait of ${TASKS} tasks (setup)`, ms(launch)],
      [`adoption of ${TASKS} tasks in the daemon (its log)`, ms(recoveryMs)],
      [`daemon start, ${TASKS} tasks to adopt`, ms(adopt)],
      ['daemon start, no task (baseline)', ms(bare)],
      ['adoption adds', ms(adopt - bare)],
      ['goal', 'adoption ≤ 1000 ms, every task adopted, 0 restarted'],
      ['tasks adopted (same pid, running)', `${adopted} / ${TASKS}`],
      ['tasks restarted', String(restarted)],
      [`daemon RSS with ${TASKS} tasks (it launched them)`, `${rssBefore.toFixed(1)} MB`],
      [`daemon RSS with ${TASKS} tasks (it adopted them)`, `${rssAfter.toFixed(1)} MB`],
      ['ratio start with tasks / without', (adopt / bare).toFixed(2)],
    ]);
    if (adopted !== TASKS || restarted !== 0) throw new Error(`${adopted} adopted, ${restarted} restarted`);
  } finally {
    await Promise.all([home.cleanup(), empty.cleanup()]);
  }
}
