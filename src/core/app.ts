import type { Constraint } from './constraint.js';
import type { HealthCheckSpec } from './health.js';
import type { ContainerSpec, DependencyCondition, RestartPolicy } from './task.js';

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
  /** The driver that runs its tasks ('process', 'docker'); unset: the daemon's default. */
  driver?: string;
  /**
   * How its tasks run in a container (a Compose service). `publish[i].hostPort` is `ports[i]` as
   * written (0 = assign); each instance publishes on the ports it was given. `aliases` are extra DNS
   * names, on top of the ones every instance gets (`<id>`, `<id>-<index>`).
   */
  container?: ContainerSpec;
  /** A Marathon container app's servicePort per port mapping (0: none), kept for a load balancer. */
  servicePorts?: number[];
  /** What happens when a task exits (see LaunchSpec.restart); unset: 'always'. */
  restart?: RestartPolicy;
  /** Per dependency, what it must have reached first (see LaunchSpec.dependsOnCondition); unset: 'ready'. */
  dependsOnCondition?: Record<string, DependencyCondition>;
}
