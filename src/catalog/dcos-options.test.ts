import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromDcosOptions, isDcosOptions } from './dcos-options.js';
import { getPackage, validateOptions } from './registry.js';

describe('DC/OS package options files', () => {
  it("maps DC/OS's own Cassandra example to the native options, one line per mapping", () => {
    const file = { cassandra: { 'cluster-name': 'dev', resources: { cpus: 3.0, mem: 6144, disk: 30720 } } };
    assert.ok(isDcosOptions('cassandra', file));
    const { options, mappings } = fromDcosOptions('cassandra', file);
    assert.deepEqual(options, { clusterName: 'dev', cpus: 3, mem: 6144, disk: 30720 });
    assert.deepEqual(mappings, [
      'cassandra.cluster-name → clusterName',
      'cassandra.resources.cpus → cpus',
      'cassandra.resources.mem → mem',
      'cassandra.resources.disk → disk',
    ]);
    // The package's own schema takes them: a 3-node ring (its default) named dev.
    const valid = validateOptions(getPackage('cassandra'), options);
    assert.equal(valid.nodes, 3);
    assert.equal(valid.disk, 30720);
  });

  it('reads snake_case, sections beside the package, and the node and broker counts', () => {
    assert.deepEqual(
      fromDcosOptions('cassandra', { cassandra: { cluster_name: 'x' }, nodes: { count: 5 } }).options,
      {
        clusterName: 'x',
        nodes: 5,
      },
    );
    assert.deepEqual(
      fromDcosOptions('kafka', { kafka: { 'broker-count': 3 }, service: { name: 'k' } }).options,
      {
        brokers: 3,
      },
    );
    assert.deepEqual(fromDcosOptions('zookeeper', { zookeeper: { node_count: 3 } }).options, { servers: 3 });
    assert.deepEqual(fromDcosOptions('spark', { spark: { 'worker-count': 2 } }).options, { workers: 2 });
    assert.equal(isDcosOptions('cassandra', { nodes: 3 }), false, 'native options stay native');
  });

  it('names every key it cannot honour, with a code', () => {
    assert.throws(
      () =>
        fromDcosOptions('cassandra', { cassandra: { 'cluster-name': 'dev', 'backup-restore': { s3: 'x' } } }),
      (err: Error & { code?: string }) =>
        err.code === 'PACKAGE_OPTION_UNSUPPORTED' && /"cassandra\.backup-restore\.s3"/.test(err.message),
    );
    assert.throws(
      () => fromDcosOptions('kafka', { kafka: { 'resources.disk': 1 } }),
      /PACKAGE_OPTION_UNSUPPORTED|cannot be honoured/,
    );
    assert.throws(
      () => fromDcosOptions('cassandra', { cassandra: { count: 3 }, nodes: { count: 5 } }),
      /contradicts cassandra\.count/,
    );
  });
});
