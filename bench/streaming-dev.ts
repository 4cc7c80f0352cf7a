import fs from 'node:fs';
import path from 'node:path';
import { pathsFor, sandboxPath } from '../src/core/paths.js';
import { launchByHand, recordedTasks, recordedTopics } from './hand.js';
import { TestHome, median, ms, report, timed } from './util.js';

/**
 * The full dev stack (examples/streaming-dev.yml: ZooKeeper, 3 Kafka brokers, Spark master and 2
 * workers, a 3-node Cassandra ring, Redis primary and replica): `flotilla up --wait` to every task
 * ready, next to the very same commands launched by hand on the critical path (each service once its
 * dependencies are ready, its tasks in parallel, the Kafka topics created as Flotilla's post-ready
 * step creates them); and the memory the running stack holds. Each round
 * also runs the stack with `startOrder: parallel` (every JVM at once), alternated with the default
 * `auto` order in the same daemon, so the two orders meet the same load.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
/** BENCH_PARALLEL=0 leaves out the `parallel` order's run (the smoke run's smallest size). */
const PARALLEL = process.env.BENCH_PARALLEL !== '0';
const FILE = 'examples/streaming-dev.yml';
const STACK = 'streaming-dev';

/** Resident memory of a process and all its descendants, in MB. */
function treeRssMb(root: number): number {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const status = fs.readFileSync(`/proc/${entry}/status`, 'utf8');
      rss.set(Number(entry), Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    total += rss.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

export async function main(): Promise<void> {
  const home = new TestHome();
  const up: number[] = [];
  const parallel: number[] = [];
  const hand: number[] = [];
  const memory: number[] = [];
  try {
    await home.ok(['daemon', 'start']);
    const parallelFile = path.join(home.home, 'streaming-dev-parallel.yml');
    const text = fs.readFileSync(FILE, 'utf8');
    fs.writeFileSync(parallelFile, text.replace(/^name: .*$/m, '$&\nstartOrder: parallel'));
    for (let i = 0; i < ROUNDS; i++) {
      if (PARALLEL) {
        const [p] = await timed(() =>
          home.ok(['up', '-f', parallelFile, '--wait', '--timeout', '900'], 1_000_000),
        );
        parallel.push(p);
        await home.ok(['down', STACK, '--purge'], 300_000);
      }
      const [t] = await timed(() => home.ok(['up', '-f', FILE, '--wait', '--timeout', '900'], 1_000_000));
      up.push(t);
      const tasks = await home.client().listTasks({ stack: STACK });
      memory.push(tasks.reduce((sum, task) => sum + (task.pid ? treeRssMb(task.pid) : 0), 0));
      const recorded = recordedTasks(pathsFor(home.home).db);
      const topics = recordedTopics(pathsFor(home.home).db);
      await home.ok(['down', STACK, '--purge'], 300_000);
      hand.push(
        await launchByHand(
          recorded,
          (task) => sandboxPath(pathsFor(home.home), task.tenant, task.owner, task.name),
          topics,
        ),
      );
    }
  } finally {
    await home.cleanup();
  }
  report(`${FILE}: up --wait to every task ready (auto and parallel start orders) vs by hand, and memory`, [
    ['rounds', String(ROUNDS)],
    ['flotilla up --wait (median)', ms(median(up))],
    ['same commands by hand (median)', ms(median(hand))],
    ['ratio up / by hand', (median(up) / median(hand)).toFixed(2)],
    ...((PARALLEL
      ? [
          ['flotilla up --wait, startOrder: parallel (median)', ms(median(parallel))],
          ['ratio parallel / by hand', (median(parallel) / median(hand)).toFixed(2)],
        ]
      : []) as [string, string][]),
    ['resident memory of the running stack (median)', `${median(memory).toFixed(0)} MB`],
  ]);
}
