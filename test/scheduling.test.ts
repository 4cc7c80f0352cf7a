import { isFlotillaError } from '../src/core/errors.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FlotillaClient } from '../src/client/client.js';
import { startInProcessDaemon, type InProcessDaemon } from './helpers/daemon.js';
import { adminToken, waitFor } from './helpers/flotilla.js';

/** Quotas, gangs and "why waiting" through the API of a real daemon with 3 nodes of 2 CPUs. */
describe('scheduling: quotas, gangs, why', () => {
  let running: InProcessDaemon;
  let admin: FlotillaClient;
  let team: FlotillaClient;

  before(async () => {
    running = await startInProcessDaemon('sched', 34000);
    admin = running.admin;
    await admin.createTenant({ name: 'team', quota: { cpus: 1 } });
    const minted = await running
      .client({ token: adminToken(running.home), tenant: 'team' })
      .createToken('tenant-admin');
    team = running.client({ token: minted.token });
  });
  after(() => running.stop());

  const sleeper = (id: string, extra: Record<string, unknown>) => ({
    id,
    cmd: 'exec sleep 600',
    mem: 16,
    ...extra,
  });

  it('a service over its tenant quota waits whole with the reason, and runs once the quota grows', async () => {
    const result = await team.addApp(sleeper('big', { instances: 3, cpus: 0.5 }));
    assert.deepEqual(
      result.waiting.map((w) => [w.name, w.kind]),
      [['big', 'quota']],
    );
    assert.match(result.waiting[0]!.reason, /cpus/);
    assert.deepEqual(await team.listTasks(), [], 'no task of a waiting gang is placed');
    const queue = await team.listWaiting();
    assert.deepEqual(
      queue.map((q) => [q.owner, q.reasonKind]),
      [['big', 'quota']],
    );
    const why = await team.why('big.1');
    assert.equal(why.waiting, true);
    assert.match(why.quota ?? '', /cpus/);

    // A smaller app of the same tenant that fits the quota is not held up behind it.
    const small = await team.addApp(sleeper('small', { instances: 1, cpus: 0.5 }));
    assert.deepEqual(small.waiting, []);

    await admin.updateTenant('team', { quota: { cpus: 2 } });
    await waitFor(async () => (await team.listTasks({ owner: 'big' })).length === 3, 10_000);
    assert.deepEqual(await team.listWaiting(), []);
    const share = (await team.getTenant('team')).allocated.cpus;
    assert.equal(share, 2);
    await team.removeApp('big', true);
    await team.removeApp('small', true);
  });

  it('a gang whose constraint cannot hold places none of its tasks; per node, why says so', async () => {
    const result = await admin.addApp(
      sleeper('spread', { instances: 4, cpus: 0.1, constraints: [['hostname', 'UNIQUE']] }),
    );
    assert.deepEqual(
      result.waiting.map((w) => w.name),
      ['spread'],
    );
    assert.deepEqual(await admin.listTasks({ owner: 'spread' }), []);
    const why = await admin.why('spread.3');
    assert.equal(why.nodes.length, 3);
    assert.ok(
      why.nodes.some((n) => !n.fits && n.reasons.some((r) => /hostname/.test(r) && /UNIQUE/.test(r))),
      JSON.stringify(why.nodes),
    );

    // Three instances fit, one per node.
    const fixed = await admin.putApp(
      'spread',
      sleeper('spread', { instances: 3, cpus: 0.1, constraints: [['hostname', 'UNIQUE']] }),
    );
    assert.deepEqual(fixed.waiting, []);
    const tasks = await admin.listTasks({ owner: 'spread' });
    assert.equal(new Set(tasks.map((t) => t.node)).size, 3);
    assert.equal((await admin.why(tasks[0]!.id)).waiting, false);
    await admin.removeApp('spread', true);
  });

  it('a 5-server ZooKeeper ensemble on 3 nodes waits whole: no server is placed', async () => {
    const result = await admin.installService({ name: 'zk', package: 'zookeeper', options: { servers: 5 } });
    assert.deepEqual(
      result.waiting.map((w) => [w.name, w.kind]),
      [['zk', 'constraints']],
    );
    assert.deepEqual(await admin.listTasks({ owner: 'zk' }), []);
    await admin.uninstallService('zk');
    assert.deepEqual(await admin.listWaiting(), []);
  });

  it('a node without room for a task is named with the resource it lacks', async () => {
    // Every node's cpus taken: a task that fits an empty node waits, and why names what it lacks.
    // The tests before removed their apps; their tasks give back their cpus once they have stopped.
    await waitFor(
      async () => (await admin.listTasks()).length === 0 && (await team.listTasks()).length === 0,
      30_000,
      'every earlier task gone',
    );
    const filler = await admin.addApp(sleeper('filler', { instances: 3, cpus: 2, mem: 16 }));
    assert.deepEqual(filler.waiting, [], 'the filler takes every cpu');
    const result = await admin.addApp(sleeper('huge', { instances: 1, cpus: 1 }));
    assert.equal(result.waiting[0]?.kind, 'resources');
    const why = await admin.why('huge.0');
    assert.ok(
      why.nodes.every((n) => !n.fits && n.reasons.some((r) => /cpus/.test(r))),
      JSON.stringify(why),
    );
    await admin.removeApp('huge');
    await admin.removeApp('filler', true);
  });

  it('a task no node could ever hold is refused at once, naming the largest node (issue 16, defect 3)', async () => {
    await assert.rejects(
      () => admin.addApp(sleeper('giant', { instances: 1, mem: 99_999_999 })),
      (err: unknown) =>
        isFlotillaError(err) &&
        err.code === 'RESOURCES_UNSATISFIABLE' &&
        /the largest, node-\d \(127\.0\.10\.\d\), offers cpus 2, mem 4096 MB/.test(err.message),
    );
    assert.deepEqual(await admin.listWaiting(), []);
  });
});
