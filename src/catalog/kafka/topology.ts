import { FlotillaError } from '../../core/errors.js';
import { hostPort } from '../launch.js';
import { ONE_PER_NODE, type PlacedTask, type TaskSlot } from '../package.js';
import type { KafkaOptions } from './options.js';

/**
 * Node ids of separate controllers start here, so that adding brokers (ids 0, 1, …) never collides
 * with a controller.
 */
export const CONTROLLER_ID_BASE = 1000;

export interface KafkaNode {
  task: PlacedTask;
  /** broker.id (ZooKeeper mode) or node.id (KRaft). */
  nodeId: number;
  broker: boolean;
  controller: boolean;
  /** PLAINTEXT port, on brokers. */
  clientPort?: number;
  /** CONTROLLER port, on KRaft controllers (combined or separate). */
  controllerPort?: number;
}

/**
 * How many brokers are also controllers: 3, or 1 for a cluster of 1 or 2 brokers. Never more, so that
 * adding brokers leaves the static voter set alone (changing it needs a reformat); a 5-voter quorum
 * is what separate controllers are for.
 */
export function combinedVoters(o: KafkaOptions): number {
  if (o.mode !== 'kraft' || o.controllers > 0) return 0;
  return o.brokers >= 3 ? 3 : 1;
}

export function layoutSlots(o: KafkaOptions): TaskSlot[] {
  const voters = combinedVoters(o);
  const size = { cpus: o.cpus, mem: o.mem, constraints: ONE_PER_NODE };
  const slots: TaskSlot[] = [];
  for (let i = 0; i < o.brokers; i++) {
    const ports = i < voters ? [o.port, o.controllerPort] : [o.port];
    slots.push({ name: `kafka-${i}`, role: 'broker', index: i, ports, ...size });
  }
  for (let j = 0; j < o.controllers; j++) {
    slots.push({
      name: `controller-${j}`,
      role: 'controller',
      index: j,
      ports: [o.controllerPort],
      ...size,
    });
  }
  return slots;
}

function assigned(task: PlacedTask, i: number): number {
  const port = task.ports[i];
  if (port === undefined || port <= 0) {
    throw new FlotillaError('INTERNAL', `kafka task ${task.name} has no assigned port at index ${i}`);
  }
  return port;
}

/** The placed tasks as Kafka nodes, brokers first, each in index order. */
export function nodesOf(tasks: PlacedTask[], o: KafkaOptions): KafkaNode[] {
  const voters = combinedVoters(o);
  const byIndex = (role: string) => tasks.filter((t) => t.role === role).sort((a, b) => a.index - b.index);
  const brokers: KafkaNode[] = byIndex('broker').map((task) => {
    const controller = task.index < voters;
    const node: KafkaNode = {
      task,
      nodeId: task.index,
      broker: true,
      controller,
      clientPort: assigned(task, 0),
    };
    if (controller) node.controllerPort = assigned(task, 1);
    return node;
  });
  if (brokers.length === 0) throw new FlotillaError('INTERNAL', 'the kafka service has no broker task');
  const controllers: KafkaNode[] = byIndex('controller').map((task) => ({
    task,
    nodeId: CONTROLLER_ID_BASE + task.index,
    broker: false,
    controller: true,
    controllerPort: assigned(task, 0),
  }));
  return [...brokers, ...controllers];
}

/** controller.quorum.voters: id@host:port of every controller. */
export function quorumVoters(nodes: KafkaNode[]): string {
  return nodes
    .filter((n) => n.controller)
    .map((n) => `${n.nodeId}@${hostPort(n.task.host, n.controllerPort as number)}`)
    .join(',');
}
