import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { FlotillaClient } from '../../src/client/client.js';
import { TestHome, waitFor } from '../helpers/flotilla.js';
import { commitOffsets, createTopic, kafkaClient } from '../helpers/kafka.js';

const STACK = `name: data
services:
  events:
    package: kafka
    options: { brokers: 3, heapMb: 256 }
  cache:
    package: redis
    options: { mem: 32 }
`;

/**
 * Kafka's data plane through the daemon's API (GET /v1/services/{name}/kafka/...), against three
 * real brokers: what a real client wrote and committed is what the API reports.
 */
describe("Kafka's data plane API", () => {
  const home = new TestHome();
  let client: FlotillaClient;
  let kafka: Kafka;

  before(async () => {
    const file = path.join(home.home, 'data.yml');
    fs.mkdirSync(home.home, { recursive: true });
    fs.writeFileSync(file, STACK);
    await home.ok(['up', '-f', file, '--wait', '--timeout', '600'], 700_000);
    client = home.client();
    const svc = await client.getService('events');
    kafka = kafkaClient(svc.endpoints[0]!.values.bootstrap!);
    await createTopic(kafka, 'orders', 3, 3);
    const producer = kafka.producer();
    await producer.connect();
    try {
      // 10 messages on each partition, with a header; and one binary value on partition 2.
      for (const partition of [0, 1, 2]) {
        await producer.send({
          topic: 'orders',
          acks: -1,
          messages: Array.from({ length: 10 }, (_, i) => ({
            partition,
            key: `k-${partition}-${i}`,
            value: `order ${partition}/${i}`,
            headers: { source: 'test' },
          })),
        });
      }
      await producer.send({
        topic: 'orders',
        acks: -1,
        messages: [{ partition: 2, key: null, value: Buffer.from([0xff, 0x00, 0xfe]) }],
      });
    } finally {
      await producer.disconnect();
    }
    // The group "billing" committed all of partition 0, 4 messages of partition 1, none of 2.
    await commitOffsets(kafka, 'billing', 'orders', { 0: 10, 1: 4 });
  });
  after(async () => {
    assert.equal(await home.cleanup(), 0);
  });

  it('lists the brokers and topics with partitions and replication', async () => {
    const view = await client.kafkaTopics('events');
    assert.equal(view.brokers.length, 3);
    const orders = view.topics.find((t) => t.name === 'orders');
    assert.deepEqual(orders, {
      name: 'orders',
      internal: false,
      partitions: 3,
      replicationFactor: 3,
      underReplicated: 0,
      offline: 0,
      messages: 31,
    });
    // The group's commit made Kafka's own offsets topic.
    assert.equal(view.topics.find((t) => t.name === '__consumer_offsets')?.internal, true);
  });

  it("shows each partition's leader, replicas, in-sync replicas and offsets", async () => {
    const topic = await client.kafkaTopic('events', 'orders');
    const ids = (await client.kafkaTopics('events')).brokers.map((b) => b.nodeId).sort();
    assert.deepEqual(
      topic.partitions.map((p) => [p.partition, p.start, p.end]),
      [
        [0, 0, 10],
        [1, 0, 10],
        [2, 0, 11],
      ],
    );
    for (const p of topic.partitions) {
      assert.deepEqual([...p.replicas].sort(), ids);
      assert.deepEqual([...p.isr].sort(), ids, `partition ${p.partition} fully in sync`);
      assert.ok(p.leader !== null && p.replicas.includes(p.leader));
    }
  });

  it("computes the group's lag per partition, and sees it grow with new messages", async () => {
    const billing = (await client.kafkaGroups('events')).groups.find((g) => g.groupId === 'billing');
    assert.ok(billing, 'the group is listed');
    assert.equal(billing.state, 'Empty');
    assert.deepEqual(billing.offsets, [
      { topic: 'orders', partition: 0, committed: 10, end: 10, lag: 0 },
      { topic: 'orders', partition: 1, committed: 4, end: 10, lag: 6 },
      { topic: 'orders', partition: 2, committed: null, end: 11, lag: null },
    ]);
    assert.equal(billing.lag, 6);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: 'orders',
      acks: -1,
      messages: Array.from({ length: 5 }, (_, i) => ({ partition: 0, value: `late ${i}` })),
    });
    await producer.disconnect();
    const later = (await client.kafkaGroups('events')).groups.find((g) => g.groupId === 'billing')!;
    assert.deepEqual(later.offsets[0], { topic: 'orders', partition: 0, committed: 10, end: 15, lag: 5 });
    assert.equal(later.lag, 11);
  });

  it('browses the latest N messages of a partition: key, value and headers; binary as base64', async () => {
    const page = await client.kafkaMessages('events', 'orders', { partition: 1, limit: 3 });
    assert.equal(page.start, 0);
    assert.equal(page.end, 10);
    assert.deepEqual(
      page.messages.map((m) => [m.offset, m.key?.data, m.value?.data]),
      [
        [7, 'k-1-7', 'order 1/7'],
        [8, 'k-1-8', 'order 1/8'],
        [9, 'k-1-9', 'order 1/9'],
      ],
    );
    assert.deepEqual(page.messages[0]!.headers, [
      { key: 'source', value: { encoding: 'utf8', data: 'test', size: 4, truncated: false } },
    ]);
    assert.ok(page.messages[0]!.timestamp > Date.now() - 3_600_000);
    const binary = await client.kafkaMessages('events', 'orders', { partition: 2, limit: 1 });
    assert.equal(binary.messages.length, 1);
    assert.equal(binary.messages[0]!.key, null);
    assert.deepEqual(binary.messages[0]!.value, {
      encoding: 'base64',
      data: Buffer.from([0xff, 0x00, 0xfe]).toString('base64'),
      size: 3,
      truncated: false,
    });
    // Asking for more than the partition holds gives all of it, oldest first.
    const all = await client.kafkaMessages('events', 'orders', { partition: 1, limit: 500 });
    assert.deepEqual(
      all.messages.map((m) => m.offset),
      Array.from({ length: 10 }, (_, i) => i),
    );
    // The browsing consumers' own groups are not listed as the user's.
    const groups = (await client.kafkaGroups('events')).groups.map((g) => g.groupId);
    assert.deepEqual(groups, ['billing']);
  });

  const ordersSummary = async () =>
    (await client.kafkaTopics('events')).topics.find((t) => t.name === 'orders')!;

  it('shows a paused broker leave the in-sync replicas, and come back once it runs again', async () => {
    const svc = await client.getService('events');
    const brokers = (await client.kafkaTopics('events')).brokers;
    const task = svc.tasks[2]!;
    const paused = brokers.find((b) => b.host === task.host && task.ports.includes(b.port))!;
    assert.ok(paused, `a broker at ${task.host}`);
    const fault = await client.injectFault({ kind: 'pause', tasks: [task.id], durationS: 120 });
    try {
      // The controller fences the silent broker and takes it out of every ISR; a request that meets
      // it meanwhile answers a coded error in bounded time, never hangs (waitFor retries those).
      // Each request reads the metadata of the broker it reaches, and brokers learn the new ISRs
      // one after the other: the topic and the list are each waited for.
      const shrunk = await waitFor(
        async () => {
          const t = await client.kafkaTopic('events', 'orders');
          return t.partitions.every((p) => !p.isr.includes(paused.nodeId) && p.leader !== paused.nodeId)
            ? t
            : null;
        },
        90_000,
        `broker ${paused.nodeId} to leave the ISRs`,
      );
      for (const p of shrunk.partitions) assert.equal(p.isr.length, 2);
      await waitFor(async () => (await ordersSummary()).underReplicated === 3, 30_000, 'the list to count 3');
    } finally {
      await client.healFault(fault.id);
    }
    await waitFor(
      async () => {
        const t = await client.kafkaTopic('events', 'orders');
        return t.partitions.every((p) => p.isr.length === 3);
      },
      90_000,
      'every ISR to be whole again',
    );
    // CI once read 3 here from a broker that had not yet learned what the topic's answer showed.
    await waitFor(async () => (await ordersSummary()).underReplicated === 0, 30_000, 'the list to count 0');
  });

  it('refuses with coded errors: unknown topic or partition, a limit past the cap, a service that is not Kafka', async () => {
    await assert.rejects(client.kafkaTopic('events', 'nope'), { code: 'KAFKA_TOPIC_NOT_FOUND' });
    await assert.rejects(client.kafkaMessages('events', 'orders', { partition: 7 }), {
      code: 'KAFKA_PARTITION_NOT_FOUND',
    });
    await assert.rejects(client.kafkaMessages('events', 'orders', { partition: 0, limit: 501 }), {
      code: 'VALIDATION_FAILED',
    });
    await assert.rejects(client.kafkaTopics('cache'), { code: 'SERVICE_NOT_KAFKA' });
    await assert.rejects(client.kafkaTopics('missing'), { code: 'SERVICE_NOT_FOUND' });
  });

  it("answers another tenant's token with not found, never the topics", async () => {
    await home.ok(['tenant', 'create', 'other']);
    const token = (await home.ok(['token', 'create', '--tenant', 'other', '--role', 'tenant-admin'])).trim();
    const other = new FlotillaClient(home.daemonInfo()!.address, { token });
    await assert.rejects(other.kafkaTopics('events'), { code: 'SERVICE_NOT_FOUND' });
    await assert.rejects(other.kafkaMessages('events', 'orders', { partition: 0 }), {
      code: 'SERVICE_NOT_FOUND',
    });
  });
});
