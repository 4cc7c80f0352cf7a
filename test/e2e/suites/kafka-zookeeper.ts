import assert from 'node:assert/strict';
import { promises as dns } from 'node:dns';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
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
export function kafkaZookeeperSuite(driver: 'process' | 'docker', skip?: string): void {
  describe(`Kafka with ZooKeeper (examples/kafka-zookeeper.yml, ${driver} driver)`, { skip }, () => {
    const home = new TestHome({ driver });
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
  });
}
