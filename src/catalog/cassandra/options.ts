import { FlotillaError } from '../../core/errors.js';
import { portOption } from '../schema.js';

export interface CassandraOptions {
  nodes: number;
  /** Unset: derived from the tenant and service at render (see clusterNameOf). */
  clusterName?: string;
  datacenter: string;
  rack: string;
  numTokens: number;
  heapMb: number;
  mem: number;
  cpus: number;
  /** Disk reserved per node on its Flotilla node, in MB (0: none). */
  disk: number;
  nativePort: number;
  storagePort: number;
  jmxPort: number;
}

/** The largest ring the options allow (and the scale plan). */
export const MAX_NODES = 32;

/** One source for the schema's defaults and `readOptions`'s fallbacks. */
const DEFAULTS = {
  nodes: 3,
  // Cassandra's own name for the one datacenter of SimpleSnitch: what drivers and tutorials expect.
  datacenter: 'datacenter1',
  rack: 'rack1',
  // The default since 4.0: with the token allocator, 16 vnodes balance as well as 256 random ones
  // and keep repair and streaming cheap.
  numTokens: 16,
  heapMb: 512,
  cpus: 1,
  disk: 0,
  nativePort: 0,
  storagePort: 0,
  jmxPort: 0,
} as const;

/**
 * Memory beyond the heap, which is all resident soon after start (-Xms = -Xmx): metaspace and code
 * cache, thread stacks, Netty's direct buffers and the chunk cache (config.ts caps both at 32 MB),
 * and the JDK's mapped module image. Measured with a 512 MB heap: ~1010 MB resident in the 3-node
 * test; alone and idle 950 MB, of which 150 MB file-backed (mostly the shared module image) and
 * 800 MB anonymous (NMT: heap 512, GC 59, metaspace 52, direct buffers 58, threads 18, code 16).
 */
export const OFF_HEAP_MB = 512;
/** Below this a node outgrows its limit: ~290 MB anonymous memory beyond the heap measured at idle (NMT). */
const MIN_OFF_HEAP_MB = 384;

const NAME = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$';
const port = (what: string, fallback: number) =>
  portOption(
    `${what} of every node (each binds its own node's address); 0 assigns a free one per node.`,
    fallback,
  );

export const optionsSchema: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    nodes: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_NODES,
      default: DEFAULTS.nodes,
      description: 'Ring size, one Cassandra node per Flotilla node; the first two are the seeds.',
    },
    clusterName: {
      type: 'string',
      pattern: NAME,
      examples: ['events'],
      description:
        'cluster_name, fixed for the life of the data; default "<tenant>-<service>". Nodes refuse to join a ring of another name.',
    },
    datacenter: {
      type: 'string',
      pattern: NAME,
      default: DEFAULTS.datacenter,
      description: 'Datacenter name every node announces (drivers need it as their local datacenter).',
    },
    rack: { type: 'string', pattern: NAME, default: DEFAULTS.rack, description: 'Rack of every node.' },
    numTokens: {
      type: 'integer',
      minimum: 1,
      maximum: 256,
      default: DEFAULTS.numTokens,
      description: 'Virtual nodes per node (num_tokens); fixed once a node has joined.',
    },
    heapMb: {
      type: 'integer',
      minimum: 256,
      description: `JVM heap per node, in MB; memtables take a quarter of it. Default: sized from mem (mem - ${OFF_HEAP_MB}), else ${DEFAULTS.heapMb}.`,
    },
    mem: {
      type: 'integer',
      minimum: 640,
      description: `Memory per node, in MB; default heapMb + ${OFF_HEAP_MB}, at least heapMb + ${MIN_OFF_HEAP_MB}.`,
    },
    cpus: {
      type: 'number',
      exclusiveMinimum: 0,
      default: DEFAULTS.cpus,
      description: 'CPU shares per node; Cassandra sizes its thread pools from it (at least 2).',
    },
    disk: {
      type: 'integer',
      minimum: 0,
      description:
        'Disk reserved per node, in MB, counted against its Flotilla node (DC/OS resources.disk); default 0.',
    },
    nativePort: port('CQL native-protocol port', DEFAULTS.nativePort),
    storagePort: port('Internode (gossip and streaming) port', DEFAULTS.storagePort),
    jmxPort: port('JMX port (nodetool)', DEFAULTS.jmxPort),
  },
};

/** Typed view of options that `validateOptions` has already checked and defaulted. */
export function readOptions(options: Record<string, unknown>): CassandraOptions {
  const o = options as Partial<CassandraOptions>;
  // The heap follows the task's memory when only mem is given, as Cassandra's own env script sizes it.
  const heapMb = o.heapMb ?? (o.mem !== undefined ? Math.max(256, o.mem - OFF_HEAP_MB) : DEFAULTS.heapMb);
  const mem = o.mem ?? heapMb + OFF_HEAP_MB;
  if (mem < heapMb + MIN_OFF_HEAP_MB) {
    throw new FlotillaError(
      'PACKAGE_OPTIONS_INVALID',
      `option "mem" of package cassandra (${mem}) must exceed "heapMb" (${heapMb}) by at least ${MIN_OFF_HEAP_MB}: ` +
        `Cassandra needs memory beyond its heap; leave mem unset for heapMb + ${OFF_HEAP_MB}`,
    );
  }
  const fixed = [o.nativePort, o.storagePort, o.jmxPort].filter((p) => p !== undefined && p !== 0);
  if (new Set(fixed).size !== fixed.length) {
    throw new FlotillaError(
      'PACKAGE_OPTIONS_INVALID',
      `options "nativePort", "storagePort" and "jmxPort" of package cassandra must differ (got ${fixed.join(', ')}); use 0 for a free port`,
    );
  }
  return {
    nodes: o.nodes ?? DEFAULTS.nodes,
    ...(o.clusterName === undefined ? {} : { clusterName: o.clusterName }),
    datacenter: o.datacenter ?? DEFAULTS.datacenter,
    rack: o.rack ?? DEFAULTS.rack,
    numTokens: o.numTokens ?? DEFAULTS.numTokens,
    heapMb,
    mem,
    cpus: o.cpus ?? DEFAULTS.cpus,
    disk: o.disk ?? DEFAULTS.disk,
    nativePort: o.nativePort ?? DEFAULTS.nativePort,
    storagePort: o.storagePort ?? DEFAULTS.storagePort,
    jmxPort: o.jmxPort ?? DEFAULTS.jmxPort,
  };
}
