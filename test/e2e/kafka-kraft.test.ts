import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestHome } from '../helpers/flotilla.js';
import { assertDeclaredTopic, assertKeyedRoundTrip, consumeAll, kafkaClient } from '../helpers/kafka.js';

/** Three Kafka 4 brokers in KRaft mode from the example file, checked with a real Kafka client. */
describe('Kafka 4 in KRaft mode (examples/kafka-kraft.yml)', () => {
  const home = new TestHome();
  let bootstrap = '';

  before(async () => {
    await home.ok(['up', '-f', 'examples/kafka-kraft.yml', '--wait', '--timeout', '600'], 700_000);
    const endpoints = JSON.parse(await home.ok(['service', 'endpoints', 'events', '--json'])) as {
      values: Record<string, string>;
    }[];
    bootstrap = endpoints[0]!.values.bootstrap!;
  });
  after(async () => {
    assert.equal(await home.cleanup(), 0);
  });

  it('formats storage with one cluster id and creates the declared topic', async () => {
    const admin = kafkaClient(bootstrap).admin();
    await admin.connect();
    try {
      assert.equal((await admin.describeCluster()).brokers.length, 3);
    } finally {
      await admin.disconnect();
    }
    await assertDeclaredTopic(bootstrap, 'orders', 6, 3);
  });

  it('keeps 10,000 keyed messages, each key in one partition', async () => {
    await assertKeyedRoundTrip(bootstrap, 'keyed');
  });

  it('keeps the cluster id across a redeploy of the same file', async () => {
    const before = await home.client().getService('events');
    const r = await home.ok(['up', '-f', 'examples/kafka-kraft.yml', '--wait']);
    assert.match(r, /unchanged\s+events/);
    const after = await home.client().getService('events');
    assert.deepEqual(
      after.tasks.map((t) => t.pid),
      before.tasks.map((t) => t.pid),
      'applying the same file restarts nothing',
    );
  });

  it('comes back with its data after `down` without --purge', async () => {
    await home.ok(['down', 'kafka-kraft']);
    await home.ok(['up', '-f', 'examples/kafka-kraft.yml', '--wait', '--timeout', '300'], 400_000);
    const endpoints = JSON.parse(await home.ok(['service', 'endpoints', 'events', '--json'])) as {
      values: Record<string, string>;
    }[];
    const kafka = kafkaClient(endpoints[0]!.values.bootstrap!);
    // Resolves only once every message of the earlier test was read back.
    const { values } = await consumeAll(
      kafka,
      'keyed',
      Array.from({ length: 10_000 }, (_, i) => i),
    );
    assert.equal(values.size, 10_000);
  });

  it('fails `up --wait` with a coded error when a post-ready step fails, and shows why', async () => {
    // A topic whose config Kafka refuses: the brokers are fine, the declared topic can never be made.
    const source = fs
      .readFileSync('examples/kafka-kraft.yml', 'utf8')
      .replace(
        /topics:\n/,
        "topics:\n        - { name: refused, partitions: 1, replicationFactor: 1, configs: { cleanup.policy: 'nonsense' } }\n",
      );
    const file = path.join(home.home, 'kafka-kraft-refused.yml');
    fs.writeFileSync(file, source);
    const r = await home.cli(['up', '-f', file, '--wait', '--timeout', '120'], 180_000);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /DEPLOY_FAILING/);
    assert.match(
      r.stderr,
      /events: post-ready step failed: creating topics: refused: Configuration is invalid/,
    );
    const service = await home.client().getService('events');
    assert.equal(service.status, 'failing');
    assert.match(service.message ?? '', /post-ready step failed/);
    // The file as it was: the step runs again for the new options, and the service is ready.
    await home.ok(['up', '-f', 'examples/kafka-kraft.yml', '--wait', '--timeout', '120'], 180_000);
    assert.equal((await home.client().getService('events')).status, 'ready');
  });
});
