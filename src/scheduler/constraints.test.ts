import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlotillaError } from '../core/errors.js';
import { parseConstraints } from './constraints.js';
import { schedule } from './scheduler.js';
import { gang, node, res, task, view } from './testing/build.js';
import type { Allocation, Constraint, Plan } from './types.js';

const GB = 1024;
// Six nodes: zones a/b/c, racks rack-1…rack-3; n6 has no rack attribute.
const POOL = [
  node('n1', res(4, 8 * GB), { zone: 'a', rack: 'rack-1' }),
  node('n2', res(4, 8 * GB), { zone: 'a', rack: 'rack-1' }),
  node('n3', res(4, 8 * GB), { zone: 'b', rack: 'rack-2' }),
  node('n4', res(4, 8 * GB), { zone: 'b', rack: 'rack-2' }),
  node('n5', res(4, 8 * GB), { zone: 'c', rack: 'rack-3' }),
  node('n6', res(4, 8 * GB), { zone: 'c' }),
];
const zoneOf = (id: string) => POOL.find((n) => n.id === id)!.attributes.zone;
const rackOf = (id: string) => POOL.find((n) => n.id === id)!.attributes.rack;

/** One gang of `count` small tasks of group "app", all with the given constraints. */
function run(count: number, constraints: Constraint[], allocations: Allocation[] = []): Plan {
  const tasks = Array.from({ length: count }, (_, i) => task(`app.${i}`, res(1, GB), { constraints }));
  return schedule(view(POOL, [], allocations), [gang('t/app', 't', tasks)]);
}
const nodesOf = (plan: Plan) => plan.placements.map((p) => p.nodeId);
const held = (nodeId: string, group = 'app'): Allocation => ({
  taskId: `${group}.old-${nodeId}`,
  tenant: 't',
  service: 'app',
  group,
  nodeId,
  resources: res(1, GB),
});

describe('constraints: parse', () => {
  it('reads Marathon syntax', () => {
    const raw = [
      ['hostname', 'UNIQUE'],
      ['zone', 'GROUP_BY', '3'],
      ['rack', 'LIKE', 'rack-[1-3]'],
      ['hostname', 'MAX_PER', 2],
      ['zone', 'IS', 'a'],
    ];
    assert.deepEqual(parseConstraints(raw, 'app.constraints'), [
      { field: 'hostname', operator: 'UNIQUE' },
      { field: 'zone', operator: 'GROUP_BY', value: '3' },
      { field: 'rack', operator: 'LIKE', value: 'rack-[1-3]' },
      { field: 'hostname', operator: 'MAX_PER', value: '2' },
      { field: 'zone', operator: 'IS', value: 'a' },
    ]);
    assert.deepEqual(parseConstraints(undefined, 'x'), []);
  });

  const refuses: [unknown, RegExp][] = [
    ['hostname', /^app\.constraints: constraints must be a list/],
    [[['hostname']], /^app\.constraints\[0\]: a constraint is a list of 2 or 3/],
    [[['', 'UNIQUE']], /first element must name a node attribute/],
    [[['hostname', 'unique']], /write the operator in capitals: "UNIQUE"/],
    [[['hostname', 'SPREAD']], /"SPREAD" is not one of UNIQUE, CLUSTER/],
    [[['hostname', 'UNIQUE', 'x']], /UNIQUE takes no value; write \["hostname","UNIQUE"\]/],
    [[['zone', 'IS']], /IS needs a value, e.g. \["zone","IS","a"\]/],
    [[['zone', 'MAX_PER', '0']], /whole number of at least 1/],
    [[['zone', 'GROUP_BY', 'three']], /whole number of at least 1/],
    [[['rack', 'LIKE', 'rack-[1-']], /"rack-\[1-" is not a valid regular expression/],
    [[['zone', 'IS', { a: 1 }]], /must be a string/],
  ];
  for (const [raw, message] of refuses) {
    it(`refuses ${JSON.stringify(raw)} with a message that says what to write`, () => {
      assert.throws(
        () => parseConstraints(raw, 'app.constraints'),
        (err: unknown) =>
          err instanceof FlotillaError && err.code === 'APP_INVALID' && message.test(err.message),
      );
    });
  }
});

describe('constraints: placement', () => {
  it('UNIQUE puts each task on its own hostname, and refuses a 7th task on 6 nodes', () => {
    assert.equal(new Set(nodesOf(run(6, [{ field: 'hostname', operator: 'UNIQUE' }]))).size, 6);
    const plan = run(7, [{ field: 'hostname', operator: 'UNIQUE' }]);
    assert.deepEqual(plan.placements, []);
    assert.equal(plan.waiting[0]!.kind, 'constraints');
    assert.equal(plan.waiting[0]!.message, 'task app.6: no node fits (6 nodes fail hostname:UNIQUE)');
  });

  it('UNIQUE counts the group’s existing tasks, and only its own group', () => {
    const plan = run(
      1,
      [{ field: 'zone', operator: 'UNIQUE' }],
      [held('n1'), held('n3'), held('n5', 'other')],
    );
    assert.equal(zoneOf(nodesOf(plan)[0]!), 'c');
  });

  it('CLUSTER with a value keeps to that value; one no node has refuses', () => {
    const plan = run(3, [{ field: 'rack', operator: 'CLUSTER', value: 'rack-2' }]);
    assert.deepEqual(nodesOf(plan).map(rackOf), ['rack-2', 'rack-2', 'rack-2']);
    assert.equal(
      run(1, [{ field: 'rack', operator: 'CLUSTER', value: 'rack-9' }]).waiting[0]!.kind,
      'constraints',
    );
  });

  it('CLUSTER without a value follows the first task of the group, and refuses when that place is full', () => {
    const plan = run(4, [{ field: 'zone', operator: 'CLUSTER' }], [held('n3')]);
    assert.deepEqual(nodesOf(plan).map(zoneOf), ['b', 'b', 'b', 'b']);
    const full = run(8, [{ field: 'zone', operator: 'CLUSTER' }], [held('n3')]); // zone b has room for 7 more
    assert.deepEqual(full.placements, []);
    assert.match(
      full.waiting[0]!.message,
      /^task app\.7: no node fits \(4 nodes fail zone:CLUSTER, 2 nodes lack cpus\)$/,
    );
  });

  it('GROUP_BY spreads evenly over the values, and refuses to pile up before reaching n values', () => {
    const even = run(6, [{ field: 'zone', operator: 'GROUP_BY' }]);
    const per = (plan: Plan) =>
      nodesOf(plan).reduce<Record<string, number>>((m, id) => {
        m[zoneOf(id)!] = (m[zoneOf(id)!] ?? 0) + 1;
        return m;
      }, {});
    assert.deepEqual(per(even), { a: 2, b: 2, c: 2 });
    // n = 4 values expected, the pool has 3: the 4th task has nowhere new to go.
    const refused = run(4, [{ field: 'zone', operator: 'GROUP_BY', value: '4' }]);
    assert.deepEqual(refused.placements, []);
    assert.equal(refused.waiting[0]!.kind, 'constraints');
  });

  it('GROUP_BY fills the least loaded value first when the group already runs somewhere', () => {
    const plan = run(3, [{ field: 'zone', operator: 'GROUP_BY' }], [held('n1'), held('n2'), held('n3')]);
    // a has 2, b 1, c 0: c, then b or c, then the third
    assert.deepEqual(nodesOf(plan).map(zoneOf).sort(), ['b', 'c', 'c']);
  });

  it('LIKE matches the whole value; a node without the attribute is refused', () => {
    const plan = run(4, [{ field: 'rack', operator: 'LIKE', value: 'rack-[12]' }]);
    assert.ok(nodesOf(plan).every((id) => ['rack-1', 'rack-2'].includes(rackOf(id)!)));
    assert.equal(run(1, [{ field: 'rack', operator: 'LIKE', value: 'rack' }]).placements.length, 0);
  });

  it('UNLIKE refuses matching values and accepts a node without the attribute', () => {
    const plan = run(2, [{ field: 'rack', operator: 'UNLIKE', value: 'rack-[12]' }]);
    assert.deepEqual(nodesOf(plan).sort(), ['n5', 'n6']);
    assert.equal(run(1, [{ field: 'zone', operator: 'UNLIKE', value: '.*' }]).placements.length, 0);
  });

  it('MAX_PER allows n tasks per value and refuses the next', () => {
    const two = run(6, [{ field: 'zone', operator: 'MAX_PER', value: '2' }]);
    assert.equal(two.placements.length, 6);
    const seven = run(7, [{ field: 'zone', operator: 'MAX_PER', value: '2' }]);
    assert.equal(seven.waiting[0]!.message, 'task app.6: no node fits (6 nodes fail zone:MAX_PER:2)');
  });

  it('IS wants the exact value', () => {
    assert.deepEqual(nodesOf(run(2, [{ field: 'zone', operator: 'IS', value: 'a' }])).map(zoneOf), [
      'a',
      'a',
    ]);
    assert.equal(run(1, [{ field: 'zone', operator: 'IS', value: 'A' }]).placements.length, 0);
    assert.equal(run(1, [{ field: 'rack', operator: 'IS', value: 'rack-3' }]).placements[0]!.nodeId, 'n5');
  });
});
