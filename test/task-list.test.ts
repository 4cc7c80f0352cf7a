import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { someDeps } from '../src/api/deps.js';
import { buildServer } from '../src/api/server.js';
import { FlotillaClient } from '../src/client/client.js';
import type { TaskView } from '../src/core/api-schemas.js';
import { pathsFor } from '../src/core/paths.js';
import { testLaunchSpec, testTask } from '../src/core/testing.js';
import { taskView } from '../src/daemon/views.js';
import { EventBus } from '../src/reconciler/events.js';
import { createStore, type Store } from '../src/state/store.js';
import { TASK_ROW_FIELDS } from '../src/cli/format.js';

/**
 * GET /v1/tasks over the real routes and a real store (filled directly: no process needs to run):
 * the list is built from JSON kept per task record, so what matters is that it is what the views
 * say after every write, and that pages and fields cut it as asked.
 */
describe('GET /v1/tasks', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-task-list-'));
  const paths = pathsFor(home);
  let store: Store;
  let app: FastifyInstance;
  let client: FlotillaClient;

  const put = (owner: string, index: number, stack: string | null) =>
    store.tasks.put(
      testTask('default', owner, index, {
        stack,
        spec: testLaunchSpec({
          cmd: 'sleep 600',
          cpus: 0.1,
          mem: 16,
          env: { MODE: 'x', PASSWORD: 'hunter2' },
          secretEnv: ['PASSWORD'],
        }),
      }),
      1000,
    );
  const get = async (url: string) => {
    const r = await app.inject(url);
    return { status: r.statusCode, body: JSON.parse(r.body) as unknown };
  };
  const expected = () => store.tasks.list('default').map((t) => taskView(paths, t));

  before(async () => {
    store = createStore(':memory:');
    for (let i = 0; i < 5; i++) put('web', i, 'shop');
    for (let i = 0; i < 3; i++) put('db', i, null);
    app = await buildServer(
      someDeps({ store, auth: false, events: new EventBus(store.events), metrics: new Registry(), paths }),
    );
    client = new FlotillaClient(await app.listen({ host: '127.0.0.1', port: 0 }), {});
  });
  after(async () => {
    await app.close();
    store.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it("answers every task's view, secrets redacted, and the new one after each write", async () => {
    const first = await get('/v1/tasks');
    assert.equal(first.status, 200);
    assert.deepEqual(first.body, JSON.parse(JSON.stringify(expected())));
    assert.deepEqual(
      (first.body as TaskView[]).map((t) => t.id),
      ['db.0', 'db.1', 'db.2', 'web.0', 'web.1', 'web.2', 'web.3', 'web.4'],
    );
    assert.ok((first.body as TaskView[]).every((t) => t.env.PASSWORD === '********' && t.env.MODE === 'x'));

    store.tasks.update('default', 'web.2', { state: 'failed', message: 'exit 1', restarts: 3 }, 2000);
    put('api', 0, null);
    store.tasks.remove('default', 'db.1');
    const second = (await client.listTasks()) as TaskView[];
    assert.deepEqual(second, JSON.parse(JSON.stringify(expected())));
    const web2 = second.find((t) => t.id === 'web.2')!;
    assert.deepEqual([web2.state, web2.message, web2.restarts], ['failed', 'exit 1', 3]);
    assert.equal(second[0]?.id, 'api.0');
    assert.ok(!second.some((t) => t.id === 'db.1'));
  });

  it('filters by owner and stack, and gives pages that add up to the list', async () => {
    assert.deepEqual(
      (await client.listTasks({ owner: 'web' })).map((t) => t.id),
      ['web.0', 'web.1', 'web.2', 'web.3', 'web.4'],
    );
    assert.equal((await client.listTasks({ stack: 'shop', limit: 2, offset: 4 })).length, 1);
    const all = (await client.listTasks()).map((t) => t.id);
    const pages: string[] = [];
    for (let offset = 0; offset < all.length + 3; offset += 3)
      pages.push(...(await client.listTasks({ offset, limit: 3 })).map((t) => t.id));
    assert.deepEqual(pages, all);
  });

  it('keeps only the fields asked for: what ps prints', async () => {
    const rows = await client.listTaskFields([...TASK_ROW_FIELDS, 'desired']);
    const full = await client.listTasks();
    assert.equal(rows.length, full.length);
    for (const [i, row] of rows.entries()) {
      // An optional field (ownerName, for a Compose name written otherwise) is left out as in the full view.
      const asked = [...TASK_ROW_FIELDS, 'desired'].filter((k) => k in full[i]!);
      assert.deepEqual(Object.keys(row).sort(), asked.sort());
      for (const k of Object.keys(row) as (keyof typeof row)[]) assert.deepEqual(row[k], full[i]![k]);
    }
    const pidOnly = await get('/v1/tasks?fields=id,pid,id&owner=db');
    assert.deepEqual(pidOnly.body, [
      { id: 'db.0', pid: null },
      { id: 'db.2', pid: null },
    ]);
  });

  it("answers the same query of another tenant with that tenant's tasks, and the same again until one changes", async () => {
    store.tenants.create({ name: 'acme', weight: 1, quota: null }, 1000);
    store.tasks.put(testTask('acme', 'web', 0, { stack: 'shop' }), 1000);
    const as = async (tenant: string) => {
      const r = await app.inject({ url: '/v1/tasks?owner=web', headers: { 'flotilla-tenant': tenant } });
      return (JSON.parse(r.body) as TaskView[]).map((t) => `${t.tenant}/${t.id}/${t.state}`);
    };
    const ours = await as('default');
    assert.deepEqual(ours, [
      'default/web.0/staging',
      'default/web.1/staging',
      'default/web.2/failed',
      'default/web.3/staging',
      'default/web.4/staging',
    ]);
    assert.deepEqual(await as('acme'), ['acme/web.0/staging']);
    assert.deepEqual(await as('default'), ours);
    store.tasks.update('acme', 'web.0', { state: 'failed' }, 3000);
    assert.deepEqual(await as('acme'), ['acme/web.0/failed']);
    assert.deepEqual(await as('default'), ours);
  });

  it('refuses a field, an offset or a limit that is not one, with a coded error naming it', async () => {
    for (const url of [
      '/v1/tasks?fields=id,password',
      '/v1/tasks?fields=',
      '/v1/tasks?limit=0',
      '/v1/tasks?offset=-1',
    ]) {
      const r = await get(url);
      assert.equal(r.status, 400, url);
      const body = r.body as { code: string; message: string };
      assert.equal(body.code, 'VALIDATION_FAILED', url);
      assert.match(body.message, /fields|limit|offset/, url);
    }
  });
});
