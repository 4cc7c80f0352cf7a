import { dockerEngine } from '../test/helpers/docker.js';
import { median, ms, report, TestHome, timed } from './util.js';

/**
 * Time from `flotilla up --wait` to all brokers ready for examples/kafka-zookeeper.yml (ZooKeeper
 * and three Kafka 3.9 brokers) under the Docker driver against the process driver, rounds
 * interleaved, warm: the runtime images are built and the jars cached before the first round.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const FILE = 'examples/kafka-zookeeper.yml';
const STACK = 'kafka-zookeeper';

async function up(home: TestHome): Promise<number> {
  const [t] = await timed(() => home.ok(['up', '-f', FILE, '--wait', '--timeout', '600'], 700_000));
  await home.ok(['down', STACK, '--purge'], 300_000);
  return t;
}

export async function main(): Promise<void> {
  const probe = await dockerEngine();
  if ('skip' in probe) return console.log(`\n## kafka-docker: ${probe.skip}`);
  probe.engine.close();
  const homes = { process: new TestHome({ driver: 'process' }), docker: new TestHome({ driver: 'docker' }) };
  const times: Record<keyof typeof homes, number[]> = { process: [], docker: [] };
  let warmup = 0;
  try {
    for (const home of Object.values(homes)) await home.ok(['daemon', 'start']);
    // Builds the images (first time only) and fills the jar cache: not part of the figure.
    [warmup] = await timed(() => up(homes.docker));
    await up(homes.process);
    for (let i = 0; i < ROUNDS; i++) {
      times.docker.push(await up(homes.docker));
      times.process.push(await up(homes.process));
    }
  } finally {
    for (const home of Object.values(homes)) await home.cleanup();
  }
  report(`${FILE}: up --wait to all brokers ready, Docker vs process driver (medians of ${ROUNDS})`, [
    ['process driver', ms(median(times.process))],
    ['Docker driver', ms(median(times.docker))],
    ['ratio docker / process', (median(times.docker) / median(times.process)).toFixed(2)],
    ['first Docker run (images built if missing, then up)', ms(warmup)],
  ]);
}
