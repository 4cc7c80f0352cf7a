import type { EndpointContext } from '../package.js';
import type { KafkaTopic } from './options.js';

/**
 * Creates the topics the stack declares, once the brokers are ready; grows a topic's partitions when
 * the declaration asks for more. Idempotent: applying the same declaration again changes nothing.
 */
export async function ensureTopics(
  bootstrap: string[],
  topics: KafkaTopic[],
  ctx: EndpointContext,
): Promise<void> {
  if (topics.length === 0) return;
  // Loaded on first use: kafkajs adds ~13 MB to a daemon that may never run Kafka.
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({
    clientId: `flotilla-${ctx.tenant}-${ctx.service}`,
    brokers: bootstrap,
    logLevel: logLevel.NOTHING,
    retry: { retries: 5, initialRetryTime: 300 },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.name));
    if (missing.length > 0) {
      await admin
        .createTopics({
          waitForLeaders: true,
          topics: missing.map((t) => ({
            topic: t.name,
            numPartitions: t.partitions,
            replicationFactor: t.replicationFactor,
            configEntries: Object.entries(t.configs).map(([name, value]) => ({ name, value })),
          })),
        })
        .catch((err: unknown) => {
          throw new Error(`creating topics: ${brokerReasons(err)}`);
        });
    }
    const present = topics.filter((t) => existing.has(t.name));
    if (present.length === 0) return;
    const meta = await admin.fetchTopicMetadata({ topics: present.map((t) => t.name) });
    const grow = present.filter((t) => {
      const now = meta.topics.find((m) => m.name === t.name)?.partitions.length ?? t.partitions;
      return now < t.partitions;
    });
    if (grow.length > 0) {
      await admin.createPartitions({
        topicPartitions: grow.map((t) => ({ topic: t.name, count: t.partitions })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}

/** What each broker said, instead of kafkajs' "Topic creation errors" (its per-topic errors are inside). */
function brokerReasons(err: unknown): string {
  const inner = (err as { errors?: unknown }).errors;
  if (!Array.isArray(inner) || inner.length === 0) return err instanceof Error ? err.message : String(err);
  return inner
    .map((e: { topic?: string; message?: string }) => `${e.topic ?? '?'}: ${e.message ?? String(e)}`)
    .join('; ');
}
