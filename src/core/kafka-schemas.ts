import { Type, type Static } from '@sinclair/typebox';

/**
 * JSON Schemas of Kafka's data plane on a Kafka service (GET /v1/services/{name}/kafka/...): its
 * topics, partitions, consumer groups with their lag, and the latest messages of a partition, read
 * by the daemon with Kafka's admin and consumer APIs. Offsets are int64 in Kafka; they are JSON
 * numbers here (exact below 2^53, which no log reaches).
 */

/** Messages one browse returns at most, and by default. */
export const MESSAGES_MAX = 500;
export const MESSAGES_DEFAULT = 20;
/** Bytes of one key, value or header value returned at most; the rest is cut (`truncated`). */
export const BYTES_SHOWN_MAX = 16 * 1024;
/** Characters of keys, values and headers one browse returns at most: the oldest go past it. */
export const PAGE_CHARS_MAX = 4 * 1024 * 1024;

export const KafkaTopicParams = Type.Object({ name: Type.String(), topic: Type.String() });
export type KafkaTopicParams = Static<typeof KafkaTopicParams>;

export const KafkaMessagesQuery = Type.Object({
  partition: Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'The partition to read' }),
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MESSAGES_MAX,
      description: `The latest N messages of the partition; default ${MESSAGES_DEFAULT}`,
    }),
  ),
});
export type KafkaMessagesQuery = Static<typeof KafkaMessagesQuery>;

export const KafkaBrokerView = Type.Object({
  nodeId: Type.Integer(),
  host: Type.String(),
  port: Type.Integer(),
});

export const KafkaTopicSummary = Type.Object({
  name: Type.String(),
  /** Kafka's own topics (`__consumer_offsets`, `__transaction_state`…). */
  internal: Type.Boolean(),
  partitions: Type.Integer(),
  replicationFactor: Type.Integer(),
  /** Partitions with fewer in-sync replicas than replicas. */
  underReplicated: Type.Integer(),
  /** Partitions without a leader: unreadable and unwritable until one is elected. */
  offline: Type.Integer(),
  /** Messages retained: the sum over partitions of end offset − start offset. */
  messages: Type.Number(),
});
export type KafkaTopicSummary = Static<typeof KafkaTopicSummary>;

export const KafkaTopicsView = Type.Object({
  brokers: Type.Array(KafkaBrokerView),
  controller: Type.Union([Type.Integer(), Type.Null()]),
  topics: Type.Array(KafkaTopicSummary),
});
export type KafkaTopicsView = Static<typeof KafkaTopicsView>;

export const KafkaPartitionView = Type.Object({
  partition: Type.Integer(),
  /** The leader's node id; null while the partition has none. */
  leader: Type.Union([Type.Integer(), Type.Null()]),
  replicas: Type.Array(Type.Integer()),
  isr: Type.Array(Type.Integer()),
  offlineReplicas: Type.Array(Type.Integer()),
  /** The first offset still retained (log start). */
  start: Type.Number(),
  /** The offset the next message gets (high watermark). */
  end: Type.Number(),
});
export type KafkaPartitionView = Static<typeof KafkaPartitionView>;

export const KafkaTopicView = Type.Object({
  name: Type.String(),
  internal: Type.Boolean(),
  partitions: Type.Array(KafkaPartitionView),
});
export type KafkaTopicView = Static<typeof KafkaTopicView>;

export const KafkaGroupOffsetView = Type.Object({
  topic: Type.String(),
  partition: Type.Integer(),
  /** The group's committed offset; null when it committed none for this partition. */
  committed: Type.Union([Type.Number(), Type.Null()]),
  end: Type.Number(),
  /** end − committed (Kafka's kafka-consumer-groups.sh LAG); null without a committed offset. */
  lag: Type.Union([Type.Number(), Type.Null()]),
});
export type KafkaGroupOffsetView = Static<typeof KafkaGroupOffsetView>;

export const KafkaGroupView = Type.Object({
  groupId: Type.String(),
  /** Kafka's group state: Stable, Empty, PreparingRebalance, CompletingRebalance, Dead. */
  state: Type.String(),
  protocol: Type.String(),
  members: Type.Array(
    Type.Object({
      memberId: Type.String(),
      clientId: Type.String(),
      clientHost: Type.String(),
    }),
  ),
  offsets: Type.Array(KafkaGroupOffsetView),
  /** The sum of the partitions' lag (those with a committed offset). */
  lag: Type.Number(),
});
export type KafkaGroupView = Static<typeof KafkaGroupView>;

export const KafkaGroupsView = Type.Object({ groups: Type.Array(KafkaGroupView) });
export type KafkaGroupsView = Static<typeof KafkaGroupsView>;

/** Bytes as text when they are UTF-8, else base64; cut at BYTES_SHOWN_MAX. */
export const KafkaBytesView = Type.Object({
  encoding: Type.Union([Type.Literal('utf8'), Type.Literal('base64')]),
  data: Type.String(),
  /** The length in bytes before any cut. */
  size: Type.Integer(),
  truncated: Type.Boolean(),
});
export type KafkaBytesView = Static<typeof KafkaBytesView>;

export const KafkaMessageView = Type.Object({
  offset: Type.Number(),
  /** Milliseconds since the epoch (the record's timestamp). */
  timestamp: Type.Number(),
  key: Type.Union([KafkaBytesView, Type.Null()]),
  value: Type.Union([KafkaBytesView, Type.Null()]),
  headers: Type.Array(Type.Object({ key: Type.String(), value: Type.Union([KafkaBytesView, Type.Null()]) })),
});
export type KafkaMessageView = Static<typeof KafkaMessageView>;

export const KafkaMessagesView = Type.Object({
  topic: Type.String(),
  partition: Type.Integer(),
  start: Type.Number(),
  end: Type.Number(),
  /** Oldest first: the messages at offsets [max(start, end − limit), end). */
  messages: Type.Array(KafkaMessageView),
  /** Older messages of that window left out to keep the answer under 4 MiB of text. */
  omitted: Type.Integer(),
});
export type KafkaMessagesView = Static<typeof KafkaMessagesView>;
