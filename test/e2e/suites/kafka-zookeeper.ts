import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as dns } from 'node:dns';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { after, before, describe, it } from 'node:test';
import { chainsInNetns, netnsAddresses } from '../../../src/faults/container-net.js';
import { homeIdOf } from '../../../src/isolation/identity.js';
import { parseExperiment } from '../../../src/lab/experiment.js';
import { runExperiment } from '../../../src/lab/run.js';
import { TestHome, waitFor } from '../../helpers/flotilla.js';
import {
  assertDeclaredTopic,
  assertKeyedRoundTrip,
  consumeAll,
  createTopic,
  kafkaClient,
} from '../../helpers/kafka.js';
import { VerifiableProducer } from '../../helpers/verifiable-producer.js';

/**
 * ZooKeeper + 3 Kafka 3.9 brokers from the example file, checked with a real Kafka client: the same
 * checks for each driver (host processes, or containers with their ports published).
 */
/**
 * The lab's schedule: a random broker SIGKILLed every LAB_KILL_EVERY_S from the 5th second, for
 * LAB_DURATION_S, and 3 isolations. The suite's default is 3 kills in a minute; the 20 kills
 * run on a quiet machine with the same variables as the process-driver test (docs/failure-lab.md).
 */
const LAB_KILL_EVERY_S = Number(process.env.FLOTILLA_TEST_KAFKA_KILL_EVERY_S ?? 20);
const LAB_DURATION_S = Number(process.env.FLOTILLA_TEST_KAFKA_DURATION_S ?? 60);
const LAB_KILLS = Math.floor((LAB_DURATION_S - 5) / LAB_KILL_EVERY_S) + 1;

export function kafkaZookeeperSuite(driver: 'process' | 'docker', skip?: string): void {
  describe(`Kafka with ZooKeeper (examples/kafka-zookeeper.yml, ${driver} driver)`, { skip }, () => {
    const home = new TestHome({ driver });
    /** Network faults inside containers: the process driver's are tested in faults*.test.ts. */
    const dockerFaults =
      driver !== 'docker'
        ? 'the process driver runs these faults in test/e2e/faults-kafka.test.ts'
        : process.getuid?.() !== 0 && 'network faults need a root daemon';
    let bootstrap = '';

    before(async () => {
      await home.ok(['up', '-f', 'examples/kafka-zookeeper.yml', '--wait', '--timeout', '600'], 700_000);
      const endpoints = JSON.parse(await home.ok(['service', 'endpoints', 'events', '--json'])) as {
        values: Record<string, string>;
      }[];
      bootstrap = endpoints[0]!.values.bootstrap!;
    });
    after(async () => {
      assert.equal(await home.cleanup(), 0);
    });

    it('puts each broker on its own node and creates the declared topic', async () => {
      const brokers = (await home.client().listTasks({ owner: 'events' })).filter((t) => t.role === 'broker');
      assert.equal(brokers.length, 3);
      assert.equal(new Set(brokers.map((b) => b.host)).size, 3);
      await assertDeclaredTopic(bootstrap, 'orders', 6, 3);
    });

    it('keeps 10,000 keyed messages, each key in one partition', async () => {
      await assertKeyedRoundTrip(bootstrap, 'keyed');
    });

    it('resolves brokers through the daemon DNS and connects by name', async () => {
      const resolver = new dns.Resolver();
      resolver.setServers([home.daemonInfo()!.dns!]);
      const srv = await resolver.resolveSrv('_broker._tcp.events.default.flotilla');
      assert.equal(srv.length, 3);
      const addresses = await Promise.all(
        srv.map(async (r) => `${(await resolver.resolve4(r.name))[0]}:${r.port}`),
      );
      assert.deepEqual(addresses.sort(), bootstrap.split(',').sort());
      const admin = kafkaClient(addresses[0]!).admin();
      await admin.connect();
      try {
        assert.equal((await admin.describeCluster()).brokers.length, 3);
      } finally {
        await admin.disconnect();
      }
    });

    it('loses no acknowledged message when a broker is SIGKILLed under acks=all, and heals it with its data', async () => {
      const kafka = kafkaClient(bootstrap);
      await createTopic(kafka, 'durable', 6, 3, { 'min.insync.replicas': '2' });
      const victim = (await home.client().listTasks({ owner: 'events' })).filter(
        (t) => t.role === 'broker',
      )[1]!;
      const logDirsBefore = fs.readdirSync(path.join(victim.sandbox, 'data'), { recursive: true }).length;
      const producer = new VerifiableProducer({
        kafkaVersion: '3.9.1',
        artifacts: home.env.FLOTILLA_ARTIFACTS!,
        bootstrap,
        topic: 'durable',
        throughput: 3000,
      });
      const acked = producer.acked;
      let healed: Awaited<ReturnType<ReturnType<typeof home.client>['getTask']>> | undefined;
      try {
        await waitFor(() => acked.length >= 3_000, 60_000, 'some acknowledged traffic before the kill');
        process.kill(victim.pid!, 'SIGKILL');
        healed = await waitFor(
          async () => {
            const t = await home.client().getTask(victim.id);
            return t.state === 'healthy' && t.pid !== victim.pid ? t : null;
          },
          120_000,
          'the broker to come back healthy',
        );
        const ackedAtHeal = acked.length;
        await waitFor(
          () => acked.length >= ackedAtHeal + 3_000,
          60_000,
          'acknowledged traffic after the heal',
        );
      } finally {
        await producer.stop();
      }
      assert.equal(healed!.launches, victim.launches + 1);
      assert.ok(
        fs.readdirSync(path.join(victim.sandbox, 'data'), { recursive: true }).length >= logDirsBefore,
        'its data was kept',
      );
      const { values } = await consumeAll(kafka, 'durable', acked, 120_000);
      const lost = acked.filter((n) => !values.has(n));
      assert.deepEqual(lost, [], `${lost.length} acknowledged messages lost`);
    });

    it(
      "a partition between two containers drops their packets both ways, and nobody else's",
      { skip: dockerFaults },
      async () => {
        const [a, b, c] = (await home.client().listTasks({ owner: 'events' })).filter(
          (t) => t.role === 'broker',
        );
        const reach = (from: { pid?: number | null }, to: { pid?: number | null }) => {
          const address = netnsAddresses(to.pid!)[0]!;
          // A port it listens on for its peers (not Docker's resolver on 127.0.0.11).
          const listening = execFileSync('nsenter', ['-t', String(to.pid), '-n', 'ss', '-ltnH'], {
            encoding: 'utf8',
          });
          const port = [...listening.matchAll(/^\S+\s+\d+\s+\d+\s+(\S+):(\d+)\s/gm)].find(
            (m) => !m[1]!.startsWith('127.') && m[1] !== '[::1]',
          )![2]!;
          // The address and port are arguments of the script, never part of it.
          const script = 'exec 3<>"/dev/tcp/$0/$1"';
          const args = ['-t', String(from.pid), '-n', 'timeout', '3', 'bash', '-c', script, address, port];
          return spawnSync('nsenter', args, { stdio: 'ignore' }).status === 0;
        };
        assert.ok(reach(a!, b!), 'before the fault');
        const fault = await home.client().injectFault({ kind: 'partition', from: [a!.id], to: [b!.id] });
        try {
          assert.equal(reach(a!, b!), false, 'a → b cut');
          assert.equal(reach(b!, a!), false, 'b → a cut');
          assert.ok(reach(c!, b!), 'c → b untouched');
          assert.ok(reach(a!, c!), 'a → c untouched');
        } finally {
          await home.client().healFault(fault.id);
        }
        assert.ok(reach(a!, b!), 'healed');
        assert.deepEqual(chainsInNetns(a!.pid!, 'FLTF-'), []);
      },
    );

    it(
      'the lab under broker kills and isolations inside the containers: nothing acknowledged is lost or duplicated',
      { skip: dockerFaults },
      async () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-lab-docker-kafka-'));
        try {
          const lines: string[] = [];
          const r = await runExperiment(
            home.client(),
            parseExperiment({
              name: 'docker-kafka-kills',
              stack: { name: 'kafka-zookeeper' },
              durationS: LAB_DURATION_S,
              workload: { kind: 'kafka', service: 'events', rate: 50, partitions: 3, replicationFactor: 3 },
              nemesis: [
                {
                  every: LAB_KILL_EVERY_S,
                  start: 5,
                  fault: { kind: 'kill', service: 'events', pick: 'random' },
                },
                ...[10, 30, 48].map((at) => ({
                  at: Math.round((at / 60) * LAB_DURATION_S),
                  durationS: 8,
                  fault: { kind: 'isolate', service: 'events' },
                })),
              ],
              checkers: [{ kind: 'kafka-acknowledged' }],
            }),
            {
              directory: '.',
              out,
              print: (l) => lines.push(l),
              readFile: () => '',
              waitReady: async (stack) => {
                await waitFor(async () => (await home.client().getStack(stack)).status === 'ready', 300_000);
              },
              artifactsDir: home.env.FLOTILLA_ARTIFACTS!,
            },
          );
          const c = r.checkers[0]!;
          // A fault the daemon refused is in the report with its reason: a missing one says why.
          const refused = r.refused.map((f) => `refused at ${f.at} ms: ${f.kind}: ${f.error}`);
          const summary = `${JSON.stringify(c)}\n${[...refused, ...lines.slice(-5)].join('\n')}`;
          process.stderr.write(`# docker-kafka-kills: ${summary}\n`);
          assert.equal(r.faults.filter((f) => f.kind === 'kill').length, LAB_KILLS, summary);
          assert.equal(r.faults.filter((f) => f.kind === 'isolate').length, 3, summary);
          assert.ok(Number(c.figures.acknowledged) > 100, summary);
          assert.equal(c.figures.lost, 0, summary);
          assert.equal(c.figures.duplicated, 0, summary);
          assert.equal(r.valid, true, summary);
          // Every isolation was healed inside the containers, and nothing was written on the host.
          const brokers = await home.client().listTasks({ owner: 'events' });
          const prefix = `FLTF-${homeIdOf(home.home)}-`;
          for (const b of brokers) assert.deepEqual(chainsInNetns(b.pid!, prefix), [], b.id);
          assert.doesNotMatch(execFileSync('iptables-save', { encoding: 'utf8' }), new RegExp(prefix));
        } finally {
          fs.rmSync(out, { recursive: true, force: true });
        }
      },
    );
  });
}
