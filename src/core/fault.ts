/**
 * Faults: failures injected into a tenant's tasks on purpose (the failure lab, docs/failure-lab.md).
 * Every fault is recorded, and healed on command, after its duration, or when the daemon stops.
 */

export const FAULT_KINDS = [
  'kill',
  'pause',
  'partition',
  'isolate',
  'loss',
  'delay',
  'bandwidth',
  'disk',
  'clock',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Which of the named tasks a task fault hits. `leader`: the one the package names (Kafka's controller, …). */
export type FaultPick = 'all' | 'one' | 'random' | 'majority' | 'leader';

/** What `POST /v1/faults` asks for. Task ids are a tenant's (`events.kafka-1`). */
export interface FaultRequest {
  kind: FaultKind;
  /**
   * The service (or app) whose tasks are candidates, narrowed by `pick`; or `tasks`. A network fault
   * that names a service and no `from`: the picked task(s) on one side (random by default), the rest of
   * the service on the other (isolate: the rest of its stack).
   */
  service?: string;
  tasks?: string[];
  pick?: FaultPick;
  /** pick: leader of a Kafka service: the leader of this topic's partition, not the controller. */
  leaderOf?: { topic: string; partition: number };
  /** kill: SIGKILL (default) or SIGTERM. */
  signal?: 'SIGKILL' | 'SIGTERM';
  /** partition, loss, delay: the two sides, as task ids. isolate: `from` is the one task cut off. */
  from?: string[];
  to?: string[];
  /**
   * Node-level (cluster admins only): any network fault between whole virtual nodes
   * (`node-1`), reaching every tenant's process tasks on them. isolate: one node, cut off from all.
   */
  fromNodes?: string[];
  toNodes?: string[];
  /** partition: only from → to is cut (default: both ways). */
  oneWay?: boolean;
  /** loss: the share of packets dropped, 0 < p ≤ 1. */
  probability?: number;
  /** delay: added to each round trip from `from` to `to`, and its uniform jitter (±). */
  delayMs?: number;
  jitterMs?: number;
  /** bandwidth: the rate the pairs' connections share, in kilobits per second (both directions together). */
  rateKbit?: number;
  /**
   * disk: `full` (the task's data directory on a small volume with no space left, the default) or
   * `slow` (the task's reads and writes on the disk under it throttled to `rateKBps`).
   */
  mode?: 'full' | 'slow';
  /** disk, slow: kilobytes per second, for the task's reads and for its writes each. */
  rateKBps?: number;
  /** clock: seconds added to the task's clock (negative: behind), from its next start. */
  offsetS?: number;
  /** Healed by itself after this many seconds; unset: until `fault heal` or the daemon stops. */
  durationS?: number;
}

export type FaultState = 'active' | 'healed';

/** How the fault was put in place, so that a later daemon can take it out again. */
export interface FaultApplied {
  /** The filter and nat chains of the fault (process tasks' network faults). */
  chain?: string;
  nat?: boolean;
  /** pause: the task keys stopped with SIGSTOP. */
  paused?: string[];
  /** delay: the round trip measured on the connections the proxy carried (ms). */
  measured?: { samples: number; p50Ms: number | null; p99Ms: number | null };
  /** bandwidth: the htb classes on `lo` (each way) and the connection mark, and the rate real traffic achieved. */
  tc?: { classid: string; backClassid: string; mark: string };
  bandwidth?: { askedKbit: number; achievedKbit: number | null; busySeconds: number; bytes: number };
  /** disk: the volume mounted over the task's data directory, and the bind mount of what was there. */
  volume?: { dir: string; keep: string; sizeBytes: number };
  /**
   * disk, slow: the blkio cgroup throttled and the disk (`major:minor`); `container`: the
   * container's own cgroup (its throttle set back to none at heal), else the fault's own.
   */
  blkio?: { dir: string; device: string; container?: boolean };
  /** clock, disk: task keys restarted so that the fault takes hold (and again when it heals). */
  restarted?: string[];
  /** What mechanism does it here (`iptables statistic`, `nat REDIRECT + delay proxy`, …). */
  mechanism: string;
}

export interface FaultRecord {
  id: string;
  tenant: string;
  kind: FaultKind;
  request: FaultRequest;
  /** The task ids the fault hit (kill, pause) or whose traffic it shapes (both sides). */
  targets: string[];
  state: FaultState;
  applied: FaultApplied;
  createdAt: number;
  /** When it heals by itself (durationS), or null. */
  healAt: number | null;
  healedAt: number | null;
  /** Why it healed (`heal`, `duration`, `daemon stopped`, `daemon restarted`) or what went wrong. */
  message: string | null;
}

export const FAULT_LIMITS = {
  maxDelayMs: 60_000,
  maxDurationS: 86_400,
  /** 8 kbit/s to 10 Gbit/s. */
  minRateKbit: 8,
  maxRateKbit: 10_000_000,
  /** A slow disk: 1 KB/s to 10 GB/s. */
  minDiskKBps: 1,
  maxDiskKBps: 10_000_000,
  /** A year either way. */
  maxOffsetS: 31_536_000,
} as const;
