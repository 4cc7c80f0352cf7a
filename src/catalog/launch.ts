import type { HealthCheckSpec } from '../core/health.js';
import { BACKOFF_DEFAULTS, type ConfigFile, type LaunchSpec, type RuntimeRef } from '../core/task.js';

/**
 * "host:port", with brackets around an IPv6 host so the pair stays parseable: ZooKeeper's server.N,
 * Kafka's listeners and voters, Cassandra's seeds and URLs all want it that way.
 */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** What differs between the catalog's tasks; everything else is the same for every package. */
export interface LaunchSpecInput {
  args: string[];
  env?: Record<string, string>;
  files: ConfigFile[];
  cpus: number;
  mem: number;
  healthChecks: HealthCheckSpec[];
  runtime?: RuntimeRef;
  /** Seconds between SIGTERM and SIGKILL: long enough for the service's own clean shutdown. */
  killGracePeriodSeconds?: number;
}

/**
 * A catalog task's launch spec with the defaults every package shares: no secret env (secrets live
 * in 0600 config files), no disk reservation, Marathon's backoff, no dependencies (a service's tasks
 * are one gang), killed at once when purged (every package's clean stop only protects its own data). The keys come in the order the packages always wrote them.
 */
export function launchSpec(input: LaunchSpecInput): LaunchSpec {
  return {
    args: input.args,
    env: input.env ?? {},
    secretEnv: [],
    files: input.files,
    cpus: input.cpus,
    mem: input.mem,
    disk: 0,
    healthChecks: input.healthChecks,
    ...(input.runtime ? { runtime: input.runtime } : {}),
    killGracePeriodSeconds: input.killGracePeriodSeconds ?? 10,
    killOnPurge: true,
    backoff: { ...BACKOFF_DEFAULTS },
    dependsOn: [],
  };
}
