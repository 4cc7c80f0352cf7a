import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FlotillaError } from '../../core/errors.js';
import type { TaskRecord } from '../../core/task.js';
import type { PhaseDefinition, PlacedTask, ServiceOps } from '../package.js';
import { cassandra } from './index.js';
import { lastLine, parseStatus, ringProblem } from './ring.js';

const ops = cassandra.operations!;

/**
 * A ring in memory behind the ServiceOps a plan step sees: nodetool status answers from `ring`,
 * decommission removes the node from it, redeploys resize the tasks and record the state.
 */
class FakeRing implements ServiceOps {
  nodes: PlacedTask[] = [];
  ring = new Map<string, string>();
  stateMap: Record<string, string> = { seeds: 'cassandra-0,cassandra-1' };
  readonly log: string[] = [];
  refuse: string | null = null;
  /** What the scheduler would say of a redeploy: why it would wait, or null when it fits. */
  capacity: (nodes: number) => string | null = () => null;

  constructor(size: number) {
    this.resize(size);
    for (const n of this.nodes) this.ring.set(n.host, 'UN');
  }

  private resize(size: number): void {
    this.nodes = Array.from({ length: size }, (_, i) => ({
      name: `cassandra-${i}`,
      role: 'node',
      index: i,
      ports: [9042, 7000, 7199],
      cpus: 1,
      mem: 1024,
      host: `127.0.10.${i + 1}`,
      bindHost: `127.0.10.${i + 1}`,
      publicHost: `127.0.10.${i + 1}`,
      sandbox: `/sb/cassandra-${i}`,
    }));
  }

  tasks(): TaskRecord[] {
    return this.nodes.map((n) => ({ name: n.name, handle: { launchId: 'l1' } }) as unknown as TaskRecord);
  }
  placed(): PlacedTask[] {
    return this.nodes;
  }
  state(): Record<string, string> {
    return { ...this.stateMap };
  }
  async redeploy(change: {
    state?: Record<string, string | null>;
    options?: Record<string, unknown>;
  }): Promise<void> {
    for (const [k, v] of Object.entries(change.state ?? {})) {
      if (v === null) delete this.stateMap[k];
      else this.stateMap[k] = v;
    }
    const size = change.options?.nodes as number | undefined;
    this.log.push(
      `redeploy${size === undefined ? '' : ` nodes=${size}`} ${JSON.stringify(change.state ?? {})}`,
    );
    if (size !== undefined) {
      this.resize(size);
      for (const n of this.nodes) if (!this.ring.has(n.host)) this.ring.set(n.host, 'UN');
    }
  }
  async wouldWait(change: { options?: Record<string, unknown> }): Promise<string | null> {
    return this.capacity(change.options?.nodes as number);
  }
  async restartTask(name: string): Promise<void> {
    this.log.push(`restart ${name}`);
  }
  async waitReady(name: string): Promise<void> {
    this.log.push(`ready ${name}`);
    this.ring.set(this.nodes.find((n) => n.name === name)!.host, 'UN');
  }
  async exec(name: string, argv: string[]): Promise<string> {
    assert.deepEqual(argv.slice(0, 2), ['/bin/bash', `/sb/${name}/bin/nodetool.sh`]);
    const command = argv.slice(2);
    if (command[0] === 'status') {
      return [...this.ring].map(([host, state]) => `${state}  ${host}  1 MiB  16  75%  id  rack1`).join('\n');
    }
    this.log.push(`${name}: nodetool ${command.join(' ')}`);
    if (command[0] === 'decommission') {
      if (this.refuse)
        throw new Error(`java … exited 2: error: ${this.refuse}\n-- StackTrace --\n\tat x.y(Z.java:1)`);
      this.ring.delete(this.nodes.find((n) => n.name === name)!.host);
    }
    return 'done\n';
  }
  say(): void {}
}

async function runAll(phases: PhaseDefinition[], ring: FakeRing): Promise<string[]> {
  const names: string[] = [];
  for (const phase of phases) {
    for (const step of phase.steps) {
      names.push(`${phase.name}/${step.name}`);
      await step.run(ring);
    }
  }
  return names;
}

describe('cassandra day-2 operations', () => {
  it('replace: checks the peers, relaunches the node fresh, waits for its bootstrap and the ring', async () => {
    const ring = new FakeRing(3);
    ring.ring.set('127.0.10.2', 'DN');
    const steps = await runAll(ops.replace!.build({ node: 'cassandra-1' }, ring), ring);
    assert.deepEqual(steps, [
      'replace/check-peers',
      'replace/relaunch-fresh',
      'replace/bootstrap',
      'replace/verify-ring',
    ]);
    assert.deepEqual(ring.log.slice(0, 2), [
      'redeploy {"fresh.cassandra-1":"1","replace.cassandra-1":"127.0.10.2"}',
      'ready cassandra-1',
    ]);
  });

  it('replace: refuses an unknown node, a one-node ring, and a ring with another node down', async () => {
    assert.throws(
      () => ops.replace!.build({ node: 'cassandra-7' }, new FakeRing(3)),
      (e: FlotillaError) =>
        e.code === 'PLAN_PARAMETERS_INVALID' &&
        /nodes are cassandra-0, cassandra-1, cassandra-2/.test(e.message),
    );
    assert.throws(() => ops.replace!.build({ node: 'cassandra-0' }, new FakeRing(1)), /only node/);
    const ring = new FakeRing(3);
    ring.ring.set('127.0.10.3', 'DN');
    const [phase] = ops.replace!.build({ node: 'cassandra-1' }, ring);
    await assert.rejects(
      phase!.steps[0]!.run(ring),
      /cassandra-2 \(127\.0\.10\.3\) is DN: .*must be Up\/Normal/,
    );
  });

  it('scale up: deploys, waits for each new node, then cleans up the old ones', async () => {
    const ring = new FakeRing(3);
    const steps = await runAll(ops.scale!.build({ nodes: '5' }, ring), ring);
    assert.deepEqual(steps, [
      'grow/deploy',
      'bootstrap/cassandra-3',
      'bootstrap/cassandra-4',
      'cleanup/verify-ring',
      'cleanup/cassandra-0',
      'cleanup/cassandra-1',
      'cleanup/cassandra-2',
    ]);
    assert.deepEqual(ring.log, [
      'redeploy nodes=5 {"scale":"3->5","scaledTo":"5"}',
      'ready cassandra-3',
      'ready cassandra-4',
      'cassandra-0: nodetool cleanup',
      'cassandra-1: nodetool cleanup',
      'cassandra-2: nodetool cleanup',
      'redeploy {"scale":null}',
    ]);
    assert.equal(ring.stateMap.scale, undefined);
  });

  it('scale up refuses before it changes anything when the scheduler cannot place the new nodes', async () => {
    const ring = new FakeRing(3);
    const why = 'node "cassandra-4" fits on no node: 4 of 4 nodes hold a cassandra node already';
    ring.capacity = (nodes) => (nodes > 4 ? why : null);
    await assert.rejects(
      ops.scale!.check!({ nodes: '5' }, ring),
      (err: FlotillaError) =>
        err.code === 'PLAN_DOES_NOT_FIT' && err.message.includes(why) && /5 nodes/.test(err.message),
    );
    assert.deepEqual(ring.log, [], 'nothing was redeployed');
    await ops.scale!.check!({ nodes: '4' }, ring);
    // Going down adds nothing to place.
    ring.capacity = () => why;
    await ops.scale!.check!({ nodes: '2' }, ring);
  });

  it('scale down: decommissions the highest nodes one by one, then removes each task with fresh data next time', async () => {
    const ring = new FakeRing(5);
    const steps = await runAll(ops.scale!.build({ nodes: '3' }, ring), ring);
    assert.deepEqual(steps, ['decommission/cassandra-4', 'decommission/cassandra-3']);
    assert.deepEqual(ring.log, [
      'cassandra-4: nodetool decommission',
      'redeploy nodes=4 {"fresh.cassandra-4":"1","replace.cassandra-4":null,"seeds":"cassandra-0,cassandra-1","scale":"5->3","scaledTo":"4"}',
      'cassandra-3: nodetool decommission',
      'redeploy nodes=3 {"fresh.cassandra-3":"1","replace.cassandra-3":null,"seeds":"cassandra-0,cassandra-1","scale":null,"scaledTo":"3"}',
    ]);
    assert.equal(ring.ring.size, 3);
  });

  it('scale: `continue` after a partial scale-down rebuilds the same steps', async () => {
    const ring = new FakeRing(5);
    const first = ops.scale!.build({ nodes: '3' }, ring);
    await first[0]!.steps[0]!.run(ring);
    assert.equal(ring.nodes.length, 4);
    const again = ops.scale!.build({ nodes: '3' }, ring);
    assert.deepEqual(
      again.map((p) => p.steps.map((s) => s.name)),
      first.map((p) => p.steps.map((s) => s.name)),
    );
  });

  it('scale down below a keyspace replication factor: says why and what to do', async () => {
    const ring = new FakeRing(3);
    ring.refuse =
      'Not enough live nodes to maintain replication factor in keyspace system_distributed (RF = 3, N = 3). Perform a forceful decommission to ignore.';
    const [phase] = ops.scale!.build({ nodes: '2' }, ring);
    await assert.rejects(
      phase!.steps[0]!.run(ring),
      /RF = 3, N = 3.*Below 3 nodes.*ALTER KEYSPACE.*force=true/,
    );
    ring.refuse = null;
    const [forced] = ops.scale!.build({ nodes: '2', force: 'true' }, ring);
    await forced!.steps[0]!.run(ring);
    assert.equal(ring.log.at(-2), 'cassandra-2: nodetool decommission --force');
  });

  it('scale: refuses a size that is not a whole number from 1 to 32', () => {
    for (const nodes of ['0', '33', 'three', '2.5']) {
      assert.throws(
        () => ops.scale!.build({ nodes }, new FakeRing(3)),
        (e: FlotillaError) => e.code === 'PLAN_PARAMETERS_INVALID' && /from 1 to 32/.test(e.message),
      );
    }
    assert.throws(() => ops.scale!.build({ nodes: '3', force: 'yes' }, new FakeRing(3)), /true or false/);
  });

  it('repair: nodetool repair -pr on each node in turn', async () => {
    const ring = new FakeRing(3);
    const steps = await runAll(ops.repair!.build({}, ring), ring);
    assert.deepEqual(steps, ['repair/cassandra-0', 'repair/cassandra-1', 'repair/cassandra-2']);
    assert.deepEqual(
      ring.log,
      [0, 1, 2].map((i) => `cassandra-${i}: nodetool repair -pr`),
    );
  });
});

describe('nodetool status', () => {
  const out = `Datacenter: datacenter1
=======================
Status=Up/Down
|/ State=Normal/Leaving/Joining/Moving
--  Address     Load        Tokens  Owns (effective)  Host ID                               Rack
UN  127.0.10.1  180.5 KiB   16      100.0%            7f0c2a4e-9f8b-4c47-9d9e-3f6b0f3f1a11  rack1
DN  127.0.10.2  175.2 KiB   16      100.0%            8a1d3b5f-0a9c-4d58-8eaf-4a7c1a4a2b22  rack1
UJ  127.0.10.4  90 KiB      16      ?                 9b2e4c60-1bad-4e69-9fb0-5b8d2b5b3c33  rack1
`;

  it('reads each member and says what keeps the ring from being exactly the service, all UN', () => {
    const members = parseStatus(out);
    assert.deepEqual(members, [
      { state: 'UN', address: '127.0.10.1' },
      { state: 'DN', address: '127.0.10.2' },
      { state: 'UJ', address: '127.0.10.4' },
    ]);
    assert.equal(
      ringProblem(members, ['127.0.10.1', '127.0.10.2', '127.0.10.3']),
      '1 of 3 nodes Up/Normal; not UN: 127.0.10.2=DN; missing: 127.0.10.3; not of this service: 127.0.10.4=UJ',
    );
    assert.equal(ringProblem(members.slice(0, 1), ['127.0.10.1']), null);
  });

  it("keeps nodetool's own error line, not its stack trace", () => {
    assert.equal(
      lastLine(new Error('java exited 2: error: No nodes present\n-- StackTrace --\n\tat a.b(C.java:1)')),
      'error: No nodes present',
    );
    assert.equal(lastLine(new Error('exited 1: Connection refused\n')), 'exited 1: Connection refused');
  });
});
