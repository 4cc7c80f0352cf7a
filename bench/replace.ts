import fs from 'node:fs';
import path from 'node:path';
import { TestHome, median, ms, report, timed } from './util.js';

/**
 * `flotilla replace` of the Kafka example (ZooKeeper and three 3.9 brokers) by a KRaft stack (three
 * 4.3 brokers), `--wait` until the new stack is ready and the old one's tasks are gone, next to
 * `up --wait` of the same new stack on an empty machine, alternated in the same run.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const OLD_FILE = 'examples/kafka-zookeeper.yml';
const OLD = 'kafka-zookeeper';
const NEW = 'streams';
const NEW_STACK = `name: ${NEW}
services:
  stream:
    package: kafka
    version: '4.3.1'
    options:
      brokers: 3
      topics:
        - { name: orders, partitions: 6, replicationFactor: 3, configs: { min.insync.replicas: '2' } }
`;

export async function main(): Promise<void> {
  const home = new TestHome();
  const file = path.join(home.home, 'streams.yml');
  fs.writeFileSync(file, NEW_STACK);
  const up: number[] = [];
  const replace: number[] = [];
  try {
    await home.ok(['daemon', 'start']);
    // Warm the artifact cache for both stacks: neither side measures downloads.
    await home.ok(['up', '-f', file, '--wait', '--timeout', '900'], 1_000_000);
    await home.ok(['down', NEW, '--purge'], 300_000);
    for (let i = 0; i < ROUNDS; i++) {
      const [u] = await timed(() => home.ok(['up', '-f', file, '--wait', '--timeout', '600'], 700_000));
      up.push(u);
      await home.ok(['down', NEW, '--purge'], 300_000);
      await home.ok(['up', '-f', OLD_FILE, '--wait', '--timeout', '600'], 700_000);
      const [r] = await timed(() =>
        home.ok(['replace', OLD, '-f', file, '--purge', '--wait', '--timeout', '600'], 700_000),
      );
      replace.push(r);
      await home.ok(['down', NEW, '--purge'], 300_000);
    }
  } finally {
    await home.cleanup();
  }
  report(`replace ${OLD_FILE} by a 3-broker KRaft stack vs up --wait of that stack alone`, [
    ['rounds', String(ROUNDS)],
    ['flotilla replace --wait (median)', ms(median(replace))],
    ['flotilla up --wait of the new stack (median)', ms(median(up))],
    ['replace - up', ms(median(replace) - median(up))],
  ]);
}
