import { testLaunchSpec } from '../core/testing.js';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import type { LaunchSpec } from '../core/task.js';
import type { UsageInterval } from '../core/usage.js';
import { migrate } from './db.js';
import { MIGRATIONS } from './migrations.js';
import { createStore, type Store } from './store.js';

function spec(over: Partial<LaunchSpec> = {}): LaunchSpec {
  return testLaunchSpec({ cmd: 'sleep 600', cpus: 0.5, mem: 256, killGracePeriodSeconds: 3, ...over });
}

function task(
  id: string,
  over: { tenant?: string; spec?: LaunchSpec; desired?: 'running' | 'stopped' } = {},
) {
  const [owner, name] = id.split('.') as [string, string];
  return {
    tenant: over.tenant ?? 'acme',
    id,
    ownerKind: 'app' as const,
    owner,
    name,
    role: 'app',
    index: 0,
    stack: null,
    nodeId: 'node-1',
    host: '127.0.10.1',
    ports: [],
    spec: over.spec ?? spec(),
    specHash: JSON.stringify(over.spec ?? spec()),
    desired: over.desired ?? 'running',
  };
}

/** The figures that matter, in a line each: "task cpus/mem/disk start..end". */
function lines(intervals: UsageInterval[]): string[] {
  return intervals.map((i) => `${i.taskId} ${i.cpus}/${i.mem}/${i.disk} ${i.start}..${i.end ?? 'open'}`);
}

describe('usage intervals, written through the tasks store', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-usage-'));
  let store: Store;
  let n = 0;
  const all = () => lines(store.usage.list('all', 0, Number.MAX_SAFE_INTEGER));

  beforeEach(() => {
    store?.close();
    store = createStore(path.join(dir, `state-${++n}.db`));
  });
  after(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('opens when a task is wanted running, splits when its resources change, closes when it is not wanted', () => {
    store.tasks.put(task('web.0'), 1000);
    store.tasks.put(task('web.0', { spec: spec({ env: { A: '1' } }) }), 2000);
    assert.deepEqual(
      all(),
      ['web.0 0.5/256/0 1000..open'],
      'a new spec with the same resources keeps the interval',
    );

    store.tasks.put(task('web.0', { spec: spec({ cpus: 1, mem: 512 }) }), 3000);
    store.tasks.update('acme', 'web.0', { state: 'running', restarts: 1 }, 4000);
    store.tasks.update('acme', 'web.0', { desired: 'stopped' }, 5000);
    store.tasks.update('acme', 'web.0', { desired: 'running' }, 6000);
    store.tasks.update('acme', 'web.0', { desired: 'removed' }, 8000);
    store.tasks.remove('acme', 'web.0');
    assert.deepEqual(all(), [
      'web.0 0.5/256/0 1000..3000',
      'web.0 1/512/0 3000..5000',
      'web.0 1/512/0 6000..8000',
    ]);
  });

  it('keeps no empty interval, and closes one at the last write when a wanted task is deleted', () => {
    store.tasks.put(task('a.0'), 1000);
    store.tasks.update('acme', 'a.0', { desired: 'removed' }, 1000);
    store.tasks.put(task('b.0'), 1000);
    store.tasks.update('acme', 'b.0', { state: 'running' }, 1500);
    store.tasks.remove('acme', 'b.0');
    store.tasks.put(task('c.0', { desired: 'stopped' }), 1000);
    assert.deepEqual(all(), ['b.0 0.5/256/0 1000..1500']);
  });

  it('rolls back with the task write it belongs to', () => {
    assert.throws(() =>
      store.atomically(() => {
        store.tasks.put(task('web.0'), 1000);
        throw new Error('deploy failed');
      }),
    );
    assert.deepEqual(all(), []);
    assert.equal(store.tasks.get('acme', 'web.0'), null);
  });

  it('lists what overlaps [from, to), for the tenants asked or for all', () => {
    store.tasks.put(task('web.0'), 1000);
    store.tasks.update('acme', 'web.0', { desired: 'removed' }, 2000);
    store.tasks.put(task('web.1'), 3000);
    store.tasks.put(task('job.0', { tenant: 'beta' }), 1500);
    const ids = (tenants: string[] | 'all', from: number, to: number) =>
      store.usage.list(tenants, from, to).map((i) => `${i.tenant}/${i.taskId}`);
    assert.deepEqual(ids(['acme'], 0, 10_000), ['acme/web.0', 'acme/web.1']);
    assert.deepEqual(ids(['acme'], 2000, 3000), [], 'half-open on both sides');
    assert.deepEqual(ids(['acme'], 1999, 3001), ['acme/web.0', 'acme/web.1']);
    assert.deepEqual(ids(['beta', 'gamma'], 0, 10_000), ['beta/job.0']);
    assert.deepEqual(ids([], 0, 10_000), []);
    assert.deepEqual(ids('all', 5000, 6000), ['acme/web.1', 'beta/job.0'], 'open intervals reach any `to`');
  });

  it('starts metering the tasks already wanted running when the migration runs', () => {
    const db = new Database(':memory:');
    const mine = MIGRATIONS.findIndex((m) => m.includes('CREATE TABLE usage_intervals'));
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    for (let v = 1; v <= mine; v++) {
      db.exec(MIGRATIONS[v - 1]!);
      db.prepare('INSERT INTO schema_migrations VALUES (?, 0)').run(v);
    }
    const insert =
      db.prepare(`INSERT INTO tasks (tenant, id, owner_kind, owner, name, role, idx, node_id, host,
      ports, spec, spec_hash, desired, state, state_since, created_at, updated_at)
      VALUES ('acme', ?, 'service', 'kv', ?, 'primary', 0, 'node-1', 'h', '[]', ?, 'x', ?, 'running', 0, 0, 0)`);
    insert.run('kv.redis-0', 'redis-0', JSON.stringify(spec({ cpus: 2, mem: 1024, disk: 10 })), 'running');
    insert.run('kv.redis-1', 'redis-1', JSON.stringify(spec()), 'removed');
    const before = Date.now();
    migrate(db);
    const rows = db.prepare('SELECT * FROM usage_intervals').all() as Record<string, unknown>[];
    assert.equal(rows.length, 1);
    assert.deepEqual(
      { ...rows[0], start_at: undefined },
      {
        id: 1,
        tenant: 'acme',
        owner_kind: 'service',
        owner: 'kv',
        task_id: 'kv.redis-0',
        cpus: 2,
        mem: 1024,
        disk: 10,
        start_at: undefined,
        end_at: null,
      },
    );
    const start = rows[0]!.start_at as number;
    assert.ok(start >= before - 1000 && start <= Date.now() + 1000, `start ${start} is about now`);
    db.close();
  });
});
