import type { TaskRecord } from '../src/core/task.js';
import { pathsFor, sandboxPath } from '../src/core/paths.js';
import { encodeMetadataRequest, parseMetadataResponse } from '../src/reconciler/health/kafka.js';
import { exchange } from '../src/reconciler/health/exchange.js';
import {
  brokerId,
  groupAlive,
  groupsGone,
  isBroker,
  ownerOrder,
  recordedTasks,
  recordedTopics,
  startByHand,
} from './hand.js';
import { TestHome, median, ms, report, timed } from './util.js';

/**
 * `flotilla down` of the Kafka example (ZooKeeper and three brokers) until every task is gone, next
 * to the very same JVMs started by hand and stopped with SIGTERM in each order a person might use,
 * measured in the same run: all at once; each service after its dependents (brokers together, then
 * ZooKeeper); the brokers one at a time; the brokers together but the controller last. Also
 * `down --purge`, which kills the JVMs at once (their data is deleted: a clean stop protects nothing).
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const FILE = process.env.BENCH_KAFKA_FILE ?? 'examples/kafka-zookeeper.yml';
const STACK = process.env.BENCH_KAFKA_STACK ?? 'kafka-zookeeper';
/** Flotilla's own grace for a broker: past it, a JVM that did not exit is SIGKILLed. */
const GRACE_MS = 30_000;

type Groups = Map<string, number>;
interface Variant {
  name: string;
  stop(tasks: TaskRecord[], groups: Groups): Promise<number>;
}

/** SIGTERMs the groups at once and waits until they are gone; SIGKILL after the grace. Returns how many needed it. */
async function terminate(pgids: number[]): Promise<number> {
  for (const g of pgids) signal(g, 'SIGTERM');
  const gone = groupsGone(pgids).then(() => 0);
  const grace = new Promise<number>((r) => setTimeout(() => r(-1), GRACE_MS).unref());
  if ((await Promise.race([gone, grace])) === 0) return 0;
  const late = pgids.filter(groupAlive);
  for (const g of late) signal(g, 'SIGKILL');
  await groupsGone(pgids);
  return late.length;
}

function signal(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // gone already
  }
}

/** The controller's broker id, asked of any broker (ZooKeeper mode answers it truthfully). */
async function controllerOf(brokers: TaskRecord[]): Promise<number> {
  const b = brokers[0]!;
  return exchange<number>({
    host: b.host,
    port: b.ports[0]!,
    timeoutMs: 2000,
    request: encodeMetadataRequest(7),
    maxBytes: 1 << 20,
    onData: (buf) =>
      buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)
        ? parseMetadataResponse(buf.subarray(4, 4 + buf.readInt32BE(0))).controllerId
        : undefined,
    failure: () => -1,
    messages: { timeout: 'timeout', tooLarge: 'large', closed: 'closed', unreachable: 'unreachable' },
  });
}

/** Each service after the services that depend on it; within one, `inService` decides. */
async function reverseOrder(
  tasks: TaskRecord[],
  groups: Groups,
  inService: (mine: TaskRecord[]) => Promise<TaskRecord[][]>,
): Promise<number> {
  let killed = 0;
  for (const owner of ownerOrder(tasks).reverse()) {
    const mine = tasks.filter((t) => t.owner === owner);
    for (const batch of await inService(mine)) killed += await terminate(batch.map((t) => groups.get(t.id)!));
  }
  return killed;
}

async function controllerLast(mine: TaskRecord[], oneAtATime: boolean): Promise<TaskRecord[][]> {
  if (!mine.every(isBroker)) return [mine];
  const controller = await controllerOf(mine);
  const others = mine.filter((t) => brokerId(t) !== controller);
  const last = mine.filter((t) => brokerId(t) === controller);
  return [...(oneAtATime ? others.map((t) => [t]) : [others]), last].filter((b) => b.length > 0);
}

const VARIANTS: Variant[] = [
  { name: 'all at once', stop: (tasks, groups) => terminate(tasks.map((t) => groups.get(t.id)!)) },
  { name: 'brokers together, then ZooKeeper', stop: (t, g) => reverseOrder(t, g, async (m) => [m]) },
  {
    name: 'brokers one at a time (controller last), then ZooKeeper',
    stop: (t, g) => reverseOrder(t, g, (m) => controllerLast(m, true)),
  },
  {
    name: 'brokers together but the controller last, then ZooKeeper',
    stop: (t, g) => reverseOrder(t, g, (m) => controllerLast(m, false)),
  },
];

export async function main(): Promise<void> {
  const home = new TestHome();
  const down: number[] = [];
  const purged: number[] = [];
  const hand = new Map<string, number[]>(VARIANTS.map((v) => [v.name, []]));
  const killed = new Map<string, number>(VARIANTS.map((v) => [v.name, 0]));
  try {
    await home.ok(['daemon', 'start']);
    for (let i = 0; i < ROUNDS; i++) {
      await home.ok(['up', '-f', FILE, '--wait', '--timeout', '600'], 700_000);
      const tasks = recordedTasks(pathsFor(home.home).db);
      const declared = recordedTopics(pathsFor(home.home).db);
      // `down` keeps the data, so every JVM gets its clean stop; `--purge` kills them (its data goes).
      const [t] = await timed(() => home.ok(['down', STACK], 120_000));
      down.push(t);
      await home.ok(['up', '-f', FILE, '--wait', '--timeout', '600'], 700_000);
      const [p] = await timed(() => home.ok(['down', STACK, '--purge'], 120_000));
      purged.push(p);
      for (const v of VARIANTS) {
        const sandboxOf = (task: TaskRecord) =>
          sandboxPath(pathsFor(home.home), task.tenant, task.owner, task.name);
        // The same topics Flotilla created: a broker's controlled shutdown moves their leaders.
        const started = await startByHand(tasks, sandboxOf, { topics: declared });
        try {
          const [elapsed, late] = await timed(() => v.stop(tasks, started.groups));
          hand.get(v.name)!.push(elapsed);
          killed.set(v.name, killed.get(v.name)! + late);
        } finally {
          await started.cleanup();
        }
      }
    }
  } finally {
    await home.cleanup();
  }
  const best = Math.min(...VARIANTS.map((v) => median(hand.get(v.name)!)));
  report(`${FILE}: \`flotilla down\` to every task gone vs the same JVMs SIGTERMed by hand`, [
    ['rounds', String(ROUNDS)],
    ['flotilla down (median)', ms(median(down))],
    ['flotilla down --purge, killed at once (median)', ms(median(purged))],
    ...VARIANTS.map(
      (v) =>
        [
          `by hand, ${v.name} (median)`,
          `${ms(median(hand.get(v.name)!))}${killed.get(v.name) ? ` (${killed.get(v.name)} SIGKILLed after 30 s)` : ''}`,
        ] as [string, string],
    ),
    ['flotilla down - fastest by hand', ms(median(down) - best)],
  ]);
}
