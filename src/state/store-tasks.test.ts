import { testLaunchSpec } from '../core/testing.js';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { describe, it } from 'node:test';
import type { LaunchSpec } from '../core/task.js';
import { migrate } from './db.js';
import { MIGRATIONS } from './migrations.js';
import { createStore } from './store.js';

const spec: LaunchSpec = testLaunchSpec({ cmd: 'sleep 600', cpus: 0.5, mem: 256, killGracePeriodSeconds: 3 });

describe('tasks store: restartRequested', () => {
  it('is false for a new task, and set and cleared by update', () => {
    const store = createStore(':memory:');
    store.tasks.put(
      {
        tenant: 'acme',
        id: 'web.0',
        ownerKind: 'app',
        owner: 'web',
        name: '0',
        role: 'app',
        index: 0,
        stack: null,
        nodeId: 'node-1',
        host: '127.0.10.1',
        ports: [],
        spec,
        specHash: 'h1',
        desired: 'running',
      },
      1000,
    );
    assert.equal(store.tasks.get('acme', 'web.0')?.restartRequested, false);
    store.tasks.update('acme', 'web.0', { restartRequested: true }, 2000);
    assert.equal(store.tasks.get('acme', 'web.0')?.restartRequested, true);
    store.tasks.update('acme', 'web.0', { launchedSpecHash: 'h1', restartRequested: false }, 3000);
    const t = store.tasks.get('acme', 'web.0');
    assert.deepEqual([t?.restartRequested, t?.launchedSpecHash, t?.updatedAt], [false, 'h1', 3000]);
    store.close();
  });

  it("turns a pending restart written the old way (launched_spec_hash 'restart') into the flag", () => {
    const db = new Database(':memory:');
    const mine = MIGRATIONS.findIndex((m) => m.includes('ADD COLUMN restart_requested'));
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    for (let v = 1; v <= mine; v++) {
      db.exec(MIGRATIONS[v - 1]!);
      db.prepare('INSERT INTO schema_migrations VALUES (?, 0)').run(v);
    }
    const insert =
      db.prepare(`INSERT INTO tasks (tenant, id, owner_kind, owner, name, role, idx, node_id, host,
      ports, spec, spec_hash, desired, state, launched_spec_hash, state_since, created_at, updated_at)
      VALUES ('acme', ?, 'app', 'web', ?, 'app', 0, 'node-1', 'h', '[]', '{}', 'h2', 'running', 'running', ?, 0, 0, 0)`);
    insert.run('web.0', '0', 'restart');
    insert.run('web.1', '1', 'h1');
    migrate(db);
    const rows = db.prepare('SELECT id, launched_spec_hash, restart_requested FROM tasks ORDER BY id').all();
    assert.deepEqual(rows, [
      { id: 'web.0', launched_spec_hash: 'h2', restart_requested: 1 },
      { id: 'web.1', launched_spec_hash: 'h1', restart_requested: 0 },
    ]);
    db.close();
  });
});
