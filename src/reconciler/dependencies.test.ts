import { testLaunchSpec } from '../core/testing.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type TaskRecord } from '../core/task.js';
import { disruptionBlocker, launchBlockers, unreadyDependencies, waitingOn } from './dependencies.js';

function task(owner: string, name: string, over: Partial<TaskRecord> = {}): TaskRecord {
  const { spec, ...rest } = over;
  return {
    id: `${owner}.${name}`,
    tenant: 't',
    ownerKind: 'app',
    owner,
    name,
    role: 'main',
    index: 0,
    stack: null,
    nodeId: 'n1',
    host: '127.0.0.1',
    ports: [],
    spec: testLaunchSpec(spec),
    specHash: 'h1',
    desired: 'running',
    state: 'running',
    handle: null,
    launchedSpecHash: 'h1',
    restartRequested: false,
    exitCode: null,
    exitSignal: null,
    message: null,
    restarts: 0,
    launches: 1,
    nextLaunchAt: null,
    healthFailures: 0,
    stateSince: 0,
    createdAt: 0,
    updatedAt: 0,
    ...rest,
  };
}

describe('unreadyDependencies', () => {
  const web = task('web', '0', { spec: { ...task('web', '0').spec, dependsOn: ['db', 'init', 'cache'] } });

  it('waits for owners with no running task, and for each condition', () => {
    const tasks: Record<string, TaskRecord[]> = {
      db: [task('db', '0', { state: 'starting' })],
      init: [task('init', '0', { state: 'staging' })],
      cache: [],
    };
    const of = (owner: string) => tasks[owner] ?? [];
    assert.deepEqual(unreadyDependencies(web, of), ['db', 'init', 'cache']);

    const started = {
      ...web,
      spec: { ...web.spec, dependsOnCondition: { db: 'started', init: 'completed' } as const },
    };
    // db is alive (started is enough); init has not completed; cache has nothing running.
    assert.deepEqual(unreadyDependencies(started, of), ['init', 'cache']);

    tasks.init = [
      task('init', '0', { state: 'finished', spec: { ...web.spec, dependsOn: [], restart: 'no' } }),
    ];
    tasks.cache = [task('cache', '0'), task('cache', '1', { desired: 'stopped', state: 'killed' })];
    assert.deepEqual(unreadyDependencies(started, of), []);
  });
});

describe('waitingOn', () => {
  it('names the staging tasks that depend on the owner', () => {
    const dependsOnDb = { ...task('x', '0').spec, dependsOn: ['db'] };
    const tasks = [
      task('web', '0', { state: 'staging', spec: dependsOnDb }),
      task('web', '1', { state: 'running', spec: dependsOnDb }),
      task('other', '0', { state: 'staging' }),
    ];
    assert.deepEqual(
      waitingOn('db', tasks).map((t) => t.id),
      ['web.0'],
    );
  });
});

describe('disruptionBlocker', () => {
  const a = task('web', '0');
  it('lets a task go when its siblings are up, unhealthy ones included', () => {
    const siblings = [a, task('web', '1', { state: 'unhealthy' }), task('web', '2', { state: 'healthy' })];
    assert.equal(
      disruptionBlocker(a, siblings, () => false),
      null,
    );
  });

  it('holds it while a sibling is down, starting or being stopped', () => {
    assert.equal(
      disruptionBlocker(a, [a, task('web', '1', { state: 'starting' })], () => false),
      'web.1',
    );
    assert.equal(
      disruptionBlocker(a, [a, task('web', '1', { state: 'failed' })], () => false),
      'web.1',
    );
    const b = task('web', '1');
    assert.equal(
      disruptionBlocker(a, [a, b], (s) => s === b),
      'web.1',
    );
    // Itself, and siblings no longer wanted, do not count.
    assert.equal(
      disruptionBlocker(
        a,
        [{ ...a, state: 'starting' }, task('web', '1', { desired: 'stopped', state: 'killed' })],
        () => false,
      ),
      null,
    );
  });
});

describe('launchBlockers: siblings in the role the package starts first', () => {
  const primary = (over: Partial<TaskRecord> = {}) => task('cache', 'redis-0', { role: 'primary', ...over });
  const replica = task('cache', 'redis-1', { role: 'replica', state: 'staging' });
  const blockers = (siblings: TaskRecord[], t = replica, firstRole: string | undefined = 'primary') =>
    launchBlockers(t, (o) => (o === 'cache' ? siblings : []), firstRole);

  it('holds a replica while its primary is about to launch or starting', () => {
    assert.deepEqual(blockers([primary({ state: 'staging' }), replica]), ['cache.redis-0']);
    assert.deepEqual(blockers([primary({ state: 'starting' }), replica]), ['cache.redis-0']);
  });

  it('lets it go once the primary is up, down, backing off or no longer wanted', () => {
    for (const state of ['healthy', 'running', 'unhealthy', 'failed', 'killed'] as const)
      assert.deepEqual(blockers([primary({ state }), replica]), [], state);
    assert.deepEqual(blockers([primary({ state: 'staging', nextLaunchAt: 5_000 }), replica]), []);
    assert.deepEqual(blockers([primary({ state: 'starting', desired: 'stopped' }), replica]), []);
  });

  it('never holds the first role itself, nor a package that names none', () => {
    const starting = primary({ state: 'starting' });
    assert.deepEqual(blockers([starting, replica], primary({ state: 'staging', id: 'cache.redis-9' })), []);
    assert.deepEqual(
      launchBlockers(replica, () => [starting, replica], undefined),
      [],
    );
  });

  it('adds them after the owners it depends on', () => {
    const app = task('web', '0', {
      state: 'staging',
      role: 'replica',
      spec: testLaunchSpec({ dependsOn: ['db'] }),
    });
    const tasksOf = (o: string) =>
      o === 'web' ? [task('web', '1', { role: 'primary', state: 'starting' }), app] : [];
    assert.deepEqual(launchBlockers(app, tasksOf, 'primary'), ['db', 'web.1']);
  });
});
