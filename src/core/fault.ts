/**
 * Faults: failures injected into a tenant's tasks on purpose (the failure lab, docs/failure-lab.md).
 * Every fault is recorded, and healed on command, after its duration, or when the daemon stops.
 */

export const FAULT_KINDS = ['kill', 'pause', 'partition', 'isolate', 'loss', 'delay'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Which of the named tasks a task fault hits. `leader`: the one the package names (Kafka's controller, …). */
export type FaultPick = 'all' | 'one' | 'random' | 'majority' | 'leader';

/** What `POST /v1/faults` asks for. Task ids are a tenant's (`events.kafka-1`). */
export interface FaultRequest {
  kind: FaultKind;
  /** kill, pause: the service (or app) whose tasks are candidates; or `tasks`. */
  service?: string;
  tasks?: string[];
  pick?: FaultPick;
  /** kill: SIGKILL (default) or SIGTERM. */
  signal?: 'SIGKILL' | 'SIGTERM';
  /** partition, loss, delay: the two sides, as task ids. isolate: `from` is the one task cut off. */
  from?: string[];
  to?: string[];
  /** partition: only from → to is cut (default: both ways). */
  oneWay?: boolean;
  /** loss: the share of packets dropped, 0 < p ≤ 1. */
  probability?: number;
  /** delay: added to each round trip from `from` to `to`, and its uniform jitter (±). */
  delayMs?: number;
  jitterMs?: number;
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
} as const;
