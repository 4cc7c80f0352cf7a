import { CONTROLLER_ID_BASE } from '../catalog/kafka/topology.js';
import type { TaskRecord } from '../core/task.js';
import { leaderOf } from '../faults/leader.js';
import { kafkaTool, runTool } from '../lab/kafka/java.js';
import type { Store } from '../state/store.js';

/**
 * `pick: leader` for the fault engine: asks the service which of its tasks leads. ZooKeeper answers a
 * four-letter word (faults/leader.ts); Kafka is asked through its own Admin client (Workload.java
 * `leader`): the KRaft quorum's leader (the active controller), or in ZooKeeper mode the controller.
 */
export function serviceLeader(
  store: Store,
  artifactsDir: string,
): (candidates: TaskRecord[]) => Promise<TaskRecord | null> {
  return async (candidates) => {
    const first = candidates[0];
    const service = first ? store.services.get(first.tenant, first.owner) : undefined;
    if (!service) return null;
    if (service.package !== 'kafka') return leaderOf(service.package, candidates);
    const brokers = candidates.filter((t) => t.role === 'broker' && t.handle !== null);
    if (brokers.length === 0) return null;
    const tool = await kafkaTool(artifactsDir, service.version);
    const bootstrap = brokers.map((t) => `${t.host}:${t.ports[0]}`).join(',');
    const lines = await runTool(tool, ['leader', '--bootstrap', bootstrap], 60_000).catch(() => []);
    const id = lines.find((l) => l.type === 'leader')?.controller;
    if (typeof id !== 'number') return null;
    return candidates.find((t) => kafkaNodeId(t) === id) ?? null;
  };
}

/** node.id / broker.id as the Kafka package renders them (catalog/kafka/topology.ts). */
function kafkaNodeId(t: TaskRecord): number {
  return t.role === 'controller' ? CONTROLLER_ID_BASE + t.index : t.index;
}
