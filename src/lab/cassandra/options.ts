import type { Obj } from '../experiment.js';
import { bad, num, only, str } from '../experiment.js';

export const CONSISTENCY_LEVELS = ['ONE', 'TWO', 'QUORUM', 'LOCAL_QUORUM', 'ALL'] as const;
export type Consistency = (typeof CONSISTENCY_LEVELS)[number];

/**
 * Writes of fresh keys (and reads of acknowledged ones) at one consistency level, through the
 * DataStax driver to every node of a Cassandra service, into a table of the run's own in the
 * keyspace `flotilla_lab` (replication factor as asked).
 */
export interface CassandraWorkload {
  kind: 'cassandra';
  service: string;
  rate: number;
  consistency: Consistency;
  replicationFactor: number;
  /** One in this many operations is a read of an acknowledged key, the rest writes. */
  readEvery: number;
}

export function parseCassandraWorkload(w: Obj, rate: number): CassandraWorkload {
  only(w, 'workload', ['kind', 'service', 'rate', 'consistency', 'replicationFactor', 'readEvery']);
  const consistency = w.consistency ?? 'QUORUM';
  if (!CONSISTENCY_LEVELS.includes(consistency as Consistency))
    throw bad('workload.consistency', `must be one of ${CONSISTENCY_LEVELS.join(', ')}`);
  return {
    kind: 'cassandra',
    service: str(w.service, 'workload.service'),
    rate,
    consistency: consistency as Consistency,
    replicationFactor:
      w.replicationFactor === undefined ? 3 : num(w.replicationFactor, 'workload.replicationFactor', 1, 9),
    readEvery: w.readEvery === undefined ? 4 : num(w.readEvery, 'workload.readEvery', 1, 1000),
  };
}
