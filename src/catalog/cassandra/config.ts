import path from 'node:path';
import { stringify } from 'yaml';
import { FlotillaError } from '../../core/errors.js';
import { hostPort } from '../launch.js';
import type { EndpointContext, PlacedTask } from '../package.js';
import type { CassandraOptions } from './options.js';

/** What render writes into each node's sandbox. */
export const FILES = {
  yaml: 'config/cassandra.yaml',
  rackdc: 'config/cassandra-rackdc.properties',
  logback: 'config/logback.xml',
  toolsLogback: 'config/logback-tools.xml',
  start: 'bin/start.sh',
  ready: 'bin/ready.sh',
  nodetool: 'bin/nodetool.sh',
} as const;

/** Port order of every node's slot: what layout asks for and render reads back. */
export const PORT = { native: 0, storage: 1, jmx: 2 } as const;

/** At most two seeds: enough to survive one down seed, few enough that most nodes bootstrap normally. */
const MAX_SEEDS = 2;

export interface CassandraNode {
  task: PlacedTask;
  nativePort: number;
  storagePort: number;
  jmxPort: number;
}

/** The service's nodes in index order, with their assigned ports by name. */
export function nodesOf(ctx: Pick<EndpointContext, 'tasks' | 'tenant' | 'service'>): CassandraNode[] {
  const tasks = ctx.tasks.filter((t) => t.role === 'node').sort((a, b) => a.index - b.index);
  if (tasks.length === 0) {
    throw new FlotillaError('INTERNAL', `cassandra service ${ctx.tenant}/${ctx.service} has no node task`);
  }
  return tasks.map((task) => {
    const [nativePort, storagePort, jmxPort] = task.ports;
    if (!nativePort || !storagePort || !jmxPort) {
      throw new FlotillaError('INTERNAL', `cassandra task ${task.name} has no assigned ports`);
    }
    return { task, nativePort, storagePort, jmxPort };
  });
}

/**
 * The seeds: the lowest-indexed nodes. A seed never bootstraps (it joins with no data streamed), so a
 * node that must stream, such as a replacement, must not be one: day-2 plans pass `exclude`.
 */
export function seedsOf(nodes: CassandraNode[], exclude: string[] = []): CassandraNode[] {
  return nodes.filter((n) => !exclude.includes(n.task.name)).slice(0, MAX_SEEDS);
}

/**
 * Keys of the service's persistent state that render reads and the day-2 plans write.
 * - `seeds`: the seeds' task names, chosen at the first render and kept, so that a node added later
 *   (scale-up) is never a seed, as a seed would join without streaming its data.
 * - `fresh.<task>`: a data generation: the start script empties the node's data once per generation
 *   (a replacement; a node removed by a scale-down, whose old data must not come back).
 * - `replace.<task>`: the address whose tokens the node takes over on its first boot.
 * - `scale`: "<from>-><to>" while a scale plan is under way, so that `continue` rebuilds its steps.
 */
export const STATE = {
  seeds: 'seeds',
  fresh: (task: string) => `fresh.${task}`,
  replace: (task: string) => `replace.${task}`,
  scale: 'scale',
  /** The ring size the last scale plan set: the stack file's `nodes` no longer decides it. */
  scaledTo: 'scaledTo',
} as const;

/** The next data generation of a task: its start script empties its data once for it. */
export function nextGeneration(state: Record<string, string>, task: string): string {
  return String((Number.parseInt(state[STATE.fresh(task)] ?? '0', 10) || 0) + 1);
}

/** Records the seeds on the first render; later renders keep them (see STATE.seeds). */
export function rememberSeeds(state: Record<string, string>, nodes: CassandraNode[]): void {
  state[STATE.seeds] ??= seedsOf(nodes)
    .map((n) => n.task.name)
    .join(',');
}

/**
 * The seeds a node lists: the remembered ones that still exist, less `exclude` (a replacement must
 * not be its own seed: a seed never bootstraps). Never empty while another node exists.
 */
export function seedsFrom(
  state: Record<string, string>,
  nodes: CassandraNode[],
  exclude: string[] = [],
): CassandraNode[] {
  const names = (state[STATE.seeds] ?? '').split(',');
  const candidates = nodes.filter((n) => !exclude.includes(n.task.name));
  const kept = candidates.filter((n) => names.includes(n.task.name));
  return kept.length > 0 ? kept : candidates.slice(0, 1);
}

export function clusterNameOf(o: CassandraOptions, tenant: string, service: string): string {
  return o.clusterName ?? `${tenant}-${service}`;
}

export interface YamlInput {
  owner: string;
  node: CassandraNode;
  seeds: CassandraNode[];
  clusterName: string;
  options: CassandraOptions;
}

/**
 * cassandra.yaml: everything not set here keeps Cassandra 5.0's built-in default (Config.java), which
 * is what the shipped cassandra.yaml sets too, except where a comment says why we differ.
 */
export function renderCassandraYaml({ owner, node, seeds, clusterName, options }: YamlInput): string {
  const { task } = node;
  const data = (dir: string) => path.join(task.sandbox, 'data', dir);
  const config = {
    cluster_name: clusterName,
    num_tokens: options.numTokens,
    // The allocator places a new node's tokens to balance ownership at this replication factor.
    allocate_tokens_for_local_replication_factor: 3,
    partitioner: 'org.apache.cassandra.dht.Murmur3Partitioner',
    // Reads the datacenter and rack from cassandra-rackdc.properties and gossips them.
    endpoint_snitch: 'GossipingPropertyFileSnitch',
    seed_provider: [
      {
        class_name: 'org.apache.cassandra.locator.SimpleSeedProvider',
        parameters: [{ seeds: seeds.map((s) => hostPort(s.task.host, s.storagePort)).join(',') }],
      },
    ],
    // One address per node, as on a real host with one interface; ports differ per node since 4.0.
    listen_address: task.host,
    rpc_address: task.host,
    storage_port: node.storagePort,
    native_transport_port: node.nativePort,
    start_native_transport: true,
    data_file_directories: [data('data')],
    commitlog_directory: data('commitlog'),
    saved_caches_directory: data('saved_caches'),
    hints_directory: data('hints'),
    cdc_raw_directory: data('cdc_raw'),
    commitlog_sync: 'periodic',
    commitlog_sync_period: '10000ms',
    // A new ring needs no compatibility with 4.x sstables or messaging: 5.0's formats from the start.
    storage_compatibility_mode: 'NONE',
    disk_failure_policy: 'stop',
    commit_failure_policy: 'stop',
    // Small-machine sizing: thread pools and caches that Cassandra sizes for a dedicated server.
    // None of them changes what is stored or acknowledged; they bound concurrency and memory.
    concurrent_compactors: 1,
    concurrent_reads: 8,
    concurrent_writes: 16,
    concurrent_counter_writes: 8,
    concurrent_materialized_view_writes: 8,
    native_transport_max_threads: 32,
    file_cache_size: '32MiB',
    networking_cache_size: '32MiB',
    key_cache_size: '16MiB',
    // Several nodes share one disk here: Cassandra's default of 64 MiB/s per node adds up.
    compaction_throughput: '16MiB/s',
  };
  return `# ${owner} ${task.name}, rendered by Flotilla on every launch: edits are lost.\n${stringify(config)}`;
}

/** GossipingPropertyFileSnitch's input. */
export function renderRackDc(o: CassandraOptions): string {
  return `dc=${o.datacenter}\nrack=${o.rack}\n`;
}

/** Logback to stdout only: the driver writes it to the task's log file. */
export const LOGBACK_XML = `<configuration scan="false">
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder>
      <pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern>
    </encoder>
  </appender>
  <root level="INFO">
    <appender-ref ref="STDOUT"/>
  </root>
  <logger name="org.apache.cassandra" level="INFO"/>
</configuration>
`;

/** nodetool's logging: warnings only, to stderr, so that its stdout is just the answer. */
export const TOOLS_LOGBACK_XML = `<configuration scan="false">
  <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
    <target>System.err</target>
    <encoder>
      <pattern>%-5level %date{"HH:mm:ss,SSS"} %msg%n</pattern>
    </encoder>
  </appender>
  <root level="WARN">
    <appender-ref ref="STDERR"/>
  </root>
</configuration>
`;
