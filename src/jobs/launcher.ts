import type { JobSpec } from '../core/job.js';
import type { ServiceRecord } from '../core/service.js';
import type { TaskRecord } from '../core/task.js';

/** What a job's package is asked to prepare: the service, its tasks, the job and where it may write. */
export interface JobContext {
  tenant: string;
  service: ServiceRecord;
  /** The service's tasks that are wanted running. */
  tasks: TaskRecord[];
  id: string;
  spec: JobSpec;
  /** The driver's scratch (local dirs, temp files), under the job's folder. */
  workDir: string;
  /** The tenant's data folder. */
  dataDir: string;
  /** FLOTILLA_HOME, for the driver's environment: it marks the process as this installation's. */
  home: string;
}

/** How to run one job's driver: argv (no shell), its environment, and what it may use. */
export interface JobLaunch {
  args: string[];
  env: Record<string, string>;
  cpus: number;
  /** MB; a hard limit where the driver enforces limits. */
  mem: number;
}

/**
 * A package's way of running jobs (Spark: spark-submit in client mode). `prepare` checks what it can
 * at once (a coded error reaches the caller of POST …/jobs) and installs what the driver needs.
 */
export interface JobLauncher {
  prepare(ctx: JobContext): Promise<JobLaunch>;
  /** The application's id in the cluster (Spark: app-…), from the driver's output. */
  applicationId(output: string): string | undefined;
}
