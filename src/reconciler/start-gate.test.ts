import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testLaunchSpec } from '../core/testing.js';
import { isTaskReady, type TaskRecord } from '../core/task.js';
import { chainLength, defaultStartSlots, StartGate, type StartRequest } from './start-gate.js';
import { stopBlocker } from './teardown.js';

function req(key: string, over: Partial<StartRequest> = {}): StartRequest {
  return {
    key,
    group: 't/s',
    order: 'auto',
    heavy: true,
    owner: `t/${key.split('.')[0]}`,
    oneAtATime: false,
    priority: 1,
    ...over,
  };
}

/** Which of the requests the gate has admitted, after the microtasks ran. */
async function admitted(gate: StartGate, reqs: StartRequest[]): Promise<Set<string>> {
  const got = new Set<string>();
  for (const r of reqs) void gate.admit(r).then(() => got.add(r.key));
  await new Promise((r) => setImmediate(r));
  return got;
}

function task(
  owner: string,
  name: string,
  dependsOn: string[] = [],
  over: Partial<TaskRecord> = {},
): TaskRecord {
  return {
    id: `${owner}.${name}`,
    tenant: 't',
    ownerKind: 'service',
    owner,
    name,
    role: 'main',
    index: 0,
    stack: 's',
    nodeId: 'n1',
    host: '127.0.0.1',
    ports: [],
    spec: testLaunchSpec({ dependsOn }),
    specHash: 'h',
    desired: 'running',
    state: 'staging',
    handle: null,
    launchedSpecHash: null,
    restartRequested: false,
    exitCode: null,
    exitSignal: null,
    message: null,
    restarts: 0,
    launches: 0,
    nextLaunchAt: null,
    healthFailures: 0,
    stateSince: 0,
    createdAt: 0,
    updatedAt: 0,
    ...over,
  };
}

describe('StartGate', () => {
  it('auto: heavy services take the turns, longest chain first; a light start never waits', async () => {
    const gate = new StartGate(1);
    const got = await admitted(gate, [
      req('first.0', { priority: 9 }),
      req('spark.0', { priority: 1 }),
      req('ring.0', { priority: 3 }),
      req('zk.0', { priority: 2 }),
      req('redis.0', { heavy: false }),
    ]);
    // One turn, held by the first; redis is not a JVM and never waits.
    assert.deepEqual([...got].sort(), ['first.0', 'redis.0']);
    gate.release('first.0');
    await new Promise((r) => setImmediate(r));
    assert.ok(got.has('ring.0') && !got.has('zk.0') && !got.has('spark.0'), 'the longest chain (ring) next');
    gate.release('ring.0');
    await new Promise((r) => setImmediate(r));
    assert.ok(got.has('zk.0') && !got.has('spark.0'), 'then zk (chain 2), before spark (1)');
  });

  it("auto: a service's tasks start together on its one turn", async () => {
    const gate = new StartGate(1);
    const got = await admitted(gate, [req('events.0'), req('events.1'), req('events.2'), req('zk.0')]);
    assert.deepEqual([...got].sort(), ['events.0', 'events.1', 'events.2']);
  });

  it('one at a time: a Cassandra node waits for the one before it, whatever the turns', async () => {
    const gate = new StartGate(4);
    const ring = (n: number) => req(`ring.${n}`, { oneAtATime: true, priority: 3 });
    const got = await admitted(gate, [ring(0), ring(1), ring(2)]);
    assert.deepEqual([...got], ['ring.0']);
    gate.release('ring.0');
    await new Promise((r) => setImmediate(r));
    assert.equal(gate.counts.waiting, 1);
  });

  it('a turn is kept for a longer chain that has not asked yet', async () => {
    const gate = new StartGate(2);
    const got = await admitted(gate, [
      req('zk.0', { priority: 2 }),
      req('spark.0', { priority: 1, ahead: () => 1 }),
    ]);
    assert.deepEqual([...got], ['zk.0'], 'spark leaves the second turn to the ring still fetching jars');
  });

  it('serial: one start of the stack at a time, light ones too; parallel: all at once', async () => {
    const serial = new StartGate(8);
    const one = await admitted(serial, [
      req('a.0', { order: 'serial', heavy: false }),
      req('b.0', { order: 'serial', heavy: false }),
      req('c.0', { order: 'serial', heavy: false, group: 't/other' }),
    ]);
    assert.deepEqual([...one].sort(), ['a.0', 'c.0'], 'one per stack');
    const parallel = new StartGate(1);
    const all = await admitted(parallel, [
      req('a.0', { order: 'parallel' }),
      req('b.0', { order: 'parallel' }),
    ]);
    assert.equal(all.size, 2);
  });

  it('by default one service starts its JVMs per two cores, and at least one', () => {
    assert.deepEqual([1, 2, 3, 4, 8, 64].map(defaultStartSlots), [1, 1, 1, 2, 4, 32]);
  });

  it('drain lets every waiting start go', async () => {
    const gate = new StartGate(1);
    const reqs = [req('a.0'), req('b.0')];
    const got = await admitted(gate, reqs);
    assert.equal(got.size, 1);
    gate.drain();
    await new Promise((r) => setImmediate(r));
    assert.equal(gate.counts.waiting, 0);
  });
});

describe('chainLength', () => {
  it('counts the longest chain of dependents, and one-at-a-time owners by their nodes left', () => {
    const tasks = [
      task('zk', 'zk-0'),
      task('events', 'kafka-0', ['zk']),
      task('ring', 'cassandra-0'),
      task('ring', 'cassandra-1'),
      task('ring', 'cassandra-2'),
    ];
    const oneAtATime = (o: string) => o === 'ring';
    assert.equal(chainLength(tasks[0]!, tasks, oneAtATime, isTaskReady), 2); // zk, then events
    assert.equal(chainLength(tasks[1]!, tasks, oneAtATime, isTaskReady), 1);
    assert.equal(chainLength(tasks[2]!, tasks, oneAtATime, isTaskReady), 3); // three bootstraps
  });
});

describe('stopBlocker', () => {
  const alive = () => true;
  it('a dependent that is going stops first; one that stays holds nothing up', () => {
    const zk = task('zk', 'zk-0', [], { desired: 'removed' });
    const broker = task('events', 'kafka-0', ['zk'], { desired: 'removed' });
    assert.equal(stopBlocker(zk, [zk, broker], alive)?.id, 'events.kafka-0');
    assert.equal(stopBlocker(broker, [zk, broker], alive), null);
    assert.equal(
      stopBlocker(zk, [zk, broker], () => false),
      null,
      'a dependent already gone',
    );
    const staying = { ...broker, desired: 'running' as const };
    assert.equal(stopBlocker(zk, [zk, staying], alive), null);
  });

  it("a service's own tasks stop together", () => {
    const a = task('events', 'kafka-0', [], { desired: 'removed' });
    const b = task('events', 'kafka-1', [], { desired: 'removed' });
    assert.equal(stopBlocker(a, [a, b], alive), null);
  });
});
