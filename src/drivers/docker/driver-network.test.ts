import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LABEL } from './state.js';
import {
  dockerFixture,
  engine,
  exists,
  freePort,
  inspect,
  itLeavesNothingBehind,
  networksNamed,
  OWN_ID,
  readLine,
  unavailable,
} from './testing.js';

/** Published ports, the stack network and the sweep of containers no task owns any more. */
describe('docker driver: networks', { skip: unavailable ?? false }, () => {
  const { opts, driver, container, config } = dockerFixture();

  it('publishes ports on the task address, reachable from the host', opts, async () => {
    const d = driver();
    const hostIp = '127.0.10.1';
    const port = await freePort(hostIp);
    const server =
      "perl -MIO::Socket::INET -e '$s = IO::Socket::INET->new(LocalPort => 8080, Listen => 5, ReuseAddr => 1) or die; " +
      'while ($c = $s->accept) { print $c "hello from $ENV{HOSTNAME}\\n"; close $c }\'';
    const cfg = config({
      cmd: server,
      container: container({
        hostIp,
        aliases: ['web'],
        publish: [
          { containerPort: 8080, hostPort: port, protocol: 'tcp' },
          {
            containerPort: 9090,
            hostPort: await freePort('127.0.0.1'),
            protocol: 'udp',
            hostIp: '127.0.0.1',
          },
        ],
      }),
    });
    const handle = await d.startTask(cfg);
    const info = await inspect(handle.containerId ?? '');
    assert.deepEqual(info.HostConfig.PortBindings['8080/tcp'], [{ HostIp: hostIp, HostPort: String(port) }]);
    assert.equal(info.HostConfig.PortBindings['9090/udp']?.[0]?.HostIp, '127.0.0.1');
    assert.ok('8080/tcp' in info.Config.ExposedPorts);
    assert.equal(await readLine(hostIp, port, 10_000), 'hello from web');
  });

  it('joins the stack network: tasks reach each other by alias', opts, async () => {
    const d = driver();
    const a = config({ cmd: 'sleep 30', container: container({ aliases: ['alpha', 'alpha-0'] }) });
    const b = config({ cmd: 'sleep 30', container: container({ aliases: ['beta'] }) });
    await d.startTask(a);
    await d.startTask(b);
    const fromB = await d.execTask(b.taskKey, 'getent hosts alpha-0', 5000);
    assert.equal(fromB.exitCode, 0, fromB.output);
    assert.match(fromB.output, /^\d+\.\d+\.\d+\.\d+\s+alpha-0/);
    assert.deepEqual(await d.execTask(a.taskKey, 'hostname', 5000), {
      exitCode: 0,
      output: 'alpha\n',
      timedOut: false,
    });
    const netName = `flt-${OWN_ID}-net`;
    const network = await engine.json<{ Labels: Record<string, string> }>({ path: `/networks/${netName}` });
    assert.equal(network.Labels[LABEL.daemon], OWN_ID);
    assert.equal(network.Labels['io.flotilla.stack'], 'test');

    await d.destroyTask(a.taskKey);
    assert.ok(await exists(`/networks/${netName}`), 'the network stays while a task is attached');
    await d.destroyTask(b.taskKey);
    assert.ok(!(await exists(`/networks/${netName}`)), 'the network goes with its last task');
  });

  it(
    'creates a stack network once for tasks starting together, and mends a duplicated one',
    opts,
    async () => {
      const d = driver();
      const tasks = [0, 1, 2].map((i) =>
        config({ cmd: 'sleep 30', container: container({ aliases: [`n${i}`] }) }),
      );
      await Promise.all(tasks.map((t) => d.startTask(t)));
      const netName = `flt-${OWN_ID}-net`;
      assert.equal((await networksNamed(netName)).length, 1);
      for (const t of tasks) await d.destroyTask(t.taskKey);
      assert.equal((await networksNamed(netName)).length, 0);

      // As an earlier race (or another client) may have left it: two networks of one name.
      for (let i = 0; i < 2; i++) {
        await engine.json({
          method: 'POST',
          path: '/networks/create',
          body: { Name: netName, CheckDuplicate: false, Labels: { [LABEL.daemon]: OWN_ID } },
        });
      }
      const again = config({ cmd: 'sleep 30', container: container({ aliases: ['mended'] }) });
      await d.startTask(again);
      assert.equal((await networksNamed(netName)).length, 1);
    },
  );

  it('sweeps containers of tasks it was not told to keep', opts, async () => {
    const d = driver();
    const keep = config({ cmd: 'sleep 30' });
    const drop = config({ cmd: 'sleep 30', container: container({ aliases: ['gone'] }) });
    await d.startTask(keep);
    const dropped = await d.startTask(drop);
    assert.deepEqual(await d.sweep(new Set([keep.taskKey])), [drop.taskKey]);
    assert.ok(!(await exists(`/containers/${dropped.containerId}/json`)));
    assert.ok(!(await exists(`/networks/flt-${OWN_ID}-net`)));
    assert.equal(d.inspectTask(keep.taskKey)?.running, true);
    assert.equal(d.inspectTask(drop.taskKey), null);
  });

  itLeavesNothingBehind(opts);
});
