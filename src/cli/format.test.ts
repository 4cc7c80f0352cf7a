import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StackView, TaskView } from '../core/api-schemas.js';
import { visibleTasks } from './commands/task-list.js';
import { optionRows } from './commands/package-describe.js';
import { doctorLines, endpointRows, hostPorts, readyCount, taskRow } from './format.js';
import { verdictOf } from './wait.js';

function task(over: Partial<TaskView> = {}): TaskView {
  return {
    id: 'cache.redis-0',
    tenant: 'default',
    owner: 'cache',
    ownerKind: 'service',
    name: 'redis-0',
    role: 'primary',
    stack: 'dev',
    node: 'local',
    host: '127.0.0.1',
    ports: [20001],
    driver: 'process',
    state: 'healthy',
    desired: 'running',
    ready: true,
    upToDate: true,
    pid: 42,
    exitCode: null,
    exitSignal: null,
    message: null,
    restarts: 0,
    launches: 1,
    healthFailures: 0,
    stateSince: '2030-01-01T00:00:00.000Z',
    startedAt: '2030-01-01T00:00:00.000Z',
    env: {},
    sandbox: '/tmp/x',
    ...over,
  };
}

function stack(status: StackView['status'], tasks: TaskView[], message: string | null = null): StackView {
  const at = '2030-01-01T00:00:00.000Z';
  return {
    name: 'dev',
    tenant: 'default',
    services: [],
    apps: [],
    waiting: [],
    status,
    message,
    tasks,
    createdAt: at,
    updatedAt: at,
  };
}

describe('task rows', () => {
  it('joins host and ports, and shows a bare host when there are none', () => {
    assert.equal(hostPorts(task({ ports: [20001, 20002] })), '127.0.0.1:20001,20002');
    assert.equal(hostPorts(task({ ports: [] })), '127.0.0.1');
  });

  it('fills every column, with the age from stateSince and a cut message', () => {
    const now = Date.parse('2030-01-01T00:02:00.000Z');
    const row = taskRow(task({ pid: null, message: 'm'.repeat(70), restarts: 2 }), now);
    assert.deepEqual(row.slice(0, 7), ['cache.redis-0', 'dev', 'healthy', '127.0.0.1:20001', '-', '2', '2m']);
    assert.equal(row[7]?.length, 50);
  });

  it("shows a Compose owner's name as written beside the task id that commands take", () => {
    const row = taskRow(task({ id: 'cassandra-db.0', owner: 'cassandra-db', ownerName: 'cassandra_db' }));
    assert.equal(row[0], 'cassandra-db.0 (cassandra_db)');
    assert.equal(taskRow(task())[0], 'cache.redis-0');
  });

  it('counts ready tasks among those meant to run', () => {
    assert.equal(
      readyCount([task(), task({ ready: false }), task({ desired: 'removed', ready: false })]),
      '1/2',
    );
  });

  it('hides stopped tasks on their way out unless --all', () => {
    const gone = task({ desired: 'removed', state: 'killed' });
    const stopping = task({ desired: 'removed', state: 'running' });
    assert.deepEqual(visibleTasks([task(), gone, stopping], false), [task(), stopping]);
    assert.equal(visibleTasks([task(), gone, stopping], true).length, 3);
  });
});

describe('verdictOf', () => {
  it('is ready when the stack says so, or has nothing to run', () => {
    assert.equal(verdictOf(stack('ready', [task()])).kind, 'ready');
    assert.equal(verdictOf(stack('stopped', [])).kind, 'ready');
    assert.equal(verdictOf(stack('deploying', [task()])).kind, 'waiting');
  });

  it("fails with the daemon's reason, naming the failed task for its logs", () => {
    const failed = task({ id: 'web.0', state: 'failed', ready: false, restarts: 3 });
    const verdict = verdictOf(stack('failing', [task(), failed], 'task web.0 failed 3 times'));
    assert.deepEqual(verdict, { kind: 'failed', message: 'task web.0 failed 3 times', task: failed });
    const step = verdictOf(stack('failing', [task()], 'events: post-ready step failed: no broker'));
    assert.deepEqual(step, {
      kind: 'failed',
      message: 'events: post-ready step failed: no broker',
      task: undefined,
    });
  });
});

describe('endpointRows', () => {
  const ep = {
    name: 'redis',
    addresses: ['127.0.0.1:1', '127.0.0.1:2'],
    values: { url: 'redis://x', replicas: '' },
  };

  it('names values by key alone for a single endpoint, skips empty ones, adds the addresses', () => {
    assert.deepEqual(endpointRows('cache', [ep]), [
      ['cache', 'url', 'redis://x'],
      ['cache', 'addresses', '127.0.0.1:1,127.0.0.1:2'],
    ]);
  });

  it('prefixes the endpoint name when a service has several', () => {
    const rows = endpointRows('k', [ep, { name: 'admin', addresses: [], values: { url: 'http://y' } }]);
    assert.deepEqual(
      rows.map((r) => r[1]),
      ['redis.url', 'redis.addresses', 'admin.url'],
    );
  });
});

describe('optionRows', () => {
  it('shows type, default, choices, required options and secrets', () => {
    const rows = optionRows({
      required: ['size'],
      properties: {
        size: { type: 'integer', description: 'How many.' },
        mode: { type: 'string', enum: ['a', 'b'], default: 'a' },
        password: { type: 'string', writeOnly: true, description: 'Auth.' },
      },
    });
    assert.deepEqual(rows, [
      ['size', 'integer', '(required)', 'How many.'],
      ['mode', 'string', 'a', 'One of: a, b.'],
      ['password', 'string', '-', 'Auth. (secret)'],
    ]);
  });
});

describe('doctorLines (issue 16, defect 6)', () => {
  it('shows a check that passes with a warning as warn, never as ok', () => {
    const lines = doctorLines({
      ok: true,
      checks: [
        { name: 'redis: redis-server', ok: true, detail: '/usr/bin/redis-server' },
        { name: 'docker engine', ok: true, warning: true, detail: 'no Docker engine answers; run it' },
        { name: 'java', ok: false, detail: 'none', fix: 'install it' },
      ],
    });
    assert.deepEqual(lines, [
      'ok    redis: redis-server: /usr/bin/redis-server',
      'warn  docker engine: no Docker engine answers; run it',
      'FAIL  java: none',
      '      fix: install it',
    ]);
  });
});
