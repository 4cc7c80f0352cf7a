import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TaskRecord } from '../core/task.js';
import { testLaunchSpec, testTask } from '../core/testing.js';
import { createStore } from './store.js';

const spec = testLaunchSpec({ cmd: 'sleep 600', cpus: 0.5, mem: 64 });

function put(store: ReturnType<typeof createStore>, tenant: string, owner: string, index: number, now = 0) {
  store.tasks.put(testTask(tenant, owner, index, { spec }), now);
}

const ids = (ts: TaskRecord[]) => ts.map((t) => `${t.tenant}/${t.id}`);

describe('tasks store: the records in memory', () => {
  it('reads in the order SQLite did (tenant, owner, index), and sees every write', () => {
    const store = createStore(':memory:');
    put(store, 'b', 'web', 1);
    put(store, 'a', 'web', 10);
    put(store, 'a', 'db', 0);
    put(store, 'a', 'web', 2);
    assert.deepEqual(ids(store.tasks.listAll()), ['a/db.0', 'a/web.2', 'a/web.10', 'b/web.1']);
    assert.deepEqual(ids(store.tasks.list('a')), ['a/db.0', 'a/web.2', 'a/web.10']);
    assert.deepEqual(ids(store.tasks.byOwner('a', 'web')), ['a/web.2', 'a/web.10']);
    assert.deepEqual(ids(store.tasks.byOwner('a', 'db')), ['a/db.0'], 'the first owner');
    assert.deepEqual(ids(store.tasks.byOwner('a', 'cache')), [], 'an owner before every other');
    assert.deepEqual(ids(store.tasks.byOwner('a', 'zz')), [], 'an owner after every other');
    assert.deepEqual(ids(store.tasks.byOwner('a', 'wb')), [], 'an owner between two');
    assert.deepEqual(ids(store.tasks.byOwner('c', 'web')), [], 'a tenant with no task');

    store.tasks.update('a', 'web.2', { state: 'running', message: 'up' }, 5);
    assert.equal(store.tasks.get('a', 'web.2')?.state, 'running');
    assert.equal(store.tasks.list('a')[1]?.message, 'up');
    store.tasks.remove('a', 'db.0');
    put(store, 'a', 'api', 0);
    assert.deepEqual(ids(store.tasks.list('a')), ['a/api.0', 'a/web.2', 'a/web.10']);
    assert.equal(store.tasks.get('a', 'db.0'), null);
    store.close();
  });

  it('hands out the same frozen record until its row is written, and arrays of its own', () => {
    const store = createStore(':memory:');
    put(store, 'a', 'web', 0);
    put(store, 'a', 'web', 1);
    const first = store.tasks.get('a', 'web.0')!;
    assert.equal(store.tasks.list('a')[0], first);
    assert.throws(() => {
      (first as { state: string }).state = 'failed';
    }, TypeError);
    assert.throws(() => (first.ports as number[]).push(1), TypeError);
    const list = store.tasks.list('a');
    list.reverse();
    assert.deepEqual(ids(store.tasks.list('a')), ['a/web.0', 'a/web.1'], 'a caller sorting its array');
    store.tasks.update('a', 'web.0', { restarts: 1 }, 1);
    const second = store.tasks.get('a', 'web.0')!;
    assert.notEqual(second, first);
    assert.deepEqual([first.restarts, second.restarts], [0, 1]);
    assert.equal(store.tasks.get('a', 'web.1'), list[0], 'an untouched row keeps its record');
    store.close();
  });

  it('sees its own writes inside a transaction, and none of them after it rolled back', () => {
    const store = createStore(':memory:');
    put(store, 'a', 'web', 0);
    assert.equal(store.tasks.list('a').length, 1);
    assert.throws(() =>
      store.atomically(() => {
        put(store, 'a', 'web', 1);
        store.tasks.update('a', 'web.0', { state: 'failed' }, 1);
        assert.deepEqual(ids(store.tasks.list('a')), ['a/web.0', 'a/web.1']);
        assert.equal(store.tasks.get('a', 'web.0')?.state, 'failed');
        assert.equal(store.tasks.byOwner('a', 'web').length, 2);
        throw new Error('roll back');
      }),
    );
    assert.deepEqual(ids(store.tasks.list('a')), ['a/web.0']);
    assert.equal(store.tasks.get('a', 'web.0')?.state, 'staging');
    assert.equal(store.tasks.get('a', 'web.1'), null);

    store.atomically(() => {
      put(store, 'a', 'web', 1);
      store.tasks.remove('a', 'web.0');
    });
    assert.deepEqual(ids(store.tasks.listAll()), ['a/web.1']);
    store.close();
  });

  it('reads back many written rows at once (a large commit) as well as a few', () => {
    const store = createStore(':memory:');
    put(store, 'a', 'web', 0);
    store.tasks.list('a');
    store.atomically(() => {
      for (let i = 1; i < 600; i++) put(store, 'a', 'web', i);
    });
    const list = store.tasks.list('a');
    assert.equal(list.length, 600);
    assert.deepEqual(
      list.map((t) => t.index),
      Array.from({ length: 600 }, (_, i) => i),
    );
    store.close();
  });

  it('keeps each list in order row by row through random writes, as SQLite orders them', () => {
    const store = createStore(':memory:');
    const sql = store.db.prepare('SELECT tenant, id FROM tasks ORDER BY tenant, owner, idx, id');
    let seed = 7;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let step = 0; step < 600; step++) {
      const tenant = ['a', 'b'][random(2)]!;
      const owner = ['web', 'db', 'api', 'zk'][random(4)]!;
      const index = random(12);
      const op = random(3);
      if (op === 0) put(store, tenant, owner, index, step);
      else if (op === 1) store.tasks.update(tenant, `${owner}.${index}`, { restarts: step }, step);
      else store.tasks.remove(tenant, `${owner}.${index}`);
      if (random(4) === 0) store.tasks.list(tenant);
      if (random(10) === 0)
        assert.deepEqual(
          ids(store.tasks.listAll()),
          (sql.all() as { tenant: string; id: string }[]).map((r) => `${r.tenant}/${r.id}`),
          `step ${step}`,
        );
    }
    store.close();
  });
});
