import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explain } from './explain.js';
import { schedule } from './scheduler.js';
import { gang, node, res, task, tenant, view } from './testing/build.js';

const GB = 1024;

describe('explain', () => {
  const pool = [
    node('n1', res(4, 8 * GB, 100, 4), { zone: 'a' }),
    node('n2', res(4, 8 * GB, 100, 4), { zone: 'b' }),
    node('n3', res(4, 1 * GB, 100, 0), { zone: 'b' }),
  ];
  const unique = [{ field: 'hostname', operator: 'UNIQUE' as const }];
  const kafka = gang(
    'acme/events',
    'acme',
    [0, 1, 2].map((i) => task(`events.kafka-${i}`, res(1, 4 * GB, 10, 2), { constraints: unique })),
  );

  it('gives each node’s reasons per task, counting the gang’s earlier tasks', () => {
    const e = explain(view(pool), kafka);
    assert.equal(e.gangId, 'acme/events');
    assert.equal(e.quota, null);
    const [k0, k1, k2] = e.tasks;
    assert.deepEqual(k0!.nodes, [
      { nodeId: 'n1', fits: true, reasons: [] },
      { nodeId: 'n2', fits: true, reasons: [] },
      { nodeId: 'n3', fits: false, reasons: ['mem: needs 4096 MB, 1024 MB free', 'ports: needs 2, 0 free'] },
    ]);
    // kafka-0 went to n1, so kafka-1 may not.
    assert.deepEqual(k1!.nodes[0], {
      nodeId: 'n1',
      fits: false,
      reasons: ['constraint hostname:UNIQUE: node already runs events.kafka-0'],
    });
    assert.equal(k1!.nodes[1]!.fits, true);
    assert.deepEqual(
      k2!.nodes.map((v) => v.fits),
      [false, false, false],
    );
    assert.deepEqual(k2!.nodes[1]!.reasons, ['constraint hostname:UNIQUE: node already runs events.kafka-1']);
  });

  it('agrees with schedule on why the gang waits', () => {
    const plan = schedule(view(pool), [kafka]);
    assert.deepEqual(plan.waiting, [
      {
        gangId: 'acme/events',
        kind: 'constraints',
        message: 'task events.kafka-2: no node fits (2 nodes fail hostname:UNIQUE, 1 node lacks mem)',
      },
    ]);
  });

  it('names the quota the gang would break', () => {
    const e = explain(view(pool, [tenant('acme', 1, { cpus: 2 })]), kafka);
    assert.equal(e.quota, 'tenant acme: cpus quota 2, 0 used, the gang needs 3 more');
  });

  it('explains constraints in words', () => {
    const held = {
      taskId: 'web.0',
      tenant: 'acme',
      service: 'web',
      group: 'web',
      nodeId: 'n2',
      resources: res(3, GB),
    };
    const web = gang('acme/web', 'acme', [
      task('web.1', res(2, GB), {
        constraints: [
          { field: 'zone', operator: 'IS', value: 'a' },
          { field: 'zone', operator: 'MAX_PER', value: '1' },
          { field: 'rack', operator: 'LIKE', value: 'r-.*' },
        ],
      }),
    ]);
    const [n1, n2] = explain(view(pool, [], [held]), web).tasks[0]!.nodes;
    assert.deepEqual(n1!.reasons, ['constraint rack:LIKE:r-.*: node has no rack attribute']);
    assert.deepEqual(n2!.reasons, [
      'cpus: needs 2, 1 free',
      'constraint zone:IS:a: zone is b',
      'constraint zone:MAX_PER:1: zone b already runs 1 task of the group',
      'constraint rack:LIKE:r-.*: node has no rack attribute',
    ]);
  });
});
