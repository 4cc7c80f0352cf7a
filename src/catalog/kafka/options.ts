import { portOption } from '../schema.js';

export type KafkaMode = 'kraft' | 'zookeeper';

export interface KafkaTopic {
  name: string;
  partitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
}

export interface KafkaOptions {
  brokers: number;
  mode: KafkaMode;
  /** ZooKeeper connection string, chroot included when the user gave one (zookeeper mode only). */
  zookeeper?: string;
  /** KRaft: 0 = the brokers are the controllers too; N = N separate controller tasks. */
  controllers: number;
  partitions: number;
  replicationFactor: number;
  minInsyncReplicas: number;
  heapMb: number;
  port: number;
  controllerPort: number;
  /** Topics to create once the cluster is ready, with every default filled in. */
  topics: KafkaTopic[];
  cpus: number;
  mem: number;
}

export const MAX_BROKERS = 16;
/** Memory beyond the heap: metaspace, threads, network and compression buffers. */
export const OFF_HEAP_MB = 384;

/** One source for the schema's defaults and `readOptions`'s fallbacks. */
export const DEFAULTS = {
  brokers: 3,
  controllers: 0,
  partitions: 3,
  heapMb: 512,
  port: 0,
  controllerPort: 0,
  cpus: 1,
} as const;

const HOST_PORT = '(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}';
/** host:port[,host:port...][/chroot]: also what keeps a newline out of server.properties. */
export const ZK_CONNECT = `^${HOST_PORT}(,${HOST_PORT})*(/[A-Za-z0-9._/-]*)?$`;
/** Kafka's own rule for topic names (Topic.validate), minus "." and "..". */
const TOPIC_NAME = '^(?!\\.\\.?$)[A-Za-z0-9._-]{1,249}$';

/** The options schema of one Kafka major version: 3.x offers ZooKeeper mode, 4.x does not. */
export function optionsSchema(major: number): Record<string, unknown> {
  const zkNote =
    major >= 4
      ? 'Kafka 4 runs KRaft only: "zookeeper" is refused (ZooKeeper mode was removed in Kafka 4.0).'
      : 'Default: "zookeeper" when the zookeeper option is given, else "kraft".';
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      brokers: {
        type: 'integer',
        minimum: 1,
        maximum: MAX_BROKERS,
        default: DEFAULTS.brokers,
        description: 'Brokers, one per node.',
      },
      mode: {
        type: 'string',
        enum: ['kraft', 'zookeeper'],
        description: `Where the cluster keeps its metadata. ${zkNote}`,
      },
      zookeeper: {
        type: 'string',
        pattern: ZK_CONNECT,
        examples: ['127.0.10.1:2181,127.0.10.2:2181', '${zk.connect}'],
        description:
          'ZooKeeper connection string (zookeeper mode), normally ${<zk service>.connect}. Without a ' +
          'chroot, the cluster keeps its data under /flotilla/<tenant>/<service> so clusters can share it.',
      },
      controllers: {
        type: 'integer',
        enum: [0, 1, 3, 5],
        default: DEFAULTS.controllers,
        description:
          'KRaft: 0 makes the first 3 brokers (1 if fewer than 3) controllers too; 1, 3 or 5 run that ' +
          'many separate controller tasks (the voter set is fixed: choose it before the cluster grows).',
      },
      partitions: {
        type: 'integer',
        minimum: 1,
        maximum: 10000,
        default: DEFAULTS.partitions,
        description: 'num.partitions: partitions of an automatically created topic.',
      },
      replicationFactor: {
        type: 'integer',
        minimum: 1,
        maximum: MAX_BROKERS,
        description: 'default.replication.factor; default min(3, brokers).',
      },
      minInsyncReplicas: {
        type: 'integer',
        minimum: 1,
        maximum: MAX_BROKERS,
        description: 'min.insync.replicas; default min(2, brokers).',
      },
      heapMb: {
        type: 'integer',
        minimum: 128,
        default: DEFAULTS.heapMb,
        description: 'JVM heap per task, in MB.',
      },
      port: portOption(
        "Every broker's client port (each binds its own node's address); 0 assigns free ones.",
      ),
      controllerPort: portOption('KRaft controller port of every controller; 0 assigns free ones.'),
      topics: {
        type: 'array',
        default: [],
        description: 'Topics created once the cluster is ready.',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: {
            name: { type: 'string', pattern: TOPIC_NAME, examples: ['orders'] },
            partitions: {
              type: 'integer',
              minimum: 1,
              maximum: 10000,
              description: 'Default: the partitions option.',
            },
            replicationFactor: {
              type: 'integer',
              minimum: 1,
              maximum: MAX_BROKERS,
              description: 'Default: the replicationFactor option.',
            },
            configs: {
              type: 'object',
              propertyNames: { pattern: '^[a-z][a-z0-9.]*$' },
              additionalProperties: { type: 'string' },
              examples: [{ 'min.insync.replicas': '2', 'retention.ms': '3600000' }],
              description: 'Topic-level configs, as strings.',
            },
          },
        },
      },
      cpus: {
        type: 'number',
        exclusiveMinimum: 0,
        default: DEFAULTS.cpus,
        description: 'CPU shares per task.',
      },
      mem: {
        type: 'integer',
        minimum: 192,
        description: `Memory per task, in MB; default heapMb + ${OFF_HEAP_MB}.`,
      },
    },
  };
}
