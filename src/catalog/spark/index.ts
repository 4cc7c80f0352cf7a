import { ownerKey } from '../../core/keys.js';
import path from 'node:path';
import { FlotillaError } from '../../core/errors.js';
import type { HealthCheckSpec } from '../../core/health.js';
import type { Endpoint } from '../../core/service.js';
import type { LaunchSpec } from '../../core/task.js';
import { hostPort, launchSpec } from '../launch.js';
import {
  ONE_PER_NODE,
  type EndpointContext,
  type PackageDefinition,
  type PlacedTask,
  type RenderContext,
  type TaskSlot,
} from '../package.js';
import { daemonEnv, httpUrl, masterProperties, READY_PY, shellWord, workerProperties } from './config.js';
import { optionsSchema, readOptions, type SparkOptions } from './options.js';
import { sparkRuntimePaths, type SparkRuntime } from './runtime.js';

const MASTER_CLASS = 'org.apache.spark.deploy.master.Master';
const WORKER_CLASS = 'org.apache.spark.deploy.worker.Worker';
const PROPERTIES = 'config/spark-defaults.conf';
const READY = 'bin/ready.py';
const TIMING = { gracePeriodSeconds: 120, intervalSeconds: 3, timeoutSeconds: 3 };

/** Ports by index: what layout asks and the health checks name. */
export const PORT = { rpc: 0, ui: 1 } as const;

export interface SparkTopology {
  master: PlacedTask;
  workers: PlacedTask[];
}

export function topologyOf(ctx: EndpointContext): SparkTopology {
  const owner = ownerKey(ctx.tenant, ctx.service);
  const [master] = ctx.tasks.filter((t) => t.role === 'master');
  if (!master) throw new FlotillaError('INTERNAL', `spark service ${owner} has no master task`);
  const workers = ctx.tasks.filter((t) => t.role === 'worker').sort((a, b) => a.index - b.index);
  for (const t of [master, ...workers]) {
    if (t.ports.length < 2 || t.ports.some((p) => !(p > 0))) {
      throw new FlotillaError('INTERNAL', `spark task ${t.name} of ${owner} has no assigned ports`);
    }
  }
  return { master, workers };
}

export function masterUrl(master: PlacedTask): string {
  return `spark://${hostPort(master.host, master.ports[PORT.rpc] as number)}`;
}

function uiUrl(task: PlacedTask): string {
  return httpUrl(task.host, task.ports[PORT.ui] as number);
}

function healthChecks(rt: SparkRuntime, task: PlacedTask, masterUi: string, want: string): HealthCheckSpec[] {
  const ready = [rt.python, path.join(task.sandbox, READY), masterUi, want].map(shellWord).join(' ');
  return [
    // Readiness: the master's view of the workers. Never kills (0): a master without workers, or a
    // worker cut off from its master, is not helped by a restart, and experiments want to watch it.
    { protocol: 'COMMAND', portIndex: PORT.ui, command: ready, ...TIMING, maxConsecutiveFailures: 0 },
    // Liveness: the daemon's web UI answers.
    { protocol: 'HTTP', portIndex: PORT.ui, path: '/json/', ...TIMING, maxConsecutiveFailures: 3 },
  ];
}

function sparkLaunchSpec(
  task: PlacedTask,
  rt: SparkRuntime,
  java: string,
  o: SparkOptions,
  args: string[],
  properties: string,
  checks: HealthCheckSpec[],
): LaunchSpec {
  const worker = task.role === 'worker';
  return launchSpec({
    args: [rt.sparkClass, worker ? WORKER_CLASS : MASTER_CLASS, ...args],
    env: daemonEnv(task, rt, java, o.daemonHeapMb),
    files: [
      { path: PROPERTIES, content: properties },
      { path: READY, content: READY_PY },
      // java.io.tmpdir must exist before the JVM needs it.
      { path: 'data/tmp/.keep', content: '' },
    ],
    cpus: worker ? o.workerCores : o.masterCpus,
    mem: worker ? o.workerMem : o.masterMem,
    healthChecks: checks,
    runtime: { kind: 'pyspark', version: rt.version },
    // A worker kills its executors on the way out, and the master tells the drivers.
    killGracePeriodSeconds: 15,
  });
}

/** One Spark version in standalone mode: a master and workers, run from that version's PyPI runtime. */
export function sparkPackage(version: string): PackageDefinition {
  return {
    name: 'spark',
    version,
    description:
      `Apache Spark ${version} standalone: a master and workers, one worker per node, PySpark included. ` +
      'Endpoint values `masterUrl` (spark://host:port), `masterUi` and `workerUis`.',
    optionsSchema,
    binaries: [],
    noContainers:
      'Spark runs PySpark from a virtualenv prepared under the artifact cache, which is not in an image yet. ' +
      'Run it with the process driver (driver: process).',
    // The jars come with the runtime (pyspark from PyPI), so the lock pins nothing: it is here for the
    // Java range. Connectors (spark-sql-kafka-0-10) are pinned apart (connectors.ts): only the jobs
    // that ask for one get its jars, not the master and workers.
    jvm: {
      lock: () => ({ id: `spark-${version}`, roots: [], artifacts: [] }),
      javaMajor: { min: 17, max: 21 },
    },

    layout(options): TaskSlot[] {
      const o = readOptions(options);
      const master: TaskSlot = {
        name: 'master-0',
        role: 'master',
        index: 0,
        ports: [o.masterPort, o.masterUiPort],
        cpus: o.masterCpus,
        mem: o.masterMem,
      };
      const workers = Array.from({ length: o.workers }, (_, i) => ({
        name: `worker-${i}`,
        role: 'worker',
        index: i,
        ports: [o.workerPort, o.workerUiPort],
        cpus: o.workerCores,
        mem: o.workerMem,
        constraints: ONE_PER_NODE,
      }));
      return [master, ...workers];
    },

    render(ctx: RenderContext): Record<string, LaunchSpec> {
      const o = readOptions(ctx.options);
      if (!ctx.java) throw new FlotillaError('INTERNAL', 'spark render was not given a java');
      const rt = sparkRuntimePaths(ctx.artifactsDir, version);
      const owner = ownerKey(ctx.tenant, ctx.service);
      const { master, workers } = topologyOf(ctx);
      const url = masterUrl(master);
      const masterUi = uiUrl(master);
      const specs: Record<string, LaunchSpec> = {};
      const props = (t: PlacedTask) => ['--properties-file', path.join(t.sandbox, PROPERTIES)];
      specs[master.name] = sparkLaunchSpec(
        master,
        rt,
        ctx.java,
        o,
        [
          '--host',
          master.host,
          '--port',
          String(master.ports[PORT.rpc]),
          '--webui-port',
          String(master.ports[PORT.ui]),
          ...props(master),
        ],
        masterProperties(owner, master),
        healthChecks(rt, master, masterUi, String(workers.length)),
      );
      for (const w of workers) {
        specs[w.name] = sparkLaunchSpec(
          w,
          rt,
          ctx.java,
          o,
          [
            url,
            '--host',
            w.host,
            '--port',
            String(w.ports[PORT.rpc]),
            '--webui-port',
            String(w.ports[PORT.ui]),
            '--cores',
            String(o.workerCores),
            '--memory',
            `${o.workerMemoryMb}m`,
            '--work-dir',
            path.join(w.sandbox, 'data', 'work'),
            ...props(w),
          ],
          workerProperties(owner, w),
          healthChecks(rt, w, masterUi, hostPort(w.host, w.ports[PORT.rpc] as number)),
        );
      }
      return specs;
    },

    endpoints(ctx): Endpoint[] {
      const { master, workers } = topologyOf(ctx);
      const ui = (t: PlacedTask) => hostPort(t.host, t.ports[PORT.ui] as number);
      return [
        {
          name: 'spark',
          addresses: [hostPort(master.host, master.ports[PORT.rpc] as number)],
          values: { masterUrl: masterUrl(master) },
        },
        {
          name: 'spark-ui',
          addresses: [ui(master), ...workers.map(ui)],
          values: { masterUi: uiUrl(master), workerUis: workers.map(uiUrl).join(',') },
        },
      ];
    },
  };
}

/**
 * Spark 4.0 is built for Java 17 (its minimum). 4.0.4 is the newest release whose jars are on Maven
 * Central too (PyPI has a 4.0.5 that Central lacks): the Kafka connector must match the cluster's
 * release, and 4.0.4's is built on kafka-clients 3.9.1, the release of our Kafka 3 package.
 */
export const SPARK_VERSION = '4.0.4';
export const spark = sparkPackage(SPARK_VERSION);
