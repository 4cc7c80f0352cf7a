import { randomUUID } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import { FlotillaError } from '../../core/errors.js';
import { PAGE_CHARS_MAX, type KafkaMessageView, type KafkaMessagesView } from '../../core/kafka-schemas.js';
import {
  BROWSE_GROUP_PREFIX,
  DEADLINE_MS,
  type KafkaTarget,
  connected,
  mustExist,
  withKafka,
} from './data-client.js';
import { bytesView, latestWindow, newestWithin } from './data-views.js';

const SETTLE_MS = DEADLINE_MS - 4_000;

/** The latest `limit` messages of one partition, oldest first, read with Kafka's consumer API. */
export function latestMessages(
  t: KafkaTarget,
  topic: string,
  partition: number,
  limit: number,
): Promise<KafkaMessagesView> {
  return withKafka(t.service, t.brokers, async (s) => {
    const admin = await connected(s);
    await mustExist(admin, t.service, topic);
    const offsets = await admin.fetchTopicOffsets(topic);
    const p = offsets.find((o) => o.partition === partition);
    if (!p) {
      throw new FlotillaError(
        'KAFKA_PARTITION_NOT_FOUND',
        `topic ${topic} of ${t.service} has partitions 0 to ${offsets.length - 1}, not ${partition}`,
      );
    }
    const start = Number(p.low);
    const end = Number(p.high);
    const window = latestWindow(start, end, limit);
    const base = { topic, partition, start, end };
    if (window.from >= window.end) return { ...base, messages: [], omitted: 0 };

    const consumer = s.track(
      s.kafka.consumer({
        groupId: `${BROWSE_GROUP_PREFIX}${randomUUID()}`,
        maxWaitTimeInMs: 250,
        sessionTimeout: 10_000,
        retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1_000 },
      }),
    );
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const messages: KafkaMessageView[] = [];
    const others = offsets.map((o) => o.partition).filter((n) => n !== partition);
    await new Promise<void>((resolve, reject) => {
      // Transaction markers at the log's end are never delivered, so a fetch can stop short of the
      // end for good: what was read by then is the answer (well before the request's deadline).
      const settle = setTimeout(resolve, SETTLE_MS);
      const done = () => (clearTimeout(settle), resolve());
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch, resolveOffset }) => {
            if (batch.partition !== partition) return;
            for (const m of batch.messages) {
              const offset = Number(m.offset);
              if (offset >= window.from && offset < window.end) messages.push(messageView(m));
              resolveOffset(m.offset);
            }
            // Done once the fetch reached the end seen at the start (transaction markers and
            // compaction leave gaps, so the batch's last offset, not a count, says so).
            const last = Number(batch.lastOffset());
            if (last >= window.end - 1 || Number(batch.highWatermark) <= last + 1) done();
          },
        })
        .then(
          () => {
            if (others.length > 0) consumer.pause([{ topic, partitions: others }]);
            consumer.seek({ topic, partition, offset: String(window.from) });
          },
          (err: unknown) => (clearTimeout(settle), reject(err)),
        );
    });
    // A batch may repeat offsets after a seek; the window keeps each once, oldest first.
    const seen = new Set<number>();
    const unique = messages
      .filter((m) => !seen.has(m.offset) && seen.add(m.offset))
      .sort((a, b) => a.offset - b.offset);
    return { ...base, ...newestWithin(unique, PAGE_CHARS_MAX) };
  });
}

function messageView(m: KafkaMessage): KafkaMessageView {
  const headers: KafkaMessageView['headers'] = [];
  for (const [key, value] of Object.entries(m.headers ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) headers.push({ key, value: bytesView(v) });
  }
  return {
    offset: Number(m.offset),
    timestamp: Number(m.timestamp),
    key: bytesView(m.key),
    value: bytesView(m.value),
    headers,
  };
}
