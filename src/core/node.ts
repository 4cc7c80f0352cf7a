/** A place that runs tasks, with what it offers the scheduler. */
export interface NodeInfo {
  id: string;
  host: string;
  cpus: number;
  /** MB */
  mem: number;
  /** MB */
  disk: number;
  /** How many ports of the task port range the node offers. */
  ports: number;
  /** Facts constraints match on: always `hostname` (the node's address), plus any label given. */
  attributes: Record<string, string>;
}

/** What each virtual node offers; the daemon fills it from the machine and FLOTILLA_NODE_* settings. */
export interface NodeOffer {
  cpus: number;
  mem: number;
  disk: number;
  ports: number;
  /** Labels by node number (1-based), e.g. {1: {zone: 'a'}}. */
  labels: Record<number, Record<string, string>>;
}

/**
 * Splits this machine into `count` virtual nodes on 127.0.10.1…: every multi-node service binds the
 * same ports on different addresses, as on a real cluster. All of 127.0.0.0/8 routes to loopback.
 */
export function virtualNodes(count: number, offer: NodeOffer): NodeInfo[] {
  return Array.from({ length: count }, (_, i) => {
    const host = `127.0.10.${i + 1}`;
    return {
      id: `node-${i + 1}`,
      host,
      cpus: offer.cpus,
      mem: offer.mem,
      disk: offer.disk,
      ports: offer.ports,
      attributes: { ...offer.labels[i + 1], hostname: host },
    };
  });
}
