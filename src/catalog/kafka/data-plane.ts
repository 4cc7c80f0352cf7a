import type { Admin } from 'kafkajs';
import type {
  KafkaGroupView,
  KafkaGroupsView,
  KafkaPartitionView,
  KafkaTopicView,
  KafkaTopicsView,
} from '../../core/kafka-schemas.js';
import { BROWSE_GROUP_PREFIX, type KafkaTarget, connected, mustExist, withKafka } from './data-client.js';
import { isInternalTopic, offsetOf, partitionLag, topicSummary, totalLag } from './data-views.js';

/** Every topic with its partition count, replication, under-replicated and offline partitions. */
export function listTopics(t: KafkaTarget): Promise<KafkaTopicsView> {
  return withKafka(t.service, t.brokers, async (s) => {
    const admin = await connected(s);
    const cluster = await admin.describeCluster();
    const names = (await admin.listTopics()).sort();
    const partitions = await topicPartitions(admin, names);
    return {
      brokers: cluster.brokers
        .map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port }))
        .sort((a, b) => a.nodeId - b.nodeId),
      controller: cluster.controller ?? null,
      topics: names.map((n) => topicSummary(n, partitions.get(n) ?? [])),
    };
  });
}

/** One topic's partitions: leader, replicas, in-sync replicas, start and end offsets. */
export function describeTopic(t: KafkaTarget, topic: string): Promise<KafkaTopicView> {
  return withKafka(t.service, t.brokers, async (s) => {
    const admin = await connected(s);
    await mustExist(admin, t.service, topic);
    const partitions = (await topicPartitions(admin, [topic])).get(topic) ?? [];
    return { name: topic, internal: isInternalTopic(topic), partitions };
  });
}

/**
 * Every consumer group (but the console's own browsing groups) with its members and, for each
 * partition it committed on, the committed offset, the end offset and the lag.
 */
export function listGroups(t: KafkaTarget): Promise<KafkaGroupsView> {
  return withKafka(t.service, t.brokers, async (s) => {
    const admin = await connected(s);
    const ids = (await admin.listGroups()).groups
      .map((g) => g.groupId)
      .filter((id) => !id.startsWith(BROWSE_GROUP_PREFIX))
      .sort();
    if (ids.length === 0) return { groups: [] };
    const described = new Map((await admin.describeGroups(ids)).groups.map((g) => [g.groupId, g]));
    const ends = new Map<string, Map<number, number>>();
    const endsOf = async (topic: string) => {
      let m = ends.get(topic);
      if (!m) {
        m = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
        ends.set(topic, m);
      }
      return m;
    };
    const groups: KafkaGroupView[] = [];
    for (const groupId of ids) {
      const d = described.get(groupId);
      const committed = await admin.fetchOffsets({ groupId });
      const offsets: KafkaGroupView['offsets'] = [];
      // Every partition of a topic the group committed on, the ones it has not reached too.
      for (const { topic, partitions } of committed.sort((a, b) => a.topic.localeCompare(b.topic))) {
        const end = await endsOf(topic);
        const byPartition = new Map(partitions.map((p) => [p.partition, offsetOf(p.offset)]));
        for (const [partition, e] of [...end].sort((a, b) => a[0] - b[0])) {
          const c = byPartition.get(partition) ?? null;
          offsets.push({ topic, partition, committed: c, end: e, lag: partitionLag(c, e) });
        }
      }
      groups.push({
        groupId,
        state: d?.state ?? 'Unknown',
        protocol: d?.protocol ?? '',
        members: (d?.members ?? []).map((m) => ({
          memberId: m.memberId,
          clientId: m.clientId,
          clientHost: m.clientHost,
        })),
        offsets,
        lag: totalLag(offsets),
      });
    }
    return { groups };
  });
}

/** The partitions of `topics` from one metadata request and each topic's offsets. */
async function topicPartitions(admin: Admin, topics: string[]): Promise<Map<string, KafkaPartitionView[]>> {
  const out = new Map<string, KafkaPartitionView[]>();
  if (topics.length === 0) return out;
  const meta = await admin.fetchTopicMetadata({ topics });
  await Promise.all(
    meta.topics.map(async (m) => {
      const offsets = new Map((await admin.fetchTopicOffsets(m.name)).map((o) => [o.partition, o]));
      const partitions = m.partitions
        .map((p): KafkaPartitionView => {
          const o = offsets.get(p.partitionId);
          return {
            partition: p.partitionId,
            leader: p.leader >= 0 ? p.leader : null,
            replicas: p.replicas,
            isr: p.isr,
            offlineReplicas: p.offlineReplicas ?? [],
            start: o ? Number(o.low) : 0,
            end: o ? Number(o.high) : 0,
          };
        })
        .sort((a, b) => a.partition - b.partition);
      out.set(m.name, partitions);
    }),
  );
  return out;
}
