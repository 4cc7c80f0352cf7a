import { CONTROLLER_ID_BASE } from '../catalog/kafka/topology.js';
import { masterState } from '../catalog/spark/status.js';
import { FlotillaError } from '../core/errors.js';
import type { FaultRequest } from '../core/fault.js';
import type { TaskRecord } from '../core/task.js';
import { leaderOf } from '../faults/leader.js';
import { kafkaTool, runTool } from '../lab/kafka/java.js';
import type { Store } from '../state/store.js';

/**
 * `pick: leader` for the fault engine: asks the service which of its tasks leads. ZooKeeper answers a
 * four-letter word (faults/leader.ts); Kafka is asked through its own Admin client (Workload.java
 * `leader`): the KRaft quorum's leader (the active controller), or in ZooKeeper mode the controller;
 * with `of`, the leader of that topic's partition. Spark standalone: the master whose web UI's
 * `/json/` says `ALIVE` (a standby master says `STANDBY`).
 */
export function serviceLeader(
  store: Store,
  artifactsDir: string,
): (candidates: TaskRecord[], of?: FaultRequest['leaderOf']) => Promise<TaskRecord | null> {
  return async (candidates, of) => {
    const first = candidates[0];
    const service = first ? store.services.get(first.tenant, first.owner) : undefined;
    if (!service) return null;
    if (of && service.package !== 'kafka')
      throw new FlotillaError(
        'FAULT_INVALID',
        `leaderOf: names a Kafka topic's partition; ${service.name} is a ${service.package} service`,
        { field: 'leaderOf' },
      );
    if (service.package === 'spark') return sparkLeader(candidates);
    if (service.package !== 'kafka') return leaderOf(service.package, candidates);
    const brokers = candidates.filter((t) => t.role === 'broker' && t.handle !== null);
    if (brokers.length === 0) return null;
    const tool = await kafkaTool(artifactsDir, service.version);
    const bootstrap = brokers.map((t) => `${t.host}:${t.ports[0]}`).join(',');
    const args = ['leader', '--bootstrap', bootstrap, ...(of ? ['--topic', of.topic] : [])];
    const lines = await runTool(tool, args, 60_000).catch(() => []);
    const line = lines.find((l) => l.type === 'leader');
    // The partition's leader (Admin.describeTopics), or the active controller.
    const id = of
      ? (line?.partitions as { partition: number; leader: number | null }[] | undefined)?.find(
          (p) => p.partition === of.partition,
        )?.leader
      : line?.controller;
    if (typeof id !== 'number') return null;
    return candidates.find((t) => t.role === 'broker' && kafkaNodeId(t) === id) ?? null;
  };
}

/** node.id / broker.id as the Kafka package renders them (catalog/kafka/topology.ts). */
function kafkaNodeId(t: TaskRecord): number {
  return t.role === 'controller' ? CONTROLLER_ID_BASE + t.index : t.index;
}

async function sparkLeader(candidates: TaskRecord[]): Promise<TaskRecord | null> {
  const masters = candidates.filter((t) => t.role === 'master' && t.handle !== null);
  const status = await Promise.all(
    masters.map((t) =>
      masterState(`http://${t.host}:${t.ports[1]}`).then(
        (s) => s.status,
        () => null,
      ),
    ),
  );
  return masters[status.indexOf('ALIVE')] ?? null;
}
