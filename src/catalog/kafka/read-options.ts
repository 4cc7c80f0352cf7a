import { FlotillaError } from '../../core/errors.js';
import { DEFAULTS, type KafkaMode, type KafkaOptions, type KafkaTopic, OFF_HEAP_MB } from './options.js';

function invalid(message: string): FlotillaError {
  return new FlotillaError('PACKAGE_OPTIONS_INVALID', message);
}

/** The options' mode, refusing combinations that JSON Schema cannot express with a useful message. */
function modeOf(o: Partial<KafkaOptions>, version: string): KafkaMode {
  const major = Number(version.split('.')[0]);
  if (major >= 4) {
    if (o.mode === 'zookeeper' || o.zookeeper !== undefined) {
      throw invalid(
        `kafka ${version} has no ZooKeeper mode (Kafka 4.0 removed it): drop the "mode: zookeeper" and ` +
          '"zookeeper" options to run KRaft, or choose kafka version 3.9.1 to keep ZooKeeper',
      );
    }
    return 'kraft';
  }
  const mode = o.mode ?? (o.zookeeper !== undefined ? 'zookeeper' : 'kraft');
  if (mode === 'zookeeper' && o.zookeeper === undefined) {
    throw invalid(
      'option "mode" of package kafka is "zookeeper" but no "zookeeper" connection string is given: ' +
        'add zookeeper: ${<zk service>.connect}, or use mode "kraft"',
    );
  }
  if (mode === 'kraft' && o.zookeeper !== undefined) {
    throw invalid(
      'option "zookeeper" of package kafka is only used in mode "zookeeper": drop it to run KRaft, or set mode "zookeeper"',
    );
  }
  if (mode === 'zookeeper' && (o.controllers ?? 0) > 0) {
    throw invalid('option "controllers" of package kafka applies to KRaft only: drop it in mode "zookeeper"');
  }
  return mode;
}

function atMost(name: string, value: number, limitName: string, limit: number): void {
  if (value > limit) {
    throw invalid(`option "${name}" of package kafka (${value}) cannot exceed "${limitName}" (${limit})`);
  }
}

function readTopics(
  given: unknown,
  o: { brokers: number; partitions: number; replicationFactor: number },
): KafkaTopic[] {
  const topics = (Array.isArray(given) ? given : []) as Partial<KafkaTopic>[];
  const seen = new Set<string>();
  return topics.map((t, i) => {
    const name = t.name as string;
    if (seen.has(name)) throw invalid(`option "topics.${i}.name" of package kafka repeats topic "${name}"`);
    seen.add(name);
    const replicationFactor = t.replicationFactor ?? o.replicationFactor;
    atMost(`topics.${i}.replicationFactor`, replicationFactor, 'brokers', o.brokers);
    return {
      name,
      partitions: t.partitions ?? o.partitions,
      replicationFactor,
      configs: { ...(t.configs ?? {}) },
    };
  });
}

/**
 * Typed view of options that `validateOptions` has already checked and defaulted, with the defaults
 * that depend on other options filled in. Throws PACKAGE_OPTIONS_INVALID for combinations the schema
 * cannot rule out (it runs at every deploy, through layout).
 */
export function readOptions(options: Record<string, unknown>, version: string): KafkaOptions {
  const o = options as Partial<KafkaOptions>;
  const mode = modeOf(o, version);
  const brokers = o.brokers ?? DEFAULTS.brokers;
  const heapMb = o.heapMb ?? DEFAULTS.heapMb;
  const replicationFactor = o.replicationFactor ?? Math.min(3, brokers);
  const minInsyncReplicas = o.minInsyncReplicas ?? Math.min(2, brokers);
  atMost('replicationFactor', replicationFactor, 'brokers', brokers);
  atMost('minInsyncReplicas', minInsyncReplicas, 'replicationFactor', replicationFactor);
  const mem = o.mem ?? heapMb + OFF_HEAP_MB;
  if (mem <= heapMb) {
    throw invalid(
      `option "mem" of package kafka (${mem}) must exceed "heapMb" (${heapMb}): the JVM needs memory beyond its heap; leave mem unset for heapMb + ${OFF_HEAP_MB}`,
    );
  }
  const port = o.port ?? DEFAULTS.port;
  const controllerPort = o.controllerPort ?? DEFAULTS.controllerPort;
  if (mode === 'kraft' && port !== 0 && port === controllerPort) {
    throw invalid(
      `options "port" and "controllerPort" of package kafka are both ${port}: a combined broker and controller binds both on one address`,
    );
  }
  const partitions = o.partitions ?? DEFAULTS.partitions;
  const out: KafkaOptions = {
    brokers,
    mode,
    controllers: mode === 'kraft' ? (o.controllers ?? DEFAULTS.controllers) : 0,
    partitions,
    replicationFactor,
    minInsyncReplicas,
    heapMb,
    port,
    controllerPort,
    topics: readTopics(o.topics, { brokers, partitions, replicationFactor }),
    cpus: o.cpus ?? DEFAULTS.cpus,
    mem,
  };
  if (mode === 'zookeeper') out.zookeeper = o.zookeeper as string;
  return out;
}
