import { bad, num, only, str } from '../experiment.js';

/** The Kafka workload of an experiment file (docs/failure-lab.md#workloads-and-checkers-and-what-they-guarantee). */
export interface KafkaWorkload {
  kind: 'kafka';
  /** The Kafka service whose `bootstrap` endpoint the producer and consumer use. */
  service: string;
  /** Default: `flotilla-lab-<time>`, a fresh topic per run, so nothing of an earlier run is read back. */
  topic: string | null;
  rate: number;
  acks: 'all' | '1' | '0';
  idempotence: boolean;
  partitions: number;
  replicationFactor: number;
  minInsyncReplicas: number;
  /** Further topic configs (`unclean.leader.election.enable: 'true'`). */
  topicConfigs: Record<string, string>;
  /** How many distinct keys the values are spread over (key n % keys). */
  keys: number;
}

const TOPIC = /^[A-Za-z0-9._-]{1,200}$/;
const CONFIG_KEY = /^[a-z][a-z0-9.]{0,100}$/;

export function parseKafkaWorkload(w: Record<string, unknown>, rate: number): KafkaWorkload {
  only(w, 'workload', [
    'kind',
    'service',
    'topic',
    'rate',
    'acks',
    'idempotence',
    'partitions',
    'replicationFactor',
    'minInsyncReplicas',
    'topicConfigs',
    'keys',
  ]);
  const topic = w.topic === undefined ? null : str(w.topic, 'workload.topic');
  if (topic !== null && !TOPIC.test(topic))
    throw bad('workload.topic', "letters, digits, '.', '_' and '-' only (Kafka's rule for topic names)");
  const acks = w.acks === undefined ? 'all' : String(w.acks);
  if (acks !== 'all' && acks !== '1' && acks !== '0') throw bad('workload.acks', 'must be all, 1 or 0');
  if (w.idempotence !== undefined && typeof w.idempotence !== 'boolean')
    throw bad('workload.idempotence', 'must be true or false');
  const idempotence = (w.idempotence as boolean | undefined) ?? acks === 'all';
  // Kafka's producer refuses the pair (ConfigException): say so before anything runs.
  if (idempotence && acks !== 'all')
    throw bad(
      'workload.idempotence',
      `an idempotent producer needs acks: all; set idempotence: false with acks: ${acks}`,
    );
  const replicationFactor =
    w.replicationFactor === undefined ? 3 : num(w.replicationFactor, 'workload.replicationFactor', 1, 16);
  const minInsyncReplicas =
    w.minInsyncReplicas === undefined
      ? Math.min(2, replicationFactor)
      : num(w.minInsyncReplicas, 'workload.minInsyncReplicas', 1, replicationFactor);
  const topicConfigs: Record<string, string> = {};
  if (w.topicConfigs !== undefined) {
    if (typeof w.topicConfigs !== 'object' || w.topicConfigs === null || Array.isArray(w.topicConfigs))
      throw bad(
        'workload.topicConfigs',
        "must be a mapping of Kafka topic configs ('unclean.leader.election.enable': 'true')",
      );
    for (const [k, v] of Object.entries(w.topicConfigs)) {
      if (!CONFIG_KEY.test(k)) throw bad(`workload.topicConfigs.${k}`, 'not a Kafka config name');
      if (k === 'min.insync.replicas')
        throw bad(`workload.topicConfigs.${k}`, 'set workload.minInsyncReplicas instead');
      if (!['string', 'number', 'boolean'].includes(typeof v))
        throw bad(`workload.topicConfigs.${k}`, 'must be a string, a number or true/false');
      topicConfigs[k] = String(v);
    }
  }
  return {
    kind: 'kafka',
    service: str(w.service, 'workload.service'),
    topic,
    rate,
    acks,
    idempotence,
    partitions: w.partitions === undefined ? 3 : Math.floor(num(w.partitions, 'workload.partitions', 1, 100)),
    replicationFactor: Math.floor(replicationFactor),
    minInsyncReplicas: Math.floor(minInsyncReplicas),
    topicConfigs,
    keys: w.keys === undefined ? 64 : Math.floor(num(w.keys, 'workload.keys', 1, 100_000)),
  };
}

/** The `produce`/`create` arguments of Workload.java for this workload. */
export function topicArgs(w: KafkaWorkload, bootstrap: string, topic: string): string[] {
  return [
    '--bootstrap',
    bootstrap,
    '--topic',
    topic,
    '--partitions',
    String(w.partitions),
    '--replication-factor',
    String(w.replicationFactor),
    '--config',
    `min.insync.replicas=${w.minInsyncReplicas}`,
    ...Object.entries(w.topicConfigs).flatMap(([k, v]) => ['--config', `${k}=${v}`]),
  ];
}
