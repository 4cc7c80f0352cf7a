/** A health check as Marathon defines it, plus package-provided protocols (REDIS, ZOOKEEPER, KAFKA). */
export type HealthProtocol = 'TCP' | 'HTTP' | 'COMMAND' | 'REDIS' | 'ZOOKEEPER' | 'KAFKA';

export interface HealthCheckSpec {
  protocol: HealthProtocol;
  /** Index into the task's ports (TCP, HTTP, REDIS, ZOOKEEPER, KAFKA). */
  portIndex: number;
  /** HTTP path, default "/". */
  path?: string;
  /** COMMAND: run by /bin/sh -c inside the task's environment. */
  command?: string;
  /** REDIS: the password to AUTH with, and whether the replication link must be up. */
  redis?: { password?: string; replica: boolean };
  /** KAFKA: the broker id that must appear in the broker's own Metadata answer; unset, any broker list does. */
  kafka?: { brokerId?: number };
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
