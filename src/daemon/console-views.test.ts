import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppSpec } from '../core/app.js';
import { virtualNodes } from '../core/node.js';
import { testLaunchSpec } from '../core/testing.js';
import { createStore } from '../state/store.js';
import { ConsoleViews } from './console-views.js';

const nodes = virtualNodes(2, { cpus: 4, mem: 4096, disk: 10_000, ports: 100, labels: {} });

function storeWith(apps: number) {
  const store = createStore(':memory:');
  const put = (tenant: string, owner: string, i: number, state: 'healthy' | 'failed', cpus: number) => {
    store.tasks.put(
      {
        tenant,
        id: `${owner}.${i}`,
        ownerKind: 'app',
        owner,
        name: String(i),
        role: 'app',
        index: i,
        stack: null,
        nodeId: nodes[i % 2]!.id,
        host: nodes[i % 2]!.host,
        ports: [],
        spec: testLaunchSpec({ cmd: 'sleep 600', cpus, mem: 32 }),
        specHash: 'h',
        desired: 'running',
      },
      1000,
    );
    store.tasks.update(tenant, `${owner}.${i}`, { state, launchedSpecHash: 'h', launches: 1 }, 1000);
  };
  for (let i = 0; i < apps; i++) {
    const id = `app-${String(i).padStart(5, '0')}`;
    store.apps.put(
      { tenant: 'acme', id, spec: { id, instances: 1 } as AppSpec, stack: i < 10 ? 'ten' : null },
      1000,
    );
    put('acme', id, 0, i % 100 === 7 ? 'failed' : 'healthy', 0.1);
  }
  store.apps.put(
    { tenant: 'other', id: 'secret', spec: { id: 'secret', instances: 1 } as AppSpec, stack: null },
    1000,
  );
  put('other', 'secret', 0, 'healthy', 1);
  return store;
}

describe('console views', () => {
  const store = storeWith(3000);
  const views = new ConsoleViews({ store, nodes });

  it('pages through every owner of the tenant, in order, and says how many match', () => {
    const first = views.workloads('acme', { limit: 100 });
    assert.equal(first.total, 3000);
    assert.deepEqual(
      first.rows.slice(0, 2).map((r) => r.name),
      ['app-00000', 'app-00001'],
    );
    const last = views.workloads('acme', { offset: 2950, limit: 100 });
    assert.equal(last.rows.length, 50);
    assert.equal(last.rows.at(-1)?.name, 'app-02999');
    const desc = views.workloads('acme', { sort: 'name', order: 'desc', limit: 1 });
    assert.equal(desc.rows[0]?.name, 'app-02999');
  });

  it('filters by text, health and status on the daemon', () => {
    assert.equal(views.workloads('acme', { q: 'APP-0299' }).total, 10);
    assert.equal(views.workloads('acme', { q: 'ten' }).total, 10, 'the stack name matches too');
    // Every hundredth app's task failed (7, 107, …): 30 of them are not healthy.
    const unhealthy = views.workloads('acme', { health: 'unhealthy', limit: 1000 });
    assert.equal(unhealthy.total, 30);
    assert.ok(unhealthy.rows.every((r) => r.ready === 0 && r.wanted === 1));
    assert.equal(views.workloads('acme', { health: 'healthy' }).total, 2970);
    assert.equal(views.workloads('acme', { status: 'ready' }).total, 2970);
  });

  it('names a Compose service as its file wrote it, and finds it by that name', () => {
    const compose = createStore(':memory:');
    const spec = (id: string, service: string) =>
      ({ id, instances: 1, container: { image: 'x', compose: { project: 'lab', service } } }) as AppSpec;
    compose.apps.put(
      { tenant: 'acme', id: 'cassandra-db', spec: spec('cassandra-db', 'cassandra_db'), stack: 'lab' },
      1,
    );
    compose.apps.put({ tenant: 'acme', id: 'web', spec: spec('web', 'web'), stack: 'lab' }, 1);
    const v = new ConsoleViews({ store: compose, nodes });
    assert.deepEqual(
      v.workloads('acme', {}).rows.map((r) => [r.name, r.written]),
      [
        ['cassandra-db', 'cassandra_db'],
        ['web', undefined],
      ],
    );
    assert.equal(v.workloads('acme', { q: 'cassandra_' }).total, 1);
  });

  it("shows a tenant none of another tenant's owners or tasks, only the pool's sums", () => {
    assert.equal(views.workloads('acme', { q: 'secret' }).total, 0);
    assert.deepEqual(
      views.workloads('other', {}).rows.map((r) => [r.name, r.cpus]),
      [['secret', 1]],
    );
    const forOther = views.nodes('other');
    assert.deepEqual(
      forOther.flatMap((n) => n.tasks.map((t) => t.id)),
      ['secret.0'],
    );
    // node-1 holds acme's 3,000 tasks (0.1 cpus each) and other's one (1 cpu); node-2 nothing.
    assert.equal(Math.round(forOther[0]!.allocated.cpus * 10) / 10, 301);
    assert.equal(forOther[0]!.allocated.mem, 3001 * 32);
    assert.equal(forOther[1]!.allocated.cpus, 0);
  });
});
