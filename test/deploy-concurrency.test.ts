import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { FlotillaClient } from '../src/client/client.js';
import { isFlotillaError } from '../src/core/errors.js';
import { startInProcessDaemon, type InProcessDaemon } from './helpers/daemon.js';
import { waitFor } from './helpers/flotilla.js';

const ROUNDS = 100;
const MARKER = `RACE_${randomUUID().replaceAll('-', '')}`;

const stackFile = (instances: number) => `
name: race
apps:
  a:
    cmd: exec sleep 600
    instances: ${instances}
    cpus: 0.01
    mem: 8
    env: { ${MARKER}: "1" }
`;

/** The answers a write may get when another write, landed first, removed what it names. */
const CONFLICTS = new Set(['STACK_NOT_FOUND', 'APP_NOT_FOUND']);

type Op = { kind: 'up' | 'scale'; instances: number } | { kind: 'down' } | { kind: 'restart' };

/** Processes of this test's tasks, found by the marker in their environment. */
function markedPids(): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/environ`, 'utf8').includes(`${MARKER}=1`)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/**
 * `up`, `down`, `scale` and `restart` of one stack fired at once from several clients: the deployer
 * runs them one at a time, so the state after each round is what the last write (the highest
 * revision) asked for, and the processes converge on it with none orphaned or duplicated.
 */
describe('concurrent writes to one stack', () => {
  let d: InProcessDaemon;
  let clients: FlotillaClient[];

  before(async () => {
    d = await startInProcessDaemon('race', 44000);
    clients = [0, 1, 2, 3].map(() => d.admin);
  });
  after(async () => {
    await d.stop();
    assert.deepEqual(markedPids(), [], 'no task process outlives the daemon that stopped it');
  });

  const run = async (client: FlotillaClient, op: Op): Promise<{ op: Op; revision: number } | null> => {
    try {
      if (op.kind === 'up')
        return { op, revision: (await client.applyStack('race', stackFile(op.instances))).revision };
      if (op.kind === 'scale') return { op, revision: (await client.scaleApp('a', op.instances)).revision };
      if (op.kind === 'down') return { op, revision: (await client.downStack('race')).revision };
      await client.restartApp('a');
      return null;
    } catch (err) {
      assert.ok(isFlotillaError(err) && CONFLICTS.has(err.code), `a coded conflict, not ${String(err)}`);
      return null;
    }
  };

  /** What the store holds now for the stack: null when it is gone, else the instances it runs. */
  const observed = async (): Promise<number | null> => {
    const stacks = await d.admin.listStacks();
    const tasks = (await d.admin.listTasks({ stack: 'race' })).filter((t) => t.desired === 'running');
    const ids = tasks.map((t) => t.id).sort();
    assert.equal(new Set(ids).size, ids.length, 'no task twice');
    if (!stacks.some((s) => s.name === 'race')) {
      assert.deepEqual(ids, [], 'a stack that is gone wants no task');
      return null;
    }
    const app = await d.admin.getApp('a');
    assert.deepEqual(
      ids,
      Array.from({ length: app.instances }, (_, i) => `a.${i}`),
      'exactly the instances the app declares',
    );
    return app.instances;
  };

  const converged = () =>
    waitFor(
      async () => {
        const tasks = (await d.admin.listTasks({ stack: 'race' })).filter((t) => t.desired === 'running');
        const live = markedPids();
        const pids = tasks.map((t) => t.pid);
        const settled =
          tasks.every((t) => t.state === 'running' && t.upToDate) &&
          (await d.admin.listTasks({ stack: 'race' })).every((t) => t.desired === 'running');
        return settled && live.length === tasks.length && pids.every((p) => p !== null && live.includes(p));
      },
      30_000,
      'the processes to match the tasks',
    );

  it(`ends every one of ${ROUNDS} rounds in the state of the last write`, async () => {
    await clients[0]!.applyStack('race', stackFile(1));
    for (let round = 0; round < ROUNDS; round++) {
      const ops: Op[] = [
        { kind: 'up', instances: 1 + (round % 3) },
        { kind: 'scale', instances: 1 + ((round + 1) % 3) },
        { kind: 'down' },
        { kind: 'restart' },
      ];
      // A different arrival order each round.
      const order = ops
        .map((op, i) => ({ op, key: (i * 7 + round * 13) % 11 }))
        .sort((a, b) => a.key - b.key);
      const done = await Promise.all(order.map(({ op }, i) => run(clients[i % clients.length]!, op)));
      const landed = done.filter((x): x is { op: Op; revision: number } => x !== null);
      const last = landed.sort((a, b) => b.revision - a.revision)[0]!;
      const state = await observed();
      if (last.op.kind === 'down') assert.equal(state, null, `round ${round}: down landed last`);
      else if (last.op.kind !== 'restart')
        assert.equal(state, last.op.instances, `round ${round}: ${last.op.kind}`);
      if (round % 10 === 9) await converged();
      // The next round starts from a stack that exists.
      if (state === null) await clients[0]!.applyStack('race', stackFile(1));
    }
    await converged();
  });
});
