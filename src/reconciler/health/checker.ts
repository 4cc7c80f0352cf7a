import type { HealthCheckSpec, HealthResult } from '../../core/health.js';
import type { ExecResult } from '../../drivers/driver.js';

/** What a check needs to know about the task it probes. */
export interface CheckTarget {
  host: string;
  ports: number[];
  /** Runs a command in the task's environment (through its driver). */
  exec(command: string, timeoutMs: number): Promise<ExecResult>;
}

/** One probe of one protocol. Never throws: a failure is a result with ok=false and a message. */
export type HealthChecker = (spec: HealthCheckSpec, target: CheckTarget) => Promise<HealthResult>;
