import type { TaskHandle } from './task.js';

/**
 * A job: one application (a PySpark .py or a .jar) submitted to a Spark service, its driver run by
 * the daemon. running → finished (exit 0) | failed (non-zero, or lost) | killed (on request).
 */
export const JOB_STATES = ['running', 'finished', 'failed', 'killed'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** What was asked: kept as given, so that `spark jobs` shows what ran. */
export interface JobSpec {
  /** Absolute path of the .py or .jar, inside the tenant's data folder. */
  app: string;
  args: string[];
  mainClass: string | null;
  conf: Record<string, string>;
  /** Pinned connectors whose jars go to the driver and executors (`kafka`). */
  connectors: string[];
  /** Extra jars from the data folder. */
  jars: string[];
}

export interface JobRecord extends JobSpec {
  tenant: string;
  id: string;
  service: string;
  state: JobState;
  exitCode: number | null;
  applicationId: string | null;
  message: string | null;
  /** The driver's handle (the task driver's), so that a restarted daemon can adopt it. */
  process: TaskHandle | null;
  createdAt: number;
  endedAt: number | null;
}
