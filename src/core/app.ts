import type { Constraint } from '../scheduler/types.js';
import type { HealthCheckSpec } from './health.js';

/** A Marathon-style app, as stored (validated and defaulted). */
export interface AppSpec {
  id: string;
  cmd?: string;
  args?: string[];
  env: Record<string, string>;
  instances: number;
  cpus: number;
  mem: number;
  disk: number;
  /** 0 = assign a free port, kept stable per instance. */
  ports: number[];
  requirePorts: boolean;
  healthChecks: HealthCheckSpec[];
  backoffSeconds: number;
  backoffFactor: number;
  maxLaunchDelaySeconds: number;
  taskKillGracePeriodSeconds: number;
  dependencies: string[];
  labels: Record<string, string>;
  /** Marathon placement constraints among the app's instances: [["hostname", "UNIQUE"]]. */
  constraints: Constraint[];
}
