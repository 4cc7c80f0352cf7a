import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startInProcessDaemon, type InProcessDaemon } from './helpers/daemon.js';
import { waitFor } from './helpers/flotilla.js';
import { firstLine } from './helpers/net-probe.js';

/**
 * A fixed host port is counted where it is really published (Compose's `127.0.0.1:PORT:80`), not on
 * the task's virtual node: a second stack that asks for the same address and port is refused when
 * it is planned, naming the task that holds it, instead of when the engine refuses to publish it.
 * Docker driver (a `sleep` in flotilla/base:bookworm); the second stack is only planned.
 */
describe('a published address:port is booked where Docker publishes it', () => {
  let d: InProcessDaemon;
  // Above the daemon's range; random so that parallel runs on this machine do not meet.
  const port = 41000 + Math.floor(Math.random() * 2000);
  const compose = (ip: string, service = 'site') => `services:
  ${service}:
    image: flotilla/base:bookworm
    command: ["sleep", "600"]
    ports: ["${ip}:${port}:80"]
`;

  before(async () => {
    d = await startInProcessDaemon('published-ports', 52000);
    await d.admin.applyStack('first', compose('127.0.0.1', 'web_app.v1'));
  });
  after(async () => {
    await d?.admin.downStack('first', true).catch((err: unknown) => console.error(err));
    await d?.stop();
  });

  it('refuses the same address and port in another stack at plan time, naming the holder', async () => {
    await assert.rejects(
      d.admin.planStack('second', compose('127.0.0.1')),
      (err: Error & { code?: string }) =>
        err.code === 'PORT_IN_USE' &&
        err.message.includes(
          `port ${port} on 127.0.0.1 is already published by web_app.v1 (task web-app-v1.1)`,
        ),
    );
    await assert.rejects(d.admin.applyStack('second', compose('127.0.0.1')), { code: 'PORT_IN_USE' });
    // Nothing of the refused stack is stored; the first one keeps its port.
    await assert.rejects(d.admin.getStack('second'), { code: 'STACK_NOT_FOUND' });
    assert.deepEqual((await d.admin.getTask('web-app-v1.1')).ports, [port]);
  });

  it('refuses it on every interface too, and takes it on another address', async () => {
    await assert.rejects(d.admin.planStack('second', compose('0.0.0.0')), { code: 'PORT_IN_USE' });
    const plan = await d.admin.planStack('second', compose('127.0.0.2'));
    assert.deepEqual(
      plan.owners.map((o) => [o.name, o.action]),
      [['site', 'create']],
    );
    assert.deepEqual(plan.owners[0]!.tasks[0]!.ports, [port]);
  });

  it('shows the Compose name as written (web_app.v1) beside its DNS-safe id in every view', async () => {
    const task = await d.admin.getTask('web-app-v1.1');
    assert.equal(task.ownerName, 'web_app.v1');
    assert.equal((await d.admin.listTasks({ stack: 'first' }))[0]?.ownerName, 'web_app.v1');
    const app = await d.admin.getApp('web-app-v1');
    assert.equal(app.name, 'web_app.v1');
    assert.equal(app.tasks[0]?.ownerName, 'web_app.v1');
    const stack = await d.admin.getStack('first');
    assert.deepEqual(stack.apps, ['web-app-v1']);
    assert.deepEqual(stack.names, { 'web-app-v1': 'web_app.v1' });
  });

  it('takes the name as written wherever a command names the app, its task or its stack', async () => {
    assert.equal((await d.admin.getApp('web_app.v1')).id, 'web-app-v1');
    assert.equal((await d.admin.getTask('web_app.v1.1')).id, 'web-app-v1.1');
    assert.deepEqual(
      (await d.admin.listTasks({ owner: 'web_app.v1' })).map((t) => t.id),
      ['web-app-v1.1'],
    );
    assert.equal((await d.admin.getStack('First')).name, 'first');
    // A written name that maps to no app is not found, as before.
    await assert.rejects(d.admin.getTask('web_app.v2.1'), { code: 'TASK_NOT_FOUND' });
  });
});

/**
 * FLOTILLA_PUBLISH_IP=0.0.0.0: a port written without an address is published on every interface,
 * as Docker publishes it, instead of on the task's own loopback address. A line served by Perl (in
 * the base image) is read back through two addresses the task's node is not.
 */
describe('a daemon set to publish on every interface', () => {
  let d: InProcessDaemon;
  // `$$` is a `$` to Compose's interpolation.
  const serve =
    'use IO::Socket::INET; my $$s = IO::Socket::INET->new(LocalPort => 80, Listen => 5, ReuseAddr => 1) or die $$!; ' +
    'while (my $$c = $$s->accept) { print $$c "hello from the container\\n"; close $$c }';

  before(async () => {
    d = await startInProcessDaemon('publish-everywhere', 54000, undefined, { publishIp: '0.0.0.0' });
  });
  after(async () => {
    await d?.admin.downStack('open', true).catch((err: unknown) => console.error(err));
    await d?.stop();
  });

  it('publishes "80" on 0.0.0.0, reached on any address, and writes no loopback note', async () => {
    const result = await d.admin.applyStack(
      'open',
      `services:\n  site:\n    image: flotilla/base:bookworm\n    command: ["perl", "-e", ${JSON.stringify(serve)}]\n    ports: ["80"]\n`,
    );
    assert.deepEqual(result.warnings ?? [], []);
    const task = await waitFor(
      async () => {
        const t = await d.admin.getTask('site.1');
        return t.state === 'running' ? t : null;
      },
      60_000,
      'site.1 running',
    );
    const port = task.ports[0]!;
    assert.notEqual(task.host, '127.0.0.1');
    for (const host of ['127.0.0.1', '127.0.0.77'])
      assert.equal(
        await waitFor(() => firstLine(host, port), 20_000, `a line from ${host}:${port}`),
        'hello from the container',
      );
  });
});
