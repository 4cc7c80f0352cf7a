import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import fs from 'node:fs';
import { parseExperiment } from './experiment.js';

const fieldOf = (data: unknown): string | null => {
  try {
    parseExperiment(data);
    return null;
  } catch (err) {
    assert.equal((err as { code: string }).code, 'EXPERIMENT_INVALID');
    return (err as { details: { field: string } }).details.field;
  }
};

const ok = {
  name: 'x',
  stack: { name: 'lab' },
  durationS: 10,
  workload: { kind: 'redis', service: 'cache' },
  checkers: [{ kind: 'redis-lost-writes' }],
};

describe('experiment files', () => {
  it('name the field that is wrong', () => {
    assert.equal(fieldOf(ok), null);
    assert.equal(fieldOf({ ...ok, durationS: 0 }), 'durationS');
    assert.equal(fieldOf({ ...ok, stack: { file: 'a', name: 'b' } }), 'stack');
    assert.equal(fieldOf({ ...ok, workload: { kind: 'mongodb' } }), 'workload.kind');
    assert.equal(fieldOf({ ...ok, workload: { kind: 'kafka' } }), 'workload.service');
    const kafka = { kind: 'kafka', service: 'events' };
    const kafkaOk = { ...ok, workload: kafka, checkers: [{ kind: 'kafka-acknowledged' }] };
    assert.equal(fieldOf(kafkaOk), null);
    assert.equal(
      fieldOf({ ...kafkaOk, workload: { ...kafka, acks: 1, idempotence: true } }),
      'workload.idempotence',
    );
    assert.equal(fieldOf({ ...kafkaOk, workload: { ...kafka, acks: 1, idempotence: false } }), null);
    assert.equal(fieldOf({ ...kafkaOk, workload: { ...kafka, acks: 2 } }), 'workload.acks');
    assert.equal(fieldOf({ ...kafkaOk, workload: { ...kafka, topic: 'a b' } }), 'workload.topic');
    assert.equal(
      fieldOf({ ...kafkaOk, workload: { ...kafka, replicationFactor: 2, minInsyncReplicas: 3 } }),
      'workload.minInsyncReplicas',
    );
    assert.equal(
      fieldOf({ ...kafkaOk, workload: { ...kafka, topicConfigs: { 'min.insync.replicas': 1 } } }),
      'workload.topicConfigs.min.insync.replicas',
    );
    assert.equal(fieldOf({ ...kafkaOk, workload: { kind: 'redis', service: 'cache' } }), 'checkers[0].kind');
    const cassandra = { kind: 'cassandra', service: 'ring' };
    const cassandraOk = { ...ok, workload: cassandra, checkers: [{ kind: 'cassandra-acknowledged' }] };
    assert.equal(fieldOf(cassandraOk), null);
    assert.deepEqual(parseExperiment(cassandraOk).workload, {
      kind: 'cassandra',
      service: 'ring',
      rate: 100,
      consistency: 'QUORUM',
      replicationFactor: 3,
      readEvery: 4,
    });
    assert.equal(
      fieldOf({ ...cassandraOk, workload: { ...cassandra, consistency: 'SERIAL' } }),
      'workload.consistency',
    );
    assert.equal(
      fieldOf({ ...cassandraOk, workload: { ...cassandra, replicationFactor: 0 } }),
      'workload.replicationFactor',
    );
    assert.equal(fieldOf({ ...cassandraOk, workload: { kind: 'cassandra' } }), 'workload.service');
    assert.equal(fieldOf({ ...kafkaOk, checkers: [{ kind: 'cassandra-acknowledged' }] }), 'checkers[0].kind');
    assert.equal(fieldOf({ ...ok, workload: { kind: 'command', command: 'ls -l' } }), 'workload.command');
    assert.equal(fieldOf({ ...ok, checkers: [] }), 'checkers');
    assert.equal(fieldOf({ ...ok, checkers: [{ kind: 'command' }] }), 'checkers[0].command');
    assert.equal(
      fieldOf({ ...ok, nemesis: [{ at: 1, fault: { kind: 'meteor' } }] }),
      'nemesis[0].fault.kind',
    );
    assert.equal(fieldOf({ ...ok, nemesis: [{ fault: { kind: 'kill' } }] }), 'nemesis[0]');
    assert.equal(fieldOf({ ...ok, nemesis: [{ at: 99, fault: { kind: 'kill' } }] }), 'nemesis[0].at');
    assert.equal(fieldOf({ ...ok, colour: 'red' }), 'experiment.colour');
    // The daemon's checks of a fault, before anything runs.
    assert.equal(
      fieldOf({ ...ok, nemesis: [{ at: 1, fault: { kind: 'kill' } }] }),
      'nemesis[0].fault.service',
    );
    assert.equal(
      fieldOf({
        ...ok,
        nemesis: [{ every: 2, fault: { kind: 'isolate', service: 'cache', pick: 'majority' } }],
      }),
      'nemesis[0].fault.pick',
    );
    assert.equal(
      fieldOf({ ...ok, nemesis: [{ at: 1, fault: { kind: 'isolate', service: 'cache' } }] }),
      null,
    );
  });

  it('accepts every example', () => {
    const dir = new URL('../../../examples/experiments/', import.meta.url);
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.yml') && !n.endsWith('stack.yml')))
      assert.doesNotThrow(() => parseExperiment(parse(fs.readFileSync(new URL(f, dir), 'utf8'))), f);
  });
});
