import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FlotillaClient } from '../src/client/client.js';
import { type FlotillaEvent } from '../src/client/client.js';
import { FlotillaError } from '../src/core/errors.js';
import { startInProcessDaemon, type InProcessDaemon } from './helpers/daemon.js';
import { adminToken, waitFor } from './helpers/flotilla.js';

/** The REST API of a real daemon (in this process), through the typed client and raw HTTP. */
describe('REST API', () => {
  let home: string;
  let client: FlotillaClient;
  let running: InProcessDaemon;

  before(async () => {
    running = await startInProcessDaemon('api', 30000);
    ({ home, admin: client } = running);
  });
  after(() => running.stop());

  const rawRequest = (method: string, url: string, body?: string) =>
    running.raw(method, url, body, adminToken(home));

  const rejects = (p: Promise<unknown>, code: string) =>
    assert.rejects(p, (err: FlotillaError) => err instanceof FlotillaError && err.code === code);

  it('runs a Marathon app: add, events, logs, scale, restart, remove', async () => {
    const seen: FlotillaEvent[] = [];
    const stop = new AbortController();
    const stream = client.events((e) => seen.push(e), stop.signal);
    await client.addApp({
      id: '/echo',
      cmd: 'echo "port $PORT0 on $HOST"; exec sleep 600',
      ports: [0],
      instances: 1,
    });
    await rejects(client.addApp({ id: '/echo', cmd: 'true' }), 'NAME_CONFLICT');
    const running = await waitFor(async () => {
      const app = await client.getApp('echo');
      return app.tasksRunning === 1 ? app : null;
    }, 10_000);
    assert.equal(running.spec.id, '/echo');
    const task = running.tasks[0]!;
    assert.equal(await waitFor(() => client.logs(task.id), 5_000), `port ${task.ports[0]} on ${task.host}\n`);
    assert.ok(
      seen.some((e) => e.type === 'task_state' && e.data.task === 'echo.0' && e.data.state === 'running'),
    );

    await client.scaleApp('echo', 2);
    await waitFor(async () => (await client.getApp('echo')).tasksRunning === 2, 10_000);
    const pids = (await client.listTasks({ owner: 'echo' })).map((t) => t.pid);
    await client.restartApp('echo');
    await waitFor(async () => {
      const tasks = await client.listTasks({ owner: 'echo' });
      return tasks.every((t) => t.state === 'running' && !pids.includes(t.pid) && t.upToDate);
    }, 20_000);

    await client.removeApp('echo', true);
    await waitFor(async () => (await client.listTasks()).length === 0, 10_000);
    assert.ok(!fs.existsSync(path.join(home, 'sandboxes', 'default', 'echo')), 'purge removes the data');
    stop.abort();
    await stream;
  });

  it('installs a package and gives its endpoints; a missing binary says how to install it', async () => {
    await client.installService({ name: 'kv', package: 'redis', options: { password: 'pw' } });
    const svc = await waitFor(async () => {
      const s = await client.getService('kv');
      return s.status === 'ready' ? s : null;
    }, 20_000);
    assert.equal(svc.options.password, '********', 'secrets never leave the daemon in options');
    assert.match(
      (await client.endpoints('kv'))[0]!.values.url!,
      /^redis:\/\/default:pw@127\.0\.10\.\d+:\d+$/,
    );
    const plans = await client.listPlans('kv');
    assert.deepEqual(
      plans.plans.map((p) => [p.name, p.status]),
      [
        ['deploy', 'COMPLETE'],
        ['recovery', 'COMPLETE'],
      ],
    );
    assert.deepEqual(
      (await client.getPlan('kv', 'deploy')).phases.map((p) => [p.name, p.steps.map((s) => s.name)]),
      [['primary', ['redis-0']]],
    );
    await rejects(client.startPlan('kv', 'replace', { node: 'redis-0' }), 'PLAN_NOT_FOUND');
    await client.uninstallService('kv', true);

    process.env.FLOTILLA_BIN_REDIS_SERVER = path.join(home, 'no-such-redis-server');
    try {
      await assert.rejects(
        client.installService({ name: 'kv2', package: 'redis' }),
        (err: FlotillaError) =>
          err.code === 'BINARY_MISSING' &&
          err.status === 422 &&
          /apt-get install -y redis-server/.test(err.message),
      );
    } finally {
      delete process.env.FLOTILLA_BIN_REDIS_SERVER;
    }
    await rejects(client.getService('kv2'), 'SERVICE_NOT_FOUND');
  });

  it('answers bad requests with coded errors', async () => {
    await rejects(client.getTask('nope.0'), 'TASK_NOT_FOUND');
    await rejects(client.describePackage('mongo'), 'PACKAGE_NOT_FOUND');
    await rejects(client.scaleApp('ghost', 1), 'APP_NOT_FOUND');
    await rejects(
      client.installService({ name: 'x', package: 'redis', options: { replicas: 99 } }),
      'PACKAGE_OPTIONS_INVALID',
    );
    const raw = await rawRequest('POST', '/v1/apps/ghost/scale', '{"instances":"many"}');
    assert.equal(raw.status, 400);
    assert.equal(JSON.parse(raw.body).code, 'VALIDATION_FAILED');
    const missing = await rawRequest('GET', '/v2/apps');
    assert.equal(missing.status, 404);
    assert.equal(JSON.parse(missing.body).code, 'ROUTE_NOT_FOUND');
  });

  it('serves health, Prometheus metrics and its OpenAPI document', async () => {
    assert.equal((await client.health()).status, 'ok');
    const metrics = await rawRequest('GET', '/metrics');
    assert.match(metrics.body, /^flotilla_tasks\{state="healthy"\} \d+$/m);
    const doc = JSON.parse((await rawRequest('GET', '/v1/openapi.json')).body) as { openapi: string };
    assert.equal(doc.openapi, '3.1.0');
  });
});
