/** A place that runs tasks. On one machine these are virtual nodes, each with its own loopback address. */
export interface NodeInfo {
  id: string;
  host: string;
  cpus: number;
  mem: number;
}

/**
 * Splits this machine into `count` virtual nodes on 127.0.10.1…: every multi-node service binds the
 * same ports on different addresses, as on a real cluster. All of 127.0.0.0/8 routes to loopback.
 */
export function virtualNodes(count: number, machine: { cpus: number; memMb: number }): NodeInfo[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `node-${i + 1}`,
    host: `127.0.10.${i + 1}`,
    cpus: Math.round((machine.cpus / count) * 100) / 100,
    mem: Math.floor(machine.memMb / count),
  }));
}
