import fs from 'node:fs';
import { resolveBinary } from '../catalog/binaries.js';
import { resolveJava } from '../catalog/java.js';
import type { PackageDefinition } from '../catalog/package.js';
import type { HealthCheckSpec } from '../core/health.js';
import type { ContainerSpec } from '../core/task.js';
import { canBind } from './ports.js';

type JavaRange = Parameters<typeof resolveJava>[0];

/**
 * What planning needs to know about the machine, and nothing else: whether a port is free, where a
 * JVM or a package's program is, and which image a package runs from. Handed in, so that planning
 * is tested with a fake host the way the scheduler is tested with a view.
 */
export interface DeployHost {
  /** True when nothing on this machine holds host:port. */
  canBind(host: string, port: number): Promise<boolean>;
  /**
   * The lowest port a task may bind: 1 for tasks that run as root, else the kernel's first
   * unprivileged port (tenants' users have no CAP_NET_BIND_SERVICE). Unset: 1.
   */
  minPort?: number;
  /** A java executable of a major version in this range (throws a coded error when there is none). */
  java(major: JavaRange, who: string): string;
  /** A program a package runs (redis-server, say), from $PATH or the variable that names it. */
  binary(name: string, install: string): string;
  /** The catalog image a package's containers run from; absent when this daemon has no Docker driver. */
  image?(pkg: PackageDefinition, options: Record<string, unknown>): string;
  /**
   * Whether a container could ever start here: an engine answers (DOCKER_UNAVAILABLE) and its image
   * is on it, or is one Flotilla builds or may pull (IMAGE_MISSING under pull_policy never). Absent:
   * no check. Answers the HEALTHCHECK baked into the image, when it is on the engine and has one.
   */
  checkContainer?(container: ContainerSpec): Promise<HealthCheckSpec[] | void>;
  /**
   * Whether containers reach their tenant's process tasks (the daemon runs as root and carries them
   * there: daemon/host-reach.ts). Unset: they cannot, and a container referring to one is refused.
   */
  containersReachHost?: boolean;
}

/** This machine, as the daemon plans on it. */
export function localHost(
  image?: DeployHost['image'],
  checkContainer?: DeployHost['checkContainer'],
  unprivilegedTasks = false,
): DeployHost {
  return {
    canBind,
    minPort: unprivilegedTasks ? unprivilegedPortStart() : 1,
    java: (major, who) => resolveJava(major, who).path,
    binary: (name, install) => resolveBinary(name, install),
    ...(image ? { image } : {}),
    ...(checkContainer ? { checkContainer } : {}),
    containersReachHost: process.getuid?.() === 0,
  };
}

/** net.ipv4.ip_unprivileged_port_start: below it, binding needs CAP_NET_BIND_SERVICE. */
function unprivilegedPortStart(): number {
  try {
    return Number(fs.readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim()) || 1024;
  } catch {
    return 1024;
  }
}
