import { FlotillaError } from '../../core/errors.js';
import { portOption } from '../schema.js';

export interface SparkOptions {
  workers: number;
  /** Cores each worker offers to executors (`--cores`); also the cpus its task holds. */
  workerCores: number;
  /** Memory each worker offers to executors (`--memory`), in MB. */
  workerMemoryMb: number;
  /** Heap of the master and worker daemons themselves (SPARK_DAEMON_MEMORY), in MB. */
  daemonHeapMb: number;
  masterPort: number;
  masterUiPort: number;
  workerPort: number;
  workerUiPort: number;
  masterCpus: number;
  masterMem: number;
  workerMem: number;
}

export const MAX_WORKERS = 16;
/** Spark refuses executors under 450 MB (1.5 × its 300 MB reserved memory). */
export const MIN_EXECUTOR_MB = 450;
/**
 * Memory of a task beyond the heaps it runs: metaspace, threads and direct buffers of its JVMs and,
 * on a worker, the PySpark Python workers that executors fork.
 */
export const OFF_HEAP_MB = 384;

/** One source for the schema's defaults and `readOptions`'s fallbacks. */
const DEFAULTS = {
  workers: 2,
  workerCores: 1,
  workerMemoryMb: 1024,
  daemonHeapMb: 256,
  masterCpus: 0.5,
} as const;

export const optionsSchema: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    workers: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_WORKERS,
      default: DEFAULTS.workers,
      description: 'Standalone workers, one per node.',
    },
    workerCores: {
      type: 'integer',
      minimum: 1,
      maximum: 256,
      default: DEFAULTS.workerCores,
      description: "Cores each worker offers to executors; the worker's task holds as many cpus.",
    },
    workerMemoryMb: {
      type: 'integer',
      minimum: MIN_EXECUTOR_MB,
      default: DEFAULTS.workerMemoryMb,
      description:
        'Memory each worker offers to executors, in MB. An application asks 1024 MB per executor ' +
        'unless it sets spark.executor.memory: keep this at least that large.',
    },
    daemonHeapMb: {
      type: 'integer',
      minimum: 128,
      default: DEFAULTS.daemonHeapMb,
      description: 'JVM heap of the master and of each worker daemon (not of executors), in MB.',
    },
    masterPort: portOption('Master RPC port (spark://host:port); 0 assigns a free one.'),
    masterUiPort: portOption(
      "Master web UI port; 0 assigns a free one. Its /json/ is Flotilla's readiness probe.",
    ),
    workerPort: portOption(
      "Every worker's RPC port (each binds its own node's address); 0 assigns free ones.",
    ),
    workerUiPort: portOption("Every worker's web UI port; 0 assigns free ones."),
    masterCpus: {
      type: 'number',
      exclusiveMinimum: 0,
      default: DEFAULTS.masterCpus,
      description: 'CPU shares of the master.',
    },
    masterMem: {
      type: 'integer',
      minimum: 256,
      description: `Memory of the master's task, in MB; default daemonHeapMb + ${OFF_HEAP_MB}.`,
    },
    workerMem: {
      type: 'integer',
      minimum: 256,
      description: `Memory of each worker's task, in MB; default workerMemoryMb + daemonHeapMb + ${OFF_HEAP_MB}.`,
    },
  },
};

function invalid(message: string): FlotillaError {
  return new FlotillaError('PACKAGE_OPTIONS_INVALID', message);
}

/** Typed view of options that `validateOptions` has already checked and defaulted. */
export function readOptions(options: Record<string, unknown>): SparkOptions {
  const o = options as Partial<SparkOptions>;
  const daemonHeapMb = o.daemonHeapMb ?? DEFAULTS.daemonHeapMb;
  const workerMemoryMb = o.workerMemoryMb ?? DEFAULTS.workerMemoryMb;
  const masterMem = o.masterMem ?? daemonHeapMb + OFF_HEAP_MB;
  const workerMem = o.workerMem ?? workerMemoryMb + daemonHeapMb + OFF_HEAP_MB;
  if (masterMem <= daemonHeapMb) {
    throw invalid(
      `option "masterMem" of package spark (${masterMem}) must exceed "daemonHeapMb" (${daemonHeapMb}): ` +
        `the JVM needs memory beyond its heap; leave masterMem unset for daemonHeapMb + ${OFF_HEAP_MB}`,
    );
  }
  if (workerMem <= workerMemoryMb + daemonHeapMb) {
    throw invalid(
      `option "workerMem" of package spark (${workerMem}) must exceed "workerMemoryMb" + "daemonHeapMb" ` +
        `(${workerMemoryMb + daemonHeapMb}): a worker task holds its daemon and its executors; leave ` +
        `workerMem unset for workerMemoryMb + daemonHeapMb + ${OFF_HEAP_MB}`,
    );
  }
  return {
    workers: o.workers ?? DEFAULTS.workers,
    workerCores: o.workerCores ?? DEFAULTS.workerCores,
    workerMemoryMb,
    daemonHeapMb,
    masterPort: o.masterPort ?? 0,
    masterUiPort: o.masterUiPort ?? 0,
    workerPort: o.workerPort ?? 0,
    workerUiPort: o.workerUiPort ?? 0,
    masterCpus: o.masterCpus ?? DEFAULTS.masterCpus,
    masterMem,
    workerMem,
  };
}
