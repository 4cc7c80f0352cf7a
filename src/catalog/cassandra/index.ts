import { ownerKey } from '../../core/keys.js';
import path from 'node:path';
import { FlotillaError } from '../../core/errors.js';
import type { HealthCheckSpec } from '../../core/health.js';
import type { Endpoint } from '../../core/service.js';
import type { LaunchSpec } from '../../core/task.js';
import { hostPort, launchSpec } from '../launch.js';
import { loadLock } from '../jvm/lock.js';
import { ONE_PER_NODE, type PackageDefinition, type RenderContext, type TaskSlot } from '../package.js';
import {
  type CassandraNode,
  clusterNameOf,
  FILES,
  LOGBACK_XML,
  nodesOf,
  renderCassandraYaml,
  renderRackDc,
  rememberSeeds,
  seedsFrom,
  STATE,
  TOOLS_LOGBACK_XML,
} from './config.js';
import { NODETOOL_MAIN, SERVER_MAIN, serverJvmFlags, toolJvmFlags } from './jvm-flags.js';
import { operations } from './operations.js';
import { checkRedeclared } from './scale.js';
import { optionsSchema, readOptions } from './options.js';
import { renderNodetoolScript, renderReadyScript, renderStartScript } from './scripts.js';

/** 5.0: the first Cassandra line that supports Java 17 (4.1 stops at 11); Java 21 comes after 5.0. */
export const CASSANDRA_VERSION = '5.0.9';

export { FILES } from './config.js';

/** Readiness probes nodetool at most this often; see renderReadyScript. */
const NODETOOL_MIN_INTERVAL_SECONDS = 5;

function healthChecks(node: CassandraNode, sandbox: string): HealthCheckSpec[] {
  // A node waits for the one before it on first boot (scripts.ts), so later nodes take longer.
  const gracePeriodSeconds = 180 + 60 * node.task.index;
  return [
    // Readiness: CQL on this node, and every node in its view Up/Normal. Never kills (0): a
    // node that sees a peer down does not heal it by restarting, and experiments want to watch.
    // Each nodetool run is a JVM (~1 s CPU), hence the 30 s interval once healthy.
    {
      protocol: 'COMMAND',
      portIndex: 0,
      command: `/bin/bash ${path.join(sandbox, FILES.ready)}`,
      gracePeriodSeconds,
      intervalSeconds: 30,
      timeoutSeconds: 20,
      maxConsecutiveFailures: 0,
    },
    // Liveness: the internode port, which opens early in startup and stays open while joining.
    {
      protocol: 'TCP',
      portIndex: 1,
      gracePeriodSeconds,
      intervalSeconds: 5,
      timeoutSeconds: 3,
      maxConsecutiveFailures: 3,
    },
  ];
}

function jammJar(classpath: string[]): string {
  const jar = classpath.find((p) => /(^|\/)jamm-[\d.]+\.jar$/.test(p));
  if (!jar)
    throw new FlotillaError('INTERNAL', 'the cassandra classpath has no jamm jar (its memory-meter agent)');
  return jar;
}

function renderNode(ctx: RenderContext, node: CassandraNode, nodes: CassandraNode[]): LaunchSpec {
  const o = readOptions(ctx.options);
  const { java, classpath } = ctx;
  if (!java || !classpath)
    throw new FlotillaError('INTERNAL', 'cassandra render was not given a java and a classpath');
  const owner = ownerKey(ctx.tenant, ctx.service);
  const { task } = node;
  const at = (file: string) => path.join(task.sandbox, file);
  const dataDir = at('data');
  const previous = nodes.filter((n) => n.task.index < task.index).at(-1);
  // Day-2 state (operations.ts): a fresh data generation, and the address a replacement takes over.
  const fresh = ctx.state[STATE.fresh(task.name)];
  const replaceAddress = ctx.state[STATE.replace(task.name)];
  const start = renderStartScript({
    owner,
    taskName: task.name,
    java,
    classpath,
    jvmFlags: serverJvmFlags({
      heapMb: o.heapMb,
      cpus: o.cpus,
      host: task.host,
      jmxPort: node.jmxPort,
      jammJar: jammJar(classpath),
      files: { yaml: at(FILES.yaml), rackdc: at(FILES.rackdc), logback: at(FILES.logback) },
      dataDir,
      ...(replaceAddress ? { replaceAddress } : {}),
    }),
    mainClass: SERVER_MAIN,
    dataDir,
    systemDir: path.join(dataDir, 'data', 'system'),
    ...(previous
      ? { previous: { name: previous.task.name, host: previous.task.host, nativePort: previous.nativePort } }
      : {}),
    ...(fresh ? { fresh } : {}),
  });
  const nodetool = renderNodetoolScript({
    owner,
    taskName: task.name,
    java,
    classpath,
    toolFlags: toolJvmFlags(path.join(dataDir, 'tools'), at(FILES.toolsLogback)),
    nodetoolMain: NODETOOL_MAIN,
    host: task.host,
    jmxPort: node.jmxPort,
  });
  // Nothing here depends on the ring's size: a scale adds or removes tasks without re-rendering
  // (and so restarting) the nodes that stay.
  const ready = renderReadyScript({
    owner,
    taskName: task.name,
    nodetool: at(FILES.nodetool),
    host: task.host,
    nativePort: node.nativePort,
    minUp: task.index + 1,
    cacheFile: path.join(dataDir, 'tools', 'ready.last'),
    minIntervalSeconds: NODETOOL_MIN_INTERVAL_SECONDS,
  });
  const yaml = renderCassandraYaml({
    owner,
    node,
    seeds: seedsFrom(ctx.state, nodes, replaceAddress ? [task.name] : []),
    clusterName: clusterNameOf(o, ctx.tenant, ctx.service),
    options: o,
  });
  return launchSpec({
    args: ['/bin/bash', at(FILES.start)],
    // As cassandra-env.sh: glibc's per-thread malloc arenas would otherwise add hundreds of MB.
    env: { MALLOC_ARENA_MAX: '4' },
    files: [
      { path: FILES.yaml, content: yaml },
      { path: FILES.rackdc, content: renderRackDc(o) },
      { path: FILES.logback, content: LOGBACK_XML },
      { path: FILES.toolsLogback, content: TOOLS_LOGBACK_XML },
      { path: FILES.start, content: start, mode: 0o755 },
      { path: FILES.ready, content: ready, mode: 0o755 },
      { path: FILES.nodetool, content: nodetool, mode: 0o755 },
    ],
    cpus: o.cpus,
    mem: o.mem,
    healthChecks: healthChecks(node, task.sandbox),
    // SIGTERM drains the node: memtables flushed, so the restart replays no commit log.
    killGracePeriodSeconds: 60,
  });
}

export const cassandra: PackageDefinition = {
  name: 'cassandra',
  version: CASSANDRA_VERSION,
  description:
    `Apache Cassandra ${CASSANDRA_VERSION}: a ring of N nodes (default 3), one per node, formed one node at a time. ` +
    "Endpoint values `contactPoints` (host:port,...), `datacenter` (the drivers' local datacenter) and `cqlsh`.",
  optionsSchema,
  binaries: [],
  noContainers:
    'a Cassandra node tells clients its peers by their addresses (system.peers); in containers those ' +
    'would be names on the stack network that clients on the host cannot reach. Run it with the process ' +
    'driver (driver: process).',
  // Each node bootstraps after the one before it (scripts.ts): one turn of the start order at a time.
  startsOneAtATime: true,
  jvm: { lock: () => loadLock('cassandra', CASSANDRA_VERSION), javaMajor: { min: 17, max: 17 } },

  layout(options): TaskSlot[] {
    const o = readOptions(options);
    return Array.from({ length: o.nodes }, (_, i) => ({
      name: `cassandra-${i}`,
      role: 'node',
      index: i,
      // Order: see PORT in config.ts.
      ports: [o.nativePort, o.storagePort, o.jmxPort],
      cpus: o.cpus,
      mem: o.mem,
      disk: o.disk,
      constraints: ONE_PER_NODE,
    }));
  },

  render(ctx): Record<string, LaunchSpec> {
    const nodes = nodesOf(ctx);
    rememberSeeds(ctx.state, nodes);
    return Object.fromEntries(nodes.map((n) => [n.task.name, renderNode(ctx, n, nodes)]));
  },

  endpoints(ctx): Endpoint[] {
    const o = readOptions(ctx.options);
    const nodes = nodesOf(ctx);
    const addresses = nodes.map((n) => hostPort(n.task.host, n.nativePort));
    const first = nodes[0] as CassandraNode;
    return [
      {
        name: 'cassandra',
        addresses,
        values: {
          contactPoints: addresses.join(','),
          datacenter: o.datacenter,
          clusterName: clusterNameOf(o, ctx.tenant, ctx.service),
          cqlsh: `cqlsh ${first.task.host} ${first.nativePort}`,
          jmx: nodes.map((n) => hostPort(n.task.host, n.jmxPort)).join(','),
        },
      },
    ];
  },

  operations,
  checkRedeclared,
};
