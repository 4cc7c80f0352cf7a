/** A health check as Marathon defines it, plus package-provided protocols (REDIS). */
export type HealthProtocol = 'TCP' | 'HTTP' | 'COMMAND' | 'REDIS';

export interface HealthCheckSpec {
  protocol: HealthProtocol;
  /** Index into the task's ports (TCP, HTTP, REDIS). */
  portIndex: number;
  /** HTTP path, default "/". */
  path?: string;
  /** COMMAND: run by /bin/sh -c inside the task's environment. */
  command?: string;
  /** REDIS: the password to AUTH with, and whether the replication link must be up. */
  redis?: { password?: string; replica: boolean };
  gracePeriodSeconds: number;
  intervalSeconds: number;
  timeoutSeconds: number;
  maxConsecutiveFailures: number;
}

/** Marathon's defaults for a health check's timing. */
export const HEALTH_DEFAULTS = {
  gracePeriodSeconds: 300,
  intervalSeconds: 60,
  timeoutSeconds: 20,
  maxConsecutiveFailures: 3,
} as const;

export interface HealthResult {
  ok: boolean;
  message: string;
}
