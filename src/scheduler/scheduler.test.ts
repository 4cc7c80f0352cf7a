import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { schedule } from './scheduler.js';
import { gang, node, placedPer, res, singles, task, tenant, view } from './testing/build.js';

const GB = 1024;

describe('schedule: DRF', () => {
  // The example of Ghodsi et al., "Dominant Resource Fairness", NSDI 2011: 9 CPUs and 18 GB;
  // A's tasks need <1 CPU, 4 GB> (dominant: mem, 4/18 = 2/9 per task), B's <3 CPU, 1 GB>
  // (dominant: cpus, 3/9 = 1/3 per task).
  const pool = [node('n1', res(9, 18 * GB))];
  const pending = [...singles('A', 20, res(1, 4 * GB)), ...singles('B', 20, res(3, 1 * GB))];

  it('gives A 3 tasks and B 2 tasks, as the paper does', () => {
    const plan = schedule(view(pool), pending);
    // A: 3 × <1, 4 GB> = <3 CPU, 12 GB>, dominant share 12/18 = 2/3
    // B: 2 × <3, 1 GB> = <6 CPU,  2 GB>, dominant share  6/9  = 2/3
    // All 9 CPUs are used, so neither fits another task.
    assert.deepEqual(placedPer(plan), { A: 3, B: 2 });
    assert.equal(plan.waiting.length, 35);
    assert.ok(plan.waiting.every((w) => w.kind === 'resources'));
    assert.match(plan.waiting[0]!.message, /^task A-svc\.3: no node fits \(1 node lacks cpus\)$/);
  });

  it('with weights A=2, B=1 gives A 4 tasks and B 1 task', () => {
    const plan = schedule(view(pool, [tenant('A', 2), tenant('B', 1)]), pending);
    // Weighted shares: A = tasks × (2/9) / 2 = tasks/9, B = tasks × 1/3.
    // (A,B) tasks → weighted shares, the lower one (ties: by name) gets the next task:
    // (0,0) 0, 0 → A; (1,0) 1/9, 0 → B; (1,1) 1/9, 1/3 → A; (2,1) 2/9, 1/3 → A;
    // (3,1) 1/3, 1/3 tie → A; (4,1) 4/9, 1/3 → B, but B's 3 CPUs do not fit (4 + 3 = 7 used,
    // 2 free) and then A's 4 GB do not fit either (16 + 1 = 17 GB used, 1 GB free).
    // A ends with dominant share 16/18 = 0.89, B with 3/9 = 0.33: A's weighted share 0.44 is
    // one task past B's 0.33; without weights it was 2/3 each.
    assert.deepEqual(placedPer(plan), { A: 4, B: 1 });
  });

  it('counts what tenants already hold', () => {
    // B already runs 2 tasks (dominant share 2/3), so A gets everything that is left.
    const held = [0, 1].map((i) => ({
      taskId: `B-old.${i}`,
      tenant: 'B',
      service: 'svc',
      group: 'B-old',
      nodeId: 'n1',
      resources: res(3, 1 * GB),
    }));
    const plan = schedule(view(pool, [], held), pending);
    assert.deepEqual(placedPer(plan), { A: 3 }); // 3 CPUs were free, and A's share stays below 2/3
  });

  it('shares fairly between the services of one tenant, too', () => {
    const big = [node('n1', res(8, 8 * GB))];
    const plan = schedule(view(big), [
      ...singles('A', 10, res(1, GB), 'web'),
      ...singles('A', 10, res(1, GB), 'db'),
    ]);
    const per = { web: 0, db: 0 };
    for (const p of plan.placements) per[p.gangId.includes('/web') ? 'web' : 'db']++;
    assert.deepEqual(per, { web: 4, db: 4 });
  });

  it('is deterministic, and the random sorter is deterministic for a seed', () => {
    const pool2 = [node('n1', res(9, 18 * GB)), node('n2', res(4, 8 * GB))];
    for (const options of [{}, { sorter: 'random' as const, seed: 9 }]) {
      assert.deepEqual(schedule(view(pool2), pending, options), schedule(view(pool2), pending, options));
    }
    const random = placedPer(schedule(view(pool2), pending, { sorter: 'random', seed: 9 }));
    assert.equal((random.A ?? 0) + (random.B ?? 0) > 0, true);
  });
});

describe('schedule: gangs and quotas', () => {
  it('places none of a 3-task gang when only 2 tasks fit', () => {
    const nodes = [node('n1', res(2, 2 * GB)), node('n2', res(2, 2 * GB))];
    const g = gang(
      'acme/zk',
      'acme',
      [0, 1, 2].map((i) => task(`zk.${i}`, res(2, GB))),
    );
    const plan = schedule(view(nodes), [g]);
    assert.deepEqual(plan.placements, []);
    assert.deepEqual(plan.waiting, [
      { gangId: 'acme/zk', kind: 'resources', message: 'task zk.2: no node fits (2 nodes lack cpus)' },
    ]);
    // The room the first two took was given back: a 2-task gang of the same service, tried
    // next, still fits (and the shape that failed inside the gang is not written off).
    const two = gang(
      'acme/zk-small',
      'acme',
      [0, 1].map((i) => task(`pair.${i}`, res(2, GB))),
      'zk',
    );
    const after = schedule(view(nodes), [g, two]);
    assert.deepEqual(
      after.placements.map((p) => p.taskId),
      ['pair.0', 'pair.1'],
    );
    assert.equal(after.waiting[0]!.gangId, 'acme/zk');
  });

  it('holds a gang over quota, and still places a smaller gang of the same tenant behind it', () => {
    const nodes = [node('n1', res(16, 32 * GB))];
    const policy = tenant('acme', 1, { mem: 8 * GB });
    const held = [
      {
        taskId: 'old.0',
        tenant: 'acme',
        service: 'old',
        group: 'old',
        nodeId: 'n1',
        resources: res(1, 6 * GB),
      },
    ];
    const big = gang('acme/events', 'acme', [
      task('events.0', res(1, 2 * GB)),
      task('events.1', res(1, 2 * GB)),
    ]);
    const small = gang('acme/events-mini', 'acme', [task('mini.0', res(1, GB))], 'events');
    const plan = schedule(view(nodes, [policy], held), [big, small]);
    assert.deepEqual(plan.waiting, [
      {
        gangId: 'acme/events',
        kind: 'quota',
        message: 'tenant acme: mem quota 8192 MB, 6144 MB used, the gang needs 4096 MB more',
      },
    ]);
    assert.deepEqual(plan.placements, [{ gangId: 'acme/events-mini', taskId: 'mini.0', nodeId: 'n1' }]);
  });

  it('counts this cycle’s placements against the quota', () => {
    const nodes = [node('n1', res(16, 32 * GB))];
    const plan = schedule(view(nodes, [tenant('acme', 1, { cpus: 3 })]), singles('acme', 5, res(1, GB)));
    assert.equal(plan.placements.length, 3);
    assert.equal(plan.waiting[0]!.message, 'tenant acme: cpus quota 3, 3 used, the gang needs 1 more');
  });

  it('tries a preferred node first, and falls back when it is full', () => {
    const nodes = ['n1', 'n2', 'n3'].map((id) => node(id, res(2, 2 * GB)));
    const pinned = gang('a/x', 'a', [task('x.0', res(1, GB), { preferredNode: 'n3' })]);
    const full = gang('a/y', 'a', [task('y.0', res(2, GB), { preferredNode: 'n3' })]);
    const plan = schedule(view(nodes), [pinned, full]);
    assert.equal(plan.placements[0]!.nodeId, 'n3');
    assert.notEqual(plan.placements[1]!.nodeId, 'n3');
  });

  it('spreads single tasks over the pool rather than piling them on the first node', () => {
    const nodes = ['n1', 'n2', 'n3'].map((id) => node(id, res(4, 4 * GB)));
    const plan = schedule(view(nodes), singles('a', 3, res(1, GB)));
    assert.deepEqual(plan.placements.map((p) => p.nodeId).sort(), ['n1', 'n2', 'n3']);
  });

  it('ignores allocations on nodes that left the pool, but still counts them for the tenant', () => {
    const nodes = [node('n1', res(2, 2 * GB))];
    const gone = [
      { taskId: 'o.0', tenant: 'a', service: 's', group: 'o', nodeId: 'gone', resources: res(1, GB) },
    ];
    const plan = schedule(view(nodes, [tenant('a', 1, { cpus: 2 })], gone), singles('a', 2, res(1, GB)));
    assert.equal(plan.placements.length, 1); // the node has room for 2, the quota for 1 more
  });
});
