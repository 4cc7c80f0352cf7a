import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PlanState } from '../core/plan.js';
import type { ServiceRecord } from '../core/service.js';
import type { TaskRecord, TaskState } from '../core/task.js';
import {
  assertCassandra,
  clusterReport,
  nodeList,
  resolveNode,
  type CassandraFacts,
} from './dcos-cassandra.js';

const NOW = 1_000_000;

function service(over: Partial<ServiceRecord> = {}): ServiceRecord {
  return {
    tenant: 'acme',
    name: 'ring',
    package: 'cassandra',
    version: '5.0.9',
    options: { nodes: 3, clusterName: 'dev', cpus: 3, mem: 6144, disk: 30720 },
    stack: null,
    dependencies: [],
    state: { seeds: 'cassandra-0,cassandra-1' },
    afterReady: null,
    createdAt: 0,
    updatedAt: 0,
    ...over,
  };
}

function node(i: number, state: TaskState = 'healthy', launched = true): TaskRecord {
  return {
    id: `ring.cassandra-${i}`,
    tenant: 'acme',
    ownerKind: 'service',
    owner: 'ring',
    name: `cassandra-${i}`,
    role: 'node',
    index: i,
    stack: null,
    nodeId: `node-${i}`,
    host: `127.0.10.${i + 2}`,
    ports: [20000 + i, 21000 + i, 22000 + i],
    spec: {
      env: {},
      secretEnv: [],
      files: [],
      cpus: 3,
      mem: 6144,
      disk: 30720,
      healthChecks: [{ protocol: 'COMMAND' } as never],
      killGracePeriodSeconds: 30,
      backoff: { backoffSeconds: 1, backoffFactor: 1.15, maxLaunchDelaySeconds: 300 },
      dependsOn: [],
    },
    specHash: 'h',
    desired: 'running',
    state,
    handle: launched
      ? {
          driver: 'process',
          launchId: `l${i}`,
          pid: 4000 + i,
          startTime: '1',
          bootId: 'b',
          startedAt: NOW - 5000,
        }
      : null,
    launchedSpecHash: launched ? 'h' : null,
    restartRequested: false,
    exitCode: null,
    exitSignal: null,
    message: state === 'starting' ? 'not Up/Normal yet' : null,
    restarts: 0,
    launches: launched ? 1 : 0,
    nextLaunchAt: null,
    healthFailures: 0,
    stateSince: 0,
    createdAt: 0,
    updatedAt: 0,
  };
}

const facts = (tasks: TaskRecord[], over: Partial<CassandraFacts> = {}): CassandraFacts => ({
  service: service(),
  tasks,
  plans: [],
  ...over,
});

describe("DC/OS Cassandra's node/all", () => {
  it("lists every node in DC/OS's shape: address, executor id, ports, seed, pid, health details", () => {
    const list = nodeList(facts([node(1), node(0), node(2, 'starting')]), NOW);
    assert.deepEqual(list.replaceNodes, []);
    assert.equal(list.nodesToAcquire, 0);
    assert.deepEqual(
      list.nodes.map((n) => [n.executorId, n.ip, n.seedNode, n.healthCheckDetails.operationMode]),
      [
        ['ring.cassandra-0', '127.0.10.2', true, 'NORMAL'],
        ['ring.cassandra-1', '127.0.10.3', true, 'NORMAL'],
        ['ring.cassandra-2', '127.0.10.4', false, 'STARTING'],
      ],
    );
    const first = list.nodes[0]!;
    assert.deepEqual(first.tasks.SERVER, {
      cpuCores: 3,
      diskMb: 30720,
      memMb: 6144,
      taskId: 'ring.cassandra-0.server',
    });
    assert.equal(first.jmxPort, 22000);
    assert.equal(first.nativePort, 20000);
    assert.equal(first.cassandraDaemonPid, 4000);
    assert.equal(first.targetRunState, 'RUN');
    assert.equal(first.healthCheckDetails.clusterName, 'dev');
    assert.equal(first.healthCheckDetails.uptimeMillis, 5000);
    assert.equal(first.healthCheckDetails.healthy, true);
    assert.equal(list.nodes[2]!.healthCheckDetails.healthy, false);
    assert.equal(list.nodes[2]!.healthCheckDetails.msg, 'not Up/Normal yet');
  });

  it('counts the nodes still to acquire (queued, or placed and not launched) and those being replaced', () => {
    const running: PlanState = {
      name: 'replace',
      status: 'STARTING',
      parameters: { node: 'cassandra-1' },
      phases: [],
      errors: [],
    };
    const list = nodeList(facts([node(0), node(1, 'staging', false)], { plans: [running] }), NOW);
    // 3 wanted, cassandra-2 not placed, cassandra-1 not launched.
    assert.equal(list.nodesToAcquire, 2);
    assert.deepEqual(list.replaceNodes, ['127.0.10.3']);
    assert.equal(list.nodes[1]!.cassandraDaemonPid, null);
    assert.equal(list.nodes[1]!.healthCheckDetails.operationMode, '');
    // A ring a scale plan set to 4 wants 4, whatever the options say.
    const scaled = facts([node(0), node(1), node(2)], {
      service: service({ state: { seeds: 'cassandra-0', scaledTo: '4' } }),
    });
    assert.equal(nodeList(scaled, NOW).nodesToAcquire, 1);
  });
});

describe("DC/OS Cassandra's health/cluster/report", () => {
  it('is healthy when every wanted node runs, is ready and NORMAL', () => {
    const report = clusterReport(facts([node(0), node(1), node(2)]));
    assert.equal(report.healthy, true);
    assert.deepEqual(
      report.results.map((r) => [r.name, r.ok]),
      [
        ['nodeCount', true],
        ['seedCount', true],
        ['allHealthy', true],
        ['operatingModeNormal', true],
        ['nodesHaveServerTask', true],
      ],
    );
  });

  it('says which check fails, with what was expected and what is', () => {
    const report = clusterReport(facts([node(0), node(1, 'starting')]));
    assert.equal(report.healthy, false);
    const byName = new Map(report.results.map((r) => [r.name, r]));
    assert.deepEqual(byName.get('nodeCount'), { name: 'nodeCount', ok: false, expected: 3, actual: 2 });
    assert.deepEqual(byName.get('allHealthy')?.actual, [true, false]);
    assert.deepEqual(byName.get('operatingModeNormal'), {
      name: 'operatingModeNormal',
      ok: false,
      expected: ['NORMAL', 'NORMAL', 'NORMAL'],
      actual: ['NORMAL', 'STARTING'],
    });
    assert.equal(byName.get('seedCount')?.ok, true);
  });
});

describe('naming a node as DC/OS did', () => {
  const f = facts([node(0), node(1), node(2)]);
  it('takes its address, its executor id, its task id or its name', () => {
    for (const ref of ['127.0.10.3', 'ring.cassandra-1', 'ring.cassandra-1.server', 'cassandra-1']) {
      assert.equal(resolveNode(f, ref).name, 'cassandra-1', ref);
    }
  });
  it('refuses an unknown node with a code listing the nodes', () => {
    assert.throws(
      () => resolveNode(f, '10.0.0.9'),
      (err: Error & { code?: string }) =>
        err.code === 'PLAN_PARAMETERS_INVALID' && /cassandra-2 \(127\.0\.10\.4\)/.test(err.message),
    );
  });
  it("refuses another package's service", () => {
    assert.throws(() => assertCassandra(service({ package: 'redis', name: 'cache' })), {
      code: 'DCOS_API_UNSUPPORTED',
    });
  });
});
