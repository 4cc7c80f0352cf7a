import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { FlotillaError } from '../../core/errors.js';
import type { HealthCheckSpec } from '../../core/health.js';
import type { LaunchSpec } from '../../core/task.js';
import { runCheck } from '../../reconciler/health/index.js';
import type { PlacedTask } from '../package.js';
import { validateOptions } from '../registry.js';
import { zookeeper } from './index.js';
import { eventually, Harness } from './testing/harness.js';
import { prepareJvm } from './testing/jars.js';

const HOSTS = ['127.0.10.1', '127.0.10.2', '127.0.10.3'];
const jvm = await prepareJvm(zookeeper, {});
if ('skip' in jvm) console.warn(`\n!!! SKIPPING the real ZooKeeper test: ${jvm.skip}\n`);

function target(task: PlacedTask) {
  return { host: task.host, ports: task.ports, exec: () => Promise.reject(new Error('no exec')) };
}

describe('zookeeper options', () => {
  it('defaults to one server on free ports and refuses an even ensemble', () => {
    const o = validateOptions(zookeeper, {});
    assert.deepEqual(o, {
      servers: 1,
      port: 0,
      heapMb: 256,
      tickTime: 2000,
      initLimit: 5,
      syncLimit: 2,
      cpus: 0.5,
    });
    assert.deepEqual(zookeeper.layout(o), [
      {
        name: 'zk-0',
        role: 'server',
        index: 0,
        ports: [0, 0, 0],
        cpus: 0.5,
        mem: 384,
        constraints: [{ field: 'hostname', operator: 'UNIQUE' }],
      },
    ]);
    assert.throws(() => validateOptions(zookeeper, { servers: 2 }), /"servers".*one of 1, 3, 5/);
    assert.throws(
      () => zookeeper.layout(validateOptions(zookeeper, { heapMb: 512, mem: 400 })),
      (err: FlotillaError) =>
        err.code === 'PACKAGE_OPTIONS_INVALID' && /"mem".*exceed "heapMb"/.test(err.message),
    );
  });

  it('renders a standalone server: no server.N lines, the config path last on the command line', () => {
    const options = validateOptions(zookeeper, { port: 2181 });
    const [slot] = zookeeper.layout(options);
    const task = {
      ...slot!,
      host: '127.0.10.1',
      bindHost: '127.0.10.1',
      publicHost: '127.0.10.1',
      ports: [2181, 2888, 3888],
      sandbox: '/sb/zk-0',
    };
    const ctx = {
      service: 'zk',
      tenant: 'acme',
      options,
      tasks: [task],
      binaries: {},
      state: {},
      artifactsDir: '/cache',
    };
    const spec = zookeeper.render({ ...ctx, java: '/jdk/bin/java', classpath: ['/c/a.jar', '/c/b.jar'] })[
      'zk-0'
    ];
    const cfg = spec?.files.find((f) => f.path === 'config/zoo.cfg')?.content ?? '';
    assert.doesNotMatch(cfg, /^server\./m);
    assert.match(cfg, /^dataDir=\/sb\/zk-0\/data$/m);
    assert.match(cfg, /^initLimit=5\nsyncLimit=2$/m);
    assert.deepEqual(spec?.args?.slice(0, 3), ['/jdk/bin/java', '-Xmx256m', '-Xms256m']);
    assert.deepEqual(spec?.args?.slice(-4), [
      '-cp',
      '/c/a.jar:/c/b.jar',
      'org.apache.zookeeper.server.quorum.QuorumPeerMain',
      '/sb/zk-0/config/zoo.cfg',
    ]);
    assert.deepEqual(
      spec?.healthChecks.map((c) => [c.protocol, c.maxConsecutiveFailures]),
      [
        ['ZOOKEEPER', 0],
        ['TCP', 3],
      ],
    );
    assert.deepEqual(zookeeper.endpoints(ctx)[0]?.values, {
      connect: '127.0.10.1:2181',
      hosts: '127.0.10.1',
    });
  });
});

describe('zookeeper package on the real ZooKeeper', { skip: 'skip' in jvm ? jvm.skip : false }, () => {
  const harness = new Harness();
  after(() => harness.close());

  it('forms a 3-server ensemble across virtual nodes: one leader, two followers', async () => {
    if ('skip' in jvm) return;
    const { tasks, specs, endpoints } = await harness.deploy(zookeeper, 'zk', { servers: 3 }, jvm, HOSTS);
    assert.deepEqual(
      tasks.map((t) => t.host),
      HOSTS,
    );
    const zk0 = tasks[0] as PlacedTask;
    const cfg = fs.readFileSync(path.join(zk0.sandbox, 'config/zoo.cfg'), 'utf8');
    assert.match(cfg, new RegExp(`^clientPortAddress=127\\.0\\.10\\.1$`, 'm'));
    assert.match(
      cfg,
      new RegExp(`^server\\.3=127\\.0\\.10\\.3:${tasks[2]?.ports[1]}:${tasks[2]?.ports[2]}$`, 'm'),
    );
    assert.equal(fs.readFileSync(path.join(tasks[1]!.sandbox, 'data/myid'), 'utf8'), '2\n');

    const modes = await Promise.all(
      tasks.map(async (task) => {
        const [ready, live] = (specs[task.name] as LaunchSpec).healthChecks as [
          HealthCheckSpec,
          HealthCheckSpec,
        ];
        assert.equal(ready.protocol, 'ZOOKEEPER');
        const message = await eventually(`${task.name} serving`, 60, async () => {
          const r = await runCheck(ready, target(task));
          return r.ok ? r.message : new Error(`${r.message}\n${harness.tail(task.name, 5)}`);
        });
        assert.equal((await runCheck(live, target(task))).ok, true);
        return /Mode: (\w+)/.exec(message)?.[1];
      }),
    );
    assert.deepEqual([...modes].sort(), ['follower', 'follower', 'leader']);

    const connect = endpoints[0]?.values.connect ?? '';
    assert.equal(connect, tasks.map((t) => `${t.host}:${t.ports[0]}`).join(','));
    // ZooKeeper's own CLI: write through the connection string, read back from one given server.
    // zkCli: the lock carries its commons-cli, as ZooKeeper's own distribution does.
    const classpath = jvm.classpath.join(':');
    const cli = async (server: string, ...command: string[]) => {
      const { stdout } = await promisify(execFile)(
        jvm.java,
        ['-cp', classpath, 'org.apache.zookeeper.ZooKeeperMain', '-server', server, ...command],
        { timeout: 60_000 },
      );
      return stdout;
    };
    await cli(connect, 'create', '/flotilla-test', 'hello-ensemble');
    const follower = tasks[modes.indexOf('follower')] as PlacedTask;
    assert.match(
      await cli(`${follower.host}:${follower.ports[0]}`, 'get', '/flotilla-test'),
      /hello-ensemble/,
    );
    assert.doesNotMatch(harness.logs.get(zk0.name) ?? '', /Processing ruok command/);
  });
});
