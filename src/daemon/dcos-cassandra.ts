import { STATE, clusterNameOf } from '../catalog/cassandra/config.js';
import { readOptions } from '../catalog/cassandra/options.js';
import type { DcosHealthReport, DcosNode, DcosNodeList } from '../core/dcos-cassandra-schemas.js';
import { FlotillaError } from '../core/errors.js';
import type { PlanState } from '../core/plan.js';
import type { ServiceRecord } from '../core/service.js';
import { ALIVE_STATES, isTaskReady, type TaskRecord } from '../core/task.js';

/**
 * DC/OS's Cassandra service API read from what Flotilla knows of a Cassandra service: its record,
 * its tasks and its plans. Pure: the routes (api/routes/dcos-cassandra.ts) hand the facts in.
 */

export interface CassandraFacts {
  service: ServiceRecord;
  /** The tasks it wants running. */
  tasks: TaskRecord[];
  /** Its operation plans as stored (replace, scale, repair…). */
  plans: PlanState[];
}

/** The routes are the Cassandra service's: any other package's service has none of them. */
export function assertCassandra(service: ServiceRecord): void {
  if (service.package !== 'cassandra') {
    throw new FlotillaError(
      'DCOS_API_UNSUPPORTED',
      `service ${service.name} is a ${service.package} service: /service/{name}/v1/ serves DC/OS's Cassandra service API`,
    );
  }
}

const nodesOf = (tasks: TaskRecord[]) =>
  tasks.filter((t) => t.role === 'node').sort((a, b) => a.index - b.index);

/** The ring size the service is meant to have: the last scale plan's, else its options'. */
export function targetCount(service: ServiceRecord): number {
  const scaled = Number.parseInt(service.state[STATE.scaledTo] ?? '', 10);
  return Number.isInteger(scaled) && scaled > 0 ? scaled : readOptions(service.options).nodes;
}

const seedNames = (service: ServiceRecord) =>
  (service.state[STATE.seeds] ?? '').split(',').filter((s) => s !== '');

/** Cassandra's operation mode as far as Flotilla sees it: ready means Up/Normal (its ready check). */
function operationMode(t: TaskRecord): string {
  if (isTaskReady(t)) return 'NORMAL';
  return ALIVE_STATES.has(t.state) ? 'STARTING' : '';
}

const alive = (t: TaskRecord) => t.handle !== null && ALIVE_STATES.has(t.state);

function dcosNode(f: CassandraFacts, t: TaskRecord, now: number): DcosNode {
  const o = readOptions(f.service.options);
  const ready = isTaskReady(t);
  const executorId = t.id;
  return {
    tasks: {
      SERVER: {
        cpuCores: t.spec.cpus,
        diskMb: t.spec.disk,
        memMb: t.spec.mem,
        taskId: `${executorId}.server`,
      },
    },
    executorId,
    name: t.name,
    ip: t.host,
    hostname: t.host,
    targetRunState: t.desired === 'running' ? 'RUN' : 'STOP',
    nativePort: t.ports[0] ?? 0,
    jmxPort: t.ports[2] ?? 0,
    seedNode: seedNames(f.service).includes(t.name),
    cassandraDaemonPid: alive(t) ? (t.handle?.pid ?? null) : null,
    healthCheckDetails: {
      healthy: ready,
      msg: ready ? '' : (t.message ?? t.state),
      version: f.service.version,
      operationMode: operationMode(t),
      clusterName: clusterNameOf(o, f.service.tenant, f.service.name),
      dataCenter: o.datacenter,
      rack: o.rack,
      endpoint: t.host,
      joined: ready,
      nativeTransportRunning: ready,
      tokenCount: o.numTokens,
      uptimeMillis: alive(t) && t.handle ? Math.max(0, now - t.handle.startedAt) : 0,
    },
  };
}

/** The addresses a replace plan under way takes over. */
function replacing(f: CassandraFacts): string[] {
  return f.plans
    .filter((p) => p.name === 'replace' && (p.status === 'STARTING' || p.status === 'WAITING'))
    .flatMap((p) => f.tasks.filter((t) => t.name === p.parameters.node).map((t) => t.host));
}

/** GET node/all */
export function nodeList(f: CassandraFacts, now: number): DcosNodeList {
  const nodes = nodesOf(f.tasks);
  const running = nodes.filter(alive).length;
  return {
    replaceNodes: replacing(f),
    nodesToAcquire: Math.max(0, targetCount(f.service) - running),
    nodes: nodes.map((t) => dcosNode(f, t, now)),
  };
}

/**
 * GET health/cluster/report: the checks the Cassandra-on-Mesos scheduler made (node count, seed
 * count, every node healthy, every node NORMAL, every node with its server task), each with what
 * was expected and what is. Its `lastHealthCheckNewerThan` has no counterpart: Flotilla's checks run
 * continuously and their outcome is the task's state.
 */
export function clusterReport(f: CassandraFacts): DcosHealthReport {
  const expected = targetCount(f.service);
  const nodes = nodesOf(f.tasks);
  const running = nodes.filter(alive);
  const seeds = seedNames(f.service);
  const wantSeeds = Math.min(seeds.length || 1, expected);
  const many = <T>(v: T) => Array.from({ length: expected }, () => v);
  const results: DcosHealthReport['results'] = [
    { name: 'nodeCount', ok: running.length === expected, expected, actual: running.length },
    {
      name: 'seedCount',
      ok: running.filter((t) => seeds.includes(t.name)).length >= wantSeeds,
      expected: wantSeeds,
      actual: running.filter((t) => seeds.includes(t.name)).length,
    },
    { name: 'allHealthy', expected: many(true), actual: running.map((t) => isTaskReady(t)), ok: false },
    {
      name: 'operatingModeNormal',
      expected: many('NORMAL'),
      actual: running.map((t) => operationMode(t)),
      ok: false,
    },
    { name: 'nodesHaveServerTask', expected: many(true), actual: nodes.map(alive), ok: false },
  ];
  for (const r of results) {
    if (Array.isArray(r.expected)) r.ok = JSON.stringify(r.expected) === JSON.stringify(r.actual);
  }
  return { healthy: results.every((r) => r.ok), results };
}

/**
 * The node a DC/OS route names: as DC/OS took it, its address, hostname or executor id; or
 * Flotilla's own name (cassandra-1).
 */
export function resolveNode(f: CassandraFacts, ref: string): TaskRecord {
  const nodes = nodesOf(f.tasks);
  const byName = nodes.find((t) => t.name === ref || t.id === ref || `${t.id}.server` === ref);
  if (byName) return byName;
  const byAddress = nodes.filter((t) => t.host === ref);
  if (byAddress.length === 1) return byAddress[0]!;
  throw new FlotillaError(
    'PLAN_PARAMETERS_INVALID',
    byAddress.length > 1
      ? `${byAddress.length} nodes of ${f.service.name} listen on ${ref}; name one: ${byAddress.map((t) => t.name).join(', ')}`
      : `service ${f.service.name} has no node "${ref}"; its nodes are ${nodes.map((t) => `${t.name} (${t.host})`).join(', ')}`,
  );
}
