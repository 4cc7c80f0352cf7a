import { propValue } from '../jvm/properties.js';
import path from 'node:path';
import type { KafkaOptions } from './options.js';
import { hostPort } from '../launch.js';
import { type KafkaNode, quorumVoters } from './topology.js';

/** The connection string Kafka uses: the user's, or under a per-service chroot when it has none. */
export function zookeeperConnect(given: string, tenant: string, service: string): string {
  if (given.includes('/')) return given;
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
  // Several Kafka clusters may share one ZooKeeper: each gets its own subtree (Kafka creates it).
  return `${given}/flotilla/${safe(tenant)}/${safe(service)}`;
}

/**
 * Kafka's 18 s default is sized for real networks; on one machine 6 s still rides out GC pauses of a
 * small heap, lets the cluster notice a dead broker sooner, and shortens the wait before a crashed
 * broker can register its id again.
 */
export const ZK_SESSION_TIMEOUT_MS = 6000;

export interface PropertiesInput {
  /** "<tenant>/<service>", for the header only. */
  owner: string;
  node: KafkaNode;
  nodes: KafkaNode[];
  options: KafkaOptions;
  major: number;
  /** ZooKeeper mode: the connection string, chroot included. */
  zookeeper?: string;
}

export function renderServerProperties({
  owner,
  node,
  nodes,
  options,
  major,
  zookeeper,
}: PropertiesInput): string {
  const { task } = node;
  const brokers = options.brokers;
  const lines = [
    `# ${owner} ${task.name} (${task.role}), rendered by Flotilla on every launch: edits are lost.`,
  ];
  const set = (key: string, value: string | number | boolean) =>
    lines.push(`${key}=${propValue(String(value))}`);
  // In a container, clients on the host and the other brokers reach a broker at different addresses:
  // PLAINTEXT is advertised at the published address, INTERNAL (broker to broker) at its network name.
  const split = task.publicHost !== task.host;
  const listeners: string[] = [];
  const advertised: string[] = [];
  if (node.broker) {
    listeners.push(`PLAINTEXT://${hostPort(task.bindHost, node.clientPort as number)}`);
    advertised.push(`PLAINTEXT://${hostPort(task.publicHost, node.clientPort as number)}`);
    if (split) {
      const internal = internalPort(task.ports);
      listeners.push(`INTERNAL://${hostPort(task.bindHost, internal)}`);
      advertised.push(`INTERNAL://${hostPort(task.host, internal)}`);
    }
  }
  if (node.controller)
    listeners.push(`CONTROLLER://${hostPort(task.bindHost, node.controllerPort as number)}`);
  const interBroker = split ? 'INTERNAL' : 'PLAINTEXT';
  const protocols = ['PLAINTEXT:PLAINTEXT', 'CONTROLLER:PLAINTEXT', ...(split ? ['INTERNAL:PLAINTEXT'] : [])];

  if (options.mode === 'zookeeper') {
    set('broker.id', node.nodeId);
    set('zookeeper.connect', zookeeper ?? '');
    set('zookeeper.session.timeout.ms', ZK_SESSION_TIMEOUT_MS);
  } else {
    set('node.id', node.nodeId);
    set(
      'process.roles',
      [node.broker && 'broker', node.controller && 'controller'].filter(Boolean).join(','),
    );
    set('controller.quorum.voters', quorumVoters(nodes));
    set('controller.listener.names', 'CONTROLLER');
  }
  if (options.mode !== 'zookeeper' || split) set('listener.security.protocol.map', protocols.join(','));
  if (node.broker && (options.mode !== 'zookeeper' || split)) set('inter.broker.listener.name', interBroker);
  set('listeners', listeners.join(','));
  if (node.broker) {
    // Each broker has its own loopback address: advertising exactly that address is what lets clients
    // on this machine reach every broker, as on a real cluster.
    set('advertised.listeners', advertised.join(','));
  }
  set('log.dirs', path.join(task.sandbox, 'data', 'logs'));

  if (node.broker) {
    set('num.partitions', options.partitions);
    set('default.replication.factor', options.replicationFactor);
    set('min.insync.replicas', options.minInsyncReplicas);
    // Internal topics default to 3 replicas and would never be created on a smaller cluster.
    set('offsets.topic.replication.factor', Math.min(3, brokers));
    set('transaction.state.log.replication.factor', Math.min(3, brokers));
    set('transaction.state.log.min.isr', Math.min(2, brokers));
    if (major >= 4) {
      set('share.coordinator.state.topic.replication.factor', Math.min(3, brokers));
      set('share.coordinator.state.topic.min.isr', Math.min(2, brokers));
    }
    // The 3 s default waits for more consumers to join; a dev stack wants its first poll answered now.
    set('group.initial.rebalance.delay.ms', 0);
    set('auto.create.topics.enable', true);
    if (options.mode === 'zookeeper') {
      // A controlled shutdown that cannot move its leaders (the whole cluster stops: no peer stays to
      // lead) retries after this pause, three times, then shuts down cleanly anyway. The 5 s default
      // made the last brokers of a `down` wait some 15 s for nothing; a broker stopped alone (a
      // rolling restart) moves its leaders on the first attempt and never waits it.
      set('controlled.shutdown.retry.backoff.ms', 300);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The broker-to-broker port inside a container: fixed, as each container has its own addresses. */
function internalPort(taken: number[]): number {
  let port = 19092;
  while (taken.includes(port)) port++;
  return port;
}
