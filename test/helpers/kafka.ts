import { waitFor } from './flotilla.js';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type Producer } from 'kafkajs';

export function kafkaClient(bootstrap: string, clientId = 'flotilla-test'): Kafka {
  return new Kafka({
    clientId,
    brokers: bootstrap.split(',').map((s) => s.trim()),
    logLevel: logLevel.NOTHING,
    retry: { retries: 10, initialRetryTime: 200 },
  });
}

/** Sends `count` keyed messages with acks=all in batches; returns what was acknowledged. */
export async function produceKeyed(
  producer: Producer,
  topic: string,
  from: number,
  count: number,
): Promise<number[]> {
  const acked: number[] = [];
  for (let i = from; i < from + count; i += 500) {
    const batch = Array.from({ length: Math.min(500, from + count - i) }, (_, j) => i + j);
    await producer.send({
      topic,
      acks: -1,
      messages: batch.map((n) => ({ key: `key-${n % 97}`, value: String(n) })),
    });
    acked.push(...batch);
  }
  return acked;
}

/**
 * Reads the topic from the beginning until every value of `wanted` was seen (the topic may hold more:
 * a send that failed may still have been written).
 */
export async function consumeAll(
  kafka: Kafka,
  topic: string,
  wanted: number[],
  timeoutMs = 60_000,
): Promise<{ values: Set<number>; partitionsByKey: Map<string, Set<number>> }> {
  const consumer = kafka.consumer({ groupId: `check-${topic}-${Date.now()}` });
  const values = new Set<number>();
  const partitionsByKey = new Map<string, Set<number>>();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const missing = new Set(wanted);
      const timer = setTimeout(
        () => reject(new Error(`${missing.size} of ${wanted.length} acknowledged messages never arrived`)),
        timeoutMs,
      );
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const key = message.key!.toString();
          const set = partitionsByKey.get(key) ?? new Set<number>();
          set.add(partition);
          partitionsByKey.set(key, set);
          const value = Number(message.value!.toString());
          values.add(value);
          missing.delete(value);
          if (missing.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return { values, partitionsByKey };
}

/**
 * Creates a topic and waits until every partition's leader serves it: right after creation a broker
 * can still answer "does not host this topic-partition" while metadata propagates.
 */
export async function createTopic(
  kafka: Kafka,
  topic: string,
  partitions: number,
  replicationFactor: number,
  configs: Record<string, string> = {},
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // kafkajs' own waitForLeaders gives up on UNKNOWN_TOPIC_OR_PARTITION while a KRaft cluster is still
    // spreading the new topic's metadata; the loop below waits for every leader instead.
    await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions: partitions,
          replicationFactor,
          configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })),
        },
      ],
      waitForLeaders: false,
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const offsets = await admin.fetchTopicOffsets(topic);
        if (offsets.length === partitions) return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
      if (Date.now() > deadline)
        throw new Error(`topic ${topic} has no leader for every partition after 30 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * The stack declared `topic`: it exists with `partitions` partitions of `replicas` replicas each, at
 * once — `up --wait` returns only once a service's post-ready steps (its declared topics) are done.
 */
export async function assertDeclaredTopic(
  bootstrap: string,
  topic: string,
  partitions: number,
  replicas: number,
): Promise<void> {
  const admin = kafkaClient(bootstrap).admin();
  await admin.connect();
  try {
    // A broker learns of a new topic from the controller a moment after it is created: Kafka's
    // UNKNOWN_TOPIC_OR_PARTITION is retriable, and clients retry it as this does.
    const meta = await waitFor(
      () => admin.fetchTopicMetadata({ topics: [topic] }),
      15_000,
      `every broker to know topic ${topic}`,
    );
    assert.equal(meta.topics[0]?.partitions.length, partitions, `topic ${topic}'s partitions`);
    assert.ok(meta.topics[0]!.partitions.every((p) => p.replicas.length === replicas));
  } finally {
    await admin.disconnect();
  }
}

/** 10,000 keyed messages with acks=all into a new 6-partition RF-3 topic, all read back, each key in one partition. */
export async function assertKeyedRoundTrip(bootstrap: string, topic: string): Promise<void> {
  const kafka = kafkaClient(bootstrap);
  await createTopic(kafka, topic, 6, 3);
  const producer = kafka.producer();
  await producer.connect();
  const acked = await produceKeyed(producer, topic, 0, 10_000);
  await producer.disconnect();
  const { values, partitionsByKey } = await consumeAll(kafka, topic, acked);
  assert.equal(values.size, 10_000);
  for (const [key, partitions] of partitionsByKey)
    assert.equal(partitions.size, 1, `${key} in ${[...partitions]}`);
}

/**
 * Commits a consumer group's offsets on `topic` (partition → offset). A new cluster's group
 * coordinator (the offsets topic) may still be loading: Kafka says NOT_COORDINATOR until it is, and
 * a client asks again.
 */
export async function commitOffsets(
  kafka: Kafka,
  groupId: string,
  topic: string,
  offsets: Record<number, number>,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const partitions = Object.entries(offsets).map(([p, o]) => ({ partition: Number(p), offset: String(o) }));
    await waitFor(
      async () => {
        await admin.setOffsets({ groupId, topic, partitions });
        return true;
      },
      60_000,
      'the group coordinator to take the commit',
    );
  } finally {
    await admin.disconnect();
  }
}
