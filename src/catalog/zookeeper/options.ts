import { FlotillaError } from '../../core/errors.js';
import { portOption } from '../schema.js';

export interface ZookeeperOptions {
  servers: 1 | 3 | 5;
  port: number;
  heapMb: number;
  tickTime: number;
  initLimit: number;
  syncLimit: number;
  cpus: number;
  mem: number;
}

/** One source for the schema's defaults and `readOptions`'s fallbacks. */
const DEFAULTS = {
  servers: 1,
  port: 0,
  heapMb: 256,
  tickTime: 2000,
  // In ticks. ZooKeeper's samples (10 and 5) are sized for real networks and big snapshots; on one
  // machine a follower syncs in well under a second, and a small syncLimit lets a cut-off follower be
  // noticed in seconds, which is what failure experiments want to see.
  initLimit: 5,
  syncLimit: 2,
  cpus: 0.5,
} as const;

/** Memory beyond the heap: metaspace, threads, direct buffers of the NIO server. */
const OFF_HEAP_MB = 128;

export const optionsSchema: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    servers: {
      type: 'integer',
      enum: [1, 3, 5],
      default: DEFAULTS.servers,
      description: 'Ensemble size: 1 (standalone) or an odd quorum of 3 or 5, one server per node.',
    },
    port: portOption(
      "Client port of every server (each binds its own node's address); 0 assigns a free one per server.",
      DEFAULTS.port,
    ),
    heapMb: {
      type: 'integer',
      minimum: 64,
      default: DEFAULTS.heapMb,
      description: 'JVM heap per server, in MB.',
    },
    tickTime: {
      type: 'integer',
      minimum: 100,
      maximum: 60000,
      default: DEFAULTS.tickTime,
      description: 'ZooKeeper time unit in ms; session timeouts range from 2 to 20 ticks.',
    },
    initLimit: {
      type: 'integer',
      minimum: 1,
      default: DEFAULTS.initLimit,
      description: 'Ticks a follower may take to connect and sync to the leader.',
    },
    syncLimit: {
      type: 'integer',
      minimum: 1,
      default: DEFAULTS.syncLimit,
      description: 'Ticks a follower may lag behind the leader before it is dropped.',
    },
    cpus: {
      type: 'number',
      exclusiveMinimum: 0,
      default: DEFAULTS.cpus,
      description: 'CPU shares per server.',
    },
    mem: {
      type: 'integer',
      minimum: 96,
      description: `Memory per server, in MB; default heapMb + ${OFF_HEAP_MB}.`,
    },
  },
};

/** Typed view of options that `validateOptions` has already checked and defaulted. */
export function readOptions(options: Record<string, unknown>): ZookeeperOptions {
  const o = options as Partial<ZookeeperOptions>;
  const heapMb = o.heapMb ?? DEFAULTS.heapMb;
  const mem = o.mem ?? heapMb + OFF_HEAP_MB;
  if (mem <= heapMb) {
    throw new FlotillaError(
      'PACKAGE_OPTIONS_INVALID',
      `option "mem" of package zookeeper (${mem}) must exceed "heapMb" (${heapMb}): the JVM needs memory beyond its heap; leave mem unset for heapMb + ${OFF_HEAP_MB}`,
    );
  }
  return {
    servers: o.servers ?? DEFAULTS.servers,
    port: o.port ?? DEFAULTS.port,
    heapMb,
    tickTime: o.tickTime ?? DEFAULTS.tickTime,
    initLimit: o.initLimit ?? DEFAULTS.initLimit,
    syncLimit: o.syncLimit ?? DEFAULTS.syncLimit,
    cpus: o.cpus ?? DEFAULTS.cpus,
    mem,
  };
}
