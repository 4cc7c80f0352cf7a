import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCheck } from '../src/reconciler/health/index.js';
import { TestHome, median, ms, report, timed } from './util.js';

/**
 * Time from `flotilla up --wait` to a healthy Redis primary + replica, next to launching the very same
 * redis-server commands by hand and polling them until they answer as Flotilla's checks require.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const STACK =
  'name: bench\nservices:\n  cache:\n    package: redis\n    options: { replicas: 1, persistence: none }\n';

async function byHand(
  commands: { args: string[]; config: string; host: string; port: number; replica: boolean }[],
): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-bench-hand-'));
  const children: ChildProcess[] = [];
  try {
    const [elapsed] = await timed(async () => {
      for (const [i, c] of commands.entries()) {
        const conf = path.join(dir, `redis-${i}.conf`);
        fs.writeFileSync(conf, c.config.replaceAll(/\/\S*\/data/g, dir));
        children.push(spawn(c.args[0]!, [conf], { stdio: 'ignore' }));
      }
      await Promise.all(
        commands.map(async (c) => {
          const spec = {
            protocol: 'REDIS' as const,
            portIndex: 0,
            redis: { replica: c.replica },
            gracePeriodSeconds: 0,
            intervalSeconds: 1,
            timeoutSeconds: 1,
            maxConsecutiveFailures: 0,
          };
          const target = {
            // Where the server listens: its virtual node's address, as Flotilla rendered it.
            host: c.host,
            ports: [c.port],
            exec: () => Promise.reject(new Error('no exec')),
          };
          while (!(await runCheck(spec, target)).ok) await new Promise((r) => setTimeout(r, 5));
        }),
      );
    });
    return elapsed;
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function main(): Promise<void> {
  const home = new TestHome();
  const file = path.join(home.home, 'bench.yml');
  fs.writeFileSync(file, STACK);
  const flotilla: number[] = [];
  const hand: number[] = [];
  try {
    await home.ok(['daemon', 'start']);
    for (let i = 0; i < ROUNDS; i++) {
      const [t] = await timed(() => home.ok(['up', '-f', file, '--wait']));
      flotilla.push(t);
      const tasks = await home.client().listTasks({ owner: 'cache' });
      const commands = tasks.map((task) => ({
        args: task.args!,
        config: fs.readFileSync(path.join(task.sandbox, 'config', 'redis.conf'), 'utf8'),
        host: task.host,
        port: task.ports[0]!,
        replica: task.role === 'replica',
      }));
      await home.ok(['down', 'bench', '--purge']);
      hand.push(await byHand(commands));
    }
  } finally {
    await home.cleanup();
  }
  const ratio = median(flotilla) / median(hand);
  report('Redis primary + replica: `up --wait` to healthy vs the same redis-server commands by hand', [
    ['rounds', String(ROUNDS)],
    ['flotilla up --wait (median)', ms(median(flotilla))],
    ['by hand (median)', ms(median(hand))],
    ['ratio flotilla / by hand', ratio.toFixed(2)],
    ['flotilla - by hand', ms(median(flotilla) - median(hand))],
  ]);
}
