import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FlotillaEvent } from '../../src/client/client.js';
import { TestHome, isAlive } from '../helpers/flotilla.js';

// An app that takes a second to stop: its TERM trap sleeps before it exits.
const SLOW_STOP = `trap 'sleep 1; exit 0' TERM; while :; do sleep 0.1; done`;
// An app that is ready (its COMMAND check passes) about 0.8 s after it starts.
const READY_LATER = `sleep 0.8; touch ready; trap 'exit 0' TERM; while :; do sleep 0.1; done`;
const readyLater = (name: string) => `  ${name}:
    cmd: "${READY_LATER}"
    cpus: 0.05
    mem: 16
    healthChecks:
      - { protocol: COMMAND, command: { value: 'test -f ready' }, gracePeriodSeconds: 30, intervalSeconds: 1 }
`;

/** Every event of the home so far, replayed from the start. */
async function allEvents(home: TestHome): Promise<FlotillaEvent[]> {
  const seen: FlotillaEvent[] = [];
  const abort = new AbortController();
  const done = home.client().events((e) => seen.push(e), abort.signal, 0);
  await new Promise((r) => setTimeout(r, 300));
  abort.abort();
  await done;
  return seen;
}

/** When a task first reached `state` (the event's time), or undefined. */
function firstAt(events: FlotillaEvent[], task: string, state: string, after = 0): number | undefined {
  const e = events.find(
    (x) =>
      x.type === 'task_state' &&
      x.data.task === task &&
      x.data.state === state &&
      Date.parse(String(x.data.at)) >= after,
  );
  return e ? Date.parse(String(e.data.at)) : undefined;
}

describe('start and stop order', () => {
  const home = new TestHome();
  const file = (name: string, text: string) => {
    const f = path.join(home.home, `${name}.yml`);
    fs.writeFileSync(f, text);
    return f;
  };

  before(async () => {
    await home.ok(['daemon', 'start']);
  });
  after(async () => {
    assert.equal(await home.cleanup(), 0);
  });

  it('down stops a dependent app before the Redis it uses', async () => {
    const stack = `name: ordered
services:
  cache: { package: redis, options: { replicas: 1, persistence: none } }
apps:
  user:
    cmd: "${SLOW_STOP}"
    env: { REDIS_URL: '\${cache.url}' }
    cpus: 0.05
    mem: 16
`;
    await home.ok(['up', '-f', file('ordered', stack), '--wait', '--timeout', '60']);
    const redis = (await home.client().listTasks({ owner: 'cache' })).map((t) => t.pid!);
    const since = Date.now();
    await home.ok(['down', 'ordered']);
    const events = await allEvents(home);
    const user = firstAt(events, 'user.0', 'killed', since - 1000);
    const caches = ['cache.redis-0', 'cache.redis-1'].map((t) => firstAt(events, t, 'killed', since - 1000));
    assert.ok(user !== undefined, 'the app was stopped');
    for (const at of caches) {
      assert.ok(at !== undefined, 'each Redis task was stopped');
      // The app's trap takes a second: Redis was stopped only once the app had exited.
      assert.ok(at >= user, `Redis stopped at ${at}, before its dependent app (${user})`);
    }
    for (const pid of redis) assert.equal(isAlive(pid), false);
  });

  it('startOrder: serial starts each task once the one before it is ready', async () => {
    const stack = `name: one-by-one\nstartOrder: serial\napps:\n${readyLater('a')}${readyLater('b')}`;
    const since = Date.now();
    await home.ok(['up', '-f', file('serial', stack), '--wait', '--timeout', '60']);
    const events = await allEvents(home);
    const [first, second] = ['a.0', 'b.0']
      .map((t) => ({
        started: firstAt(events, t, 'starting', since)!,
        ready: firstAt(events, t, 'healthy', since)!,
      }))
      .sort((x, y) => x.started - y.started);
    assert.ok(first!.started && second!.started && first!.ready, 'both started and became ready');
    assert.ok(second!.started >= first!.ready, 'the second started after the first was ready');
    await home.ok(['down', 'one-by-one']);
  });

  it('startOrder: parallel starts every task at once', async () => {
    const stack = `name: side-by-side\nstartOrder: parallel\napps:\n${readyLater('c')}${readyLater('d')}`;
    const since = Date.now();
    await home.ok(['up', '-f', file('parallel', stack), '--wait', '--timeout', '60']);
    const events = await allEvents(home);
    const started = ['c.0', 'd.0'].map((t) => firstAt(events, t, 'starting', since)!);
    const ready = ['c.0', 'd.0'].map((t) => firstAt(events, t, 'healthy', since)!);
    assert.ok(Math.max(...started) < Math.min(...ready), 'both started before either was ready');
    await home.ok(['down', 'side-by-side']);
  });

  it('a stack file that says an unknown startOrder is refused with what to write', async () => {
    const r = await home.cli(['up', '-f', file('bad-order', 'name: bad\nstartOrder: fastest\napps: {}\n')]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /STACK_INVALID.*startOrder.*auto, parallel, serial/s);
  });

  it('replace starts the new stack while the old one stops, and a bad file keeps the old one', async () => {
    const old = `name: before\napps:\n  old:\n    cmd: "${SLOW_STOP}"\n    cpus: 0.05\n    mem: 16\n`;
    await home.ok(['up', '-f', file('before', old), '--wait', '--timeout', '60']);
    const [oldTask] = await home.client().listTasks({ stack: 'before' });
    const bad = 'name: after\nservices:\n  x: { package: no-such-package }\n';
    const refused = await home.cli(['replace', 'before', '-f', file('bad', bad)]);
    assert.notEqual(refused.code, 0);
    const kept = await home.client().listTasks({ stack: 'before' });
    assert.equal(kept[0]?.pid, oldTask!.pid, 'the old stack still runs, untouched');
    assert.equal(kept[0]?.desired, 'running');

    const since = Date.now();
    const next = `name: after\napps:\n${readyLater('new')}`;
    await home.ok(['replace', 'before', '-f', file('after', next), '--wait', '--timeout', '60']);
    const events = await allEvents(home);
    const newStarted = firstAt(events, 'new.0', 'starting', since);
    const oldKilled = firstAt(events, 'old.0', 'killed', since);
    assert.ok(newStarted !== undefined && oldKilled !== undefined);
    // The old app takes a second to stop: the new one started before it was gone.
    assert.ok(newStarted < oldKilled, `new started at ${newStarted}, old gone at ${oldKilled}`);
    assert.deepEqual(
      (await home.client().listStacks()).map((s) => s.name),
      ['after'],
    );
    assert.equal(isAlive(oldTask!.pid!), false);
    await home.ok(['down', 'after']);
  });
});
