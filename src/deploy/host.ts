import { resolveBinary } from '../catalog/binaries.js';
import { resolveJava } from '../catalog/java.js';
import type { PackageDefinition } from '../catalog/package.js';
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
  /** A java executable of a major version in this range (throws a coded error when there is none). */
  java(major: JavaRange, who: string): string;
  /** A program a package runs (redis-server, say), from $PATH or the variable that names it. */
  binary(name: string, install: string): string;
  /** The catalog image a package's containers run from; absent when this daemon has no Docker driver. */
  image?(pkg: PackageDefinition, options: Record<string, unknown>): string;
  /**
   * Whether a container could ever start here: an engine answers (DOCKER_UNAVAILABLE) and its image
   * is on it, or is one Flotilla builds (IMAGE_MISSING: nothing is ever pulled). Absent: no check.
   */
  checkContainer?(container: ContainerSpec): Promise<void>;
}

/** This machine, as the daemon plans on it. */
export function localHost(
  image?: DeployHost['image'],
  checkContainer?: DeployHost['checkContainer'],
): DeployHost {
  return {
    canBind,
    java: (major, who) => resolveJava(major, who).path,
    binary: (name, install) => resolveBinary(name, install),
    ...(image ? { image } : {}),
    ...(checkContainer ? { checkContainer } : {}),
  };
}
