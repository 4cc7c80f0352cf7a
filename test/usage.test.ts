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
import type { UsageView } from '../src/core/api-schemas.js';
import { virtualNodes } from '../src/core/node.js';
import { pathsFor } from '../src/core/paths.js';
import { ControlPlane } from '../src/daemon/control-plane.js';
import { localHost } from '../src/deploy/host.js';
import { PortAllocator } from '../src/deploy/ports.js';
import { EventBus } from '../src/reconciler/events.js';
import type { Reconciler } from '../src/reconciler/reconciler.js';
import { createStore, type Store } from '../src/state/store.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const S = 1000;

/**
 * GET /v1/usage in-process (`inject`), on a control plane whose clock the test moves. Metering
 * counts what tasks hold from placement to removal, so no process needs to run: the reconciler is
 * left out.
 */
describe('usage API', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-usage-api-'));
  let clock = T0;
  let store: Store;
  let app: FastifyInstance;

  before(async () => {
    const paths = pathsFor(home);
    store = createStore(paths.db);
    const events = new EventBus(store.events);
    const idle = { enqueue: () => undefined } as unknown as Reconciler;
    const nodes = virtualNodes(2, { cpus: 8, mem: 16_384, disk: 102_400, ports: 100, labels: {} });
    const ports = new PortAllocator([45000, 45099]);
    const control = new ControlPlane(
      store,
      paths,
      { store, paths, ports, nodes, host: localHost() },
      idle,
      events,
      () => undefined,
      () => clock,
    );
    const deps = someDeps({
      control,
      store,
      auth: false,
      events,
      metrics: new Registry(),
      paths,
      startedAt: T0,
    });
    app = await buildServer(deps);
  });
  after(async () => {
    await app.close();
    store.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) => {
    const res = await app.inject({ method, url, payload });
    assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.body === '' ? undefined : (res.json() as unknown);
  };
  const usage = async (query: string) => (await call('GET', `/v1/usage?${query}`)) as UsageView;
  const range = `from=${T0}&to=${T0 + 3600 * S}`;

  it('meters an app from install to removal, per tenant and per service', async () => {
    await call('POST', '/v1/apps', { id: 'web', cmd: 'sleep 600', instances: 2, cpus: 0.5, mem: 256 });
    clock = T0 + 60 * S;
    await call('POST', '/v1/apps', {
      id: 'batch',
      cmd: 'sleep 600',
      instances: 1,
      cpus: 2,
      mem: 1024,
      disk: 2048,
    });
    clock = T0 + 600 * S;
    await call('DELETE', '/v1/apps/web');
    clock = T0 + 900 * S;

    // web: 2 tasks × 600 s = 1200 task-s; × 0.5 cpu = 600 cpu-s; × 256/1024 GB = 300 GB-s.
    // batch: open since 60 s, counted until now (900 s) = 840 s: 1680 cpu-s, 840 GB-s, 1680 GB-s disk.
    const byService = await usage(`${range}&by=service`);
    assert.deepEqual(byService.rows, [
      {
        tenant: 'default',
        service: 'batch',
        kind: 'app',
        cpuSeconds: 1680,
        memGbSeconds: 840,
        diskGbSeconds: 1680,
        taskSeconds: 840,
      },
      {
        tenant: 'default',
        service: 'web',
        kind: 'app',
        cpuSeconds: 600,
        memGbSeconds: 300,
        diskGbSeconds: 0,
        taskSeconds: 1200,
      },
    ]);
    assert.deepEqual(
      { from: byService.from, to: byService.to, asOf: byService.asOf, by: byService.by },
      {
        from: '2030-01-01T00:00:00.000Z',
        to: '2030-01-01T01:00:00.000Z',
        asOf: '2030-01-01T00:15:00.000Z',
        by: 'service',
      },
    );
    assert.deepEqual((await usage(range)).rows, [
      { tenant: 'default', cpuSeconds: 2280, memGbSeconds: 1140, diskGbSeconds: 1680, taskSeconds: 2040 },
    ]);
  });

  it('starts a new interval when an app changes its resources', async () => {
    clock = T0 + 900 * S;
    await call('PUT', '/v1/apps/batch', { cmd: 'sleep 600', instances: 1, cpus: 1, mem: 1024, disk: 2048 });
    clock = T0 + 1200 * S;
    // batch: 2 cpu × 840 s + 1 cpu × 300 s = 1980 cpu-s; 1 GB × 1140 s of memory.
    const [batch] = (await usage(`${range}&by=service`)).rows;
    assert.deepEqual(batch, {
      tenant: 'default',
      service: 'batch',
      kind: 'app',
      cpuSeconds: 1980,
      memGbSeconds: 1140,
      diskGbSeconds: 2280,
      taskSeconds: 1140,
    });
  });

  it('covers the last day by default, and gives a zero row to a tenant that held nothing', async () => {
    clock = T0 + 25 * 3600 * S;
    const view = await usage('');
    assert.equal(view.from, '2030-01-01T01:00:00.000Z');
    assert.equal(view.to, '2030-01-02T01:00:00.000Z');
    // Only batch is still held: 1 cpu for the whole day.
    assert.deepEqual(view.rows, [
      {
        tenant: 'default',
        cpuSeconds: 86400,
        memGbSeconds: 86400,
        diskGbSeconds: 172800,
        taskSeconds: 86400,
      },
    ]);
    const before = await usage(`from=${T0 - 3600 * S}&to=${T0}`);
    assert.deepEqual(before.rows, [
      { tenant: 'default', cpuSeconds: 0, memGbSeconds: 0, diskGbSeconds: 0, taskSeconds: 0 },
    ]);
  });

  it('refuses a bad range with VALIDATION_FAILED and says what to change', async () => {
    const bad = async (query: string, message: RegExp) => {
      const res = await app.inject({ method: 'GET', url: `/v1/usage?${query}` });
      assert.equal(res.statusCode, 400, res.body);
      const body = res.json() as { code: string; message: string };
      assert.equal(body.code, 'VALIDATION_FAILED');
      assert.match(body.message, message);
    };
    await bad(`from=${T0 + 1}&to=${T0}`, /is after to .*; give a from at or before to/);
    await bad('from=last-tuesday', /^from: "last-tuesday" is not a time; give epoch milliseconds/);
    await bad('to=2030-01-01T09:00', /^to: .*ISO 8601 with a zone/);
    await bad('by=owner', /by/);
  });

  it('answers the typed client', async () => {
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    // batch, by now held for the whole hour: 2 cpu × 840 s + 1 cpu × 2700 s.
    const view = await new FlotillaClient(address).usage({
      from: T0,
      to: '2030-01-01T01:00:00Z',
      by: 'service',
    });
    assert.deepEqual(
      view.rows.map((r) => [r.service, r.cpuSeconds]),
      [
        ['batch', 4380],
        ['web', 600],
      ],
    );
  });
});
