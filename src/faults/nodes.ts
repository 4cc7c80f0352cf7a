import { FlotillaError } from '../core/errors.js';
import type { FaultRequest } from '../core/fault.js';
import type { NodeInfo } from '../core/node.js';
import type { TaskRecord } from '../core/task.js';

export type Sides = { from: TaskRecord[]; to: TaskRecord[] };

/**
 * A node-level fault's sides: every task, of any tenant, that runs on the named virtual nodes now
 * (read again whenever a task launches, so a task placed there later is cut off too). It is
 * confined like a task fault: between process tasks, its rules name the tasks' cgroups as senders
 * and their node addresses and ports as receivers; between containers, they live in the sending
 * containers' namespaces and name the receivers' addresses. So programs that are not Flotilla's
 * tasks, and tasks on other nodes, are never touched. A pair of a container and a process task is
 * not reached (the container's packets leave no task cgroup, and the process has no address of its
 * own).
 */
export function nodeSides(
  req: FaultRequest,
  nodes: Pick<NodeInfo, 'id' | 'host'>[],
  allTasks: () => TaskRecord[],
): () => Sides {
  const hostsOf = (field: 'fromNodes' | 'toNodes', ids: string[]) =>
    new Set(
      ids.map((id) => {
        const node = nodes.find((n) => n.id === id);
        if (!node)
          throw new FlotillaError(
            'FAULT_INVALID',
            `${field}: no virtual node ${id} (the nodes are ${nodes.map((n) => n.id).join(', ')})`,
            { field },
          );
        return node.host;
      }),
    );
  const from = hostsOf('fromNodes', req.fromNodes ?? []);
  const to =
    req.kind === 'isolate'
      ? new Set(nodes.map((n) => n.host).filter((h) => !from.has(h)))
      : hostsOf('toNodes', req.toNodes ?? []);
  return () => {
    const running = allTasks().filter((t) => t.handle !== null);
    return { from: running.filter((t) => from.has(t.host)), to: running.filter((t) => to.has(t.host)) };
  };
}
