import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathsFor, sandboxPath } from '../src/core/paths.js';
import { launchByHand, recordedTasks, recordedTopics } from './hand.js';
import { TestHome, median, ms, report, timed } from './util.js';

/**
 * Time from `flotilla up --wait` to "all brokers ready" for each Kafka example, next to launching the
 * very same JVM commands by hand on the critical path (ZooKeeper, then the brokers in parallel, then
 * the example's topic, created with the same admin call as Flotilla's post-ready step); and
 * the same `up` from a cold artifact cache (every jar downloaded and verified) and a warm one.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** BENCH_COLD=0 leaves out the cold-cache `up` (the smoke run's smallest size: no download). */
const COLD = process.env.BENCH_COLD !== '0';
const EXAMPLES = [
  { file: 'examples/kafka-zookeeper.yml', stack: 'kafka-zookeeper' },
  { file: 'examples/kafka-kraft.yml', stack: 'kafka-kraft' },
];

async function measure(file: string, stack: string): Promise<[string, string][]> {
  const home = new TestHome();
  const made: string[] = [];
  if (COLD) {
    made.push(fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-bench-cache-')));
    // An empty HOME has no ~/.m2/repository: the cold run really downloads every jar.
    made.push(fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-bench-home-')));
    [home.env.FLOTILLA_ARTIFACTS, home.env.HOME] = made;
  }
  const warm: number[] = [];
  const hand: number[] = [];
  let cold = 0;
  try {
    await home.ok(['daemon', 'start']);
    if (COLD) {
      [cold] = await timed(() => home.ok(['up', '-f', file, '--wait', '--timeout', '900'], 1_000_000));
      await home.ok(['down', stack, '--purge']);
    }
    for (let i = 0; i < ROUNDS; i++) {
      const [t] = await timed(() => home.ok(['up', '-f', file, '--wait', '--timeout', '600'], 700_000));
      warm.push(t);
      const tasks = recordedTasks(pathsFor(home.home).db);
      const topics = recordedTopics(pathsFor(home.home).db);
      await home.ok(['down', stack, '--purge']);
      hand.push(
        await launchByHand(
          tasks,
          (task) => sandboxPath(pathsFor(home.home), task.tenant, task.owner, task.name),
          topics,
        ),
      );
    }
  } finally {
    await home.cleanup();
    for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
  }
  return [
    [`rounds`, String(ROUNDS)],
    ...((COLD ? [['flotilla up --wait, cold cache (download from Maven Central)', ms(cold)]] : []) as [
      string,
      string,
    ][]),
    ['flotilla up --wait, warm cache (median)', ms(median(warm))],
    ['same commands by hand (median)', ms(median(hand))],
    ['ratio warm / by hand', (median(warm) / median(hand)).toFixed(2)],
    ...((COLD ? [['ratio cold / warm', (cold / median(warm)).toFixed(2)]] : []) as [string, string][]),
  ];
}

export async function main(): Promise<void> {
  for (const { file, stack } of EXAMPLES) {
    if (!fs.existsSync(file)) continue;
    report(`${file}: up --wait to all brokers ready vs by hand`, await measure(file, stack));
  }
}
