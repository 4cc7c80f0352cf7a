import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { appDeclaration } from '../core/declaration.js';
import { parseStack } from '../specs/stack.js';
import { commitPlan } from './commit.js';
import type { OwnerChange } from './diff.js';
import { planDeploy } from './plan.js';
import { DeployHarness } from './testing/harness.js';

const EXAMPLES = path.resolve(import.meta.dirname, '../../../examples');
const exampleFiles = fs
  .readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.yml'))
  .sort();
const read = (file: string) => fs.readFileSync(path.join(EXAMPLES, file), 'utf8');

/** Owner → action, and task → action, of a plan's diff. */
function actions(owners: OwnerChange[]) {
  return {
    owners: Object.fromEntries(owners.map((o) => [o.name, o.action])),
    tasks: Object.fromEntries(owners.flatMap((o) => o.tasks.map((t) => [t.id, t.action]))),
  };
}

describe('planDeploy on a fake host', () => {
  let h: DeployHarness;
  beforeEach(() => {
    // Eight nodes: the dev stack puts one broker, worker and Cassandra node per node.
    h = new DeployHarness(8);
  });
  afterEach(() => h.close());

  it('finds every example stack', () => {
    assert.ok(exampleFiles.length >= 7, `examples: ${exampleFiles.join(', ')}`);
  });

  for (const file of exampleFiles) {
    it(`plans ${file}: every owner and task created, distinct ports per address, nothing written`, async () => {
      const before = h.snapshot();
      const plan = await h.plan(read(file));
      assert.equal(h.snapshot(), before, 'planning writes nothing');
      assert.deepEqual(plan.waiting, [], 'everything fits on eight nodes');
      assert.ok(plan.admitted.length > 0);
      for (const o of plan.diff.owners) {
        assert.equal(o.action, 'create', o.name);
        assert.ok(o.tasks.length > 0, `${o.name} has tasks`);
        for (const t of o.tasks) assert.equal(t.action, 'create', t.id);
      }
      const bound = plan.admitted.flatMap((o) =>
        o.tasks.flatMap((t) => t.ports.map((p) => `${t.host}:${p}`)),
      );
      assert.equal(new Set(bound).size, bound.length, 'no address:port handed out twice');
    });
  }

  it('names an owner of a Compose file as the file wrote it, beside its DNS-safe name', async () => {
    const plan = await h.plan('services:\n  cassandra_db: { image: cassandra:5 }\n  web: { image: nginx }\n');
    const written = Object.fromEntries(plan.diff.owners.map((o) => [o.name, o.written]));
    assert.deepEqual(written, { 'cassandra-db': 'cassandra_db', web: undefined });
  });

  it('plans nothing for an unchanged file, and its commit touches nothing', async () => {
    const source = read('streaming-dev.yml');
    await h.apply(source);
    const stored = h.snapshot();
    const plan = await h.plan(source);
    assert.ok(plan.diff.owners.every((o) => o.action === 'unchanged' && o.changes.length === 0));
    assert.ok(plan.diff.owners.every((o) => o.tasks.every((t) => t.action === 'keep')));
    assert.deepEqual(commitPlan(h.store, plan, 99), []);
    assert.equal(
      h.snapshot().replace(/"updated_at":\d+/g, ''),
      stored.replace(/"updated_at":\d+/g, ''),
      'the same rows after committing the same file',
    );
  });

  it('shows exactly which tasks restart when one option changes, and why', async () => {
    const source = read('redis-app.yml');
    await h.apply(source);
    const plan = await h.plan(source.replace('maxmemory: 64mb', 'maxmemory: 128mb'));
    const { owners, tasks } = actions(plan.diff.owners);
    assert.deepEqual(owners, { cache: 'update', heartbeat: 'unchanged' });
    assert.deepEqual(tasks, {
      'cache.redis-0': 'restart',
      'cache.redis-1': 'restart',
      'heartbeat.0': 'keep',
    });
    const cache = plan.diff.owners.find((o) => o.name === 'cache')!;
    assert.deepEqual(cache.changes, ['options.maxmemory']);
    for (const t of cache.tasks) {
      assert.ok(t.changes.length > 0, `${t.id} says what changed`);
      assert.ok(
        t.changes.every((c) => c.startsWith('spec.')),
        t.changes.join(', '),
      );
    }
  });

  it('adds only the new task when an app grows, and removes only the extra one when it shrinks', async () => {
    const source = read('streaming-dev.yml');
    await h.apply(source);
    const grown = await h.plan(source.replace('workers: 2', 'workers: 3'));
    const spark = grown.diff.owners.find((o) => o.tasks.some((t) => t.id.includes('worker')))!;
    assert.equal(spark.action, 'update');
    const changed = spark.tasks.filter((t) => t.action !== 'keep').map((t) => `${t.id}:${t.action}`);
    assert.ok(
      changed.some((c) => c.endsWith(':create')),
      changed.join(', '),
    );
    assert.ok(
      grown.diff.owners.filter((o) => o !== spark).every((o) => o.tasks.every((t) => t.action === 'keep')),
      'no other service is touched',
    );
  });

  it('shows what a stack no longer declares as removed, with its tasks', async () => {
    const source = read('redis-app.yml');
    await h.apply(source);
    const plan = await h.plan(source.slice(0, source.indexOf('apps:')));
    assert.deepEqual(actions(plan.diff.owners), {
      owners: { cache: 'unchanged', heartbeat: 'remove' },
      tasks: { 'cache.redis-0': 'keep', 'cache.redis-1': 'keep', 'heartbeat.0': 'remove' },
    });
  });

  it('plans one app of a stack on its own, its references resolved from the stored services', async () => {
    // `flotilla app scale heartbeat 2` on examples/redis-app.yml: the request holds the app only.
    await h.apply(read('redis-app.yml'));
    const app = h.store.apps.get('default', 'heartbeat')!;
    const plan = await planDeploy(h.ctx, {
      tenant: 'default',
      stack: 'redis-app',
      declarations: [appDeclaration({ ...app.spec, instances: 2 })],
      prune: false,
      createOnly: false,
    });
    assert.deepEqual(actions(plan.diff.owners).tasks, { 'heartbeat.0': 'keep', 'heartbeat.1': 'create' });
    const env = plan.admitted[0]!.tasks[1]!.spec.env;
    assert.match(env.REDIS_URL!, /^redis:\/\/default:change-me@127\.0\.10\.\d+:\d+$/);
  });

  it("takes an allocation cycle's placements as they are", async () => {
    const source = 'name: p\napps:\n  w: { cmd: sleep 9, instances: 2 }\n';
    const plan = await planDeploy(h.ctx, {
      tenant: 'default',
      stack: 'p',
      declarations: parseStack(source).declarations,
      prune: true,
      createOnly: false,
      placements: new Map([
        ['w.0', 'node-5'],
        ['w.1', 'node-5'],
      ]),
    });
    assert.deepEqual(
      plan.admitted[0]!.tasks.map((t) => t.nodeId),
      ['node-5', 'node-5'],
    );
  });

  it('refuses a low fixed port when tasks run unprivileged, before anything is stored', async () => {
    h.ctx = { ...h.ctx, host: { ...h.ctx.host, minPort: 1024 } };
    const before = h.snapshot();
    await assert.rejects(
      h.plan('name: low\napps:\n  web: { cmd: sleep 9, ports: [80] }\n'),
      (err: { code?: string; message?: string }) =>
        err.code === 'PORT_PRIVILEGED' && /port 80/.test(err.message ?? ''),
    );
    assert.equal(h.snapshot(), before);
    const ok = await h.plan('name: low\napps:\n  web: { cmd: sleep 9, ports: [0, 1024] }\n');
    assert.equal(ok.admitted[0]!.tasks[0]!.ports[1], 1024);
  });
});
