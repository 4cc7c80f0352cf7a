import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { FlotillaError } from '../core/errors.js';
import { DeployHarness } from './testing/harness.js';

const STACK = `
name: demo
services:
  cache: { package: redis, options: { replicas: 1, password: pw } }
apps:
  web:
    cmd: serve --redis \${cache.url}
    instances: 2
    ports: [0]
    env: { URL: "\${cache.url}" }
`;

describe('deploy: plan, then commit', () => {
  let h: DeployHarness;
  let store: DeployHarness['store'];
  const apply = (source: string) => h.apply(source);

  beforeEach(() => {
    h = new DeployHarness();
    store = h.store;
  });
  afterEach(() => h.close());

  it('renders tasks with resolved references, and keeps secrets out of the stored app', async () => {
    const r = await apply(STACK);
    assert.deepEqual(r.created.sort(), ['cache', 'web']);
    const tasks = store.tasks.list('default');
    assert.deepEqual(
      tasks.map((t) => t.id),
      ['cache.redis-0', 'cache.redis-1', 'web.0', 'web.1'],
    );
    const primary = tasks[0]!;
    const web = tasks[2]!;
    assert.equal(web.spec.env.URL, `redis://default:pw@${primary.host}:${primary.ports[0]}`);
    assert.deepEqual(web.spec.env.PORT0, String(web.ports[0]));
    assert.deepEqual(web.spec.secretEnv, ['URL']);
    assert.deepEqual(web.spec.dependsOn, ['cache']);
    assert.equal(store.apps.get('default', 'web')!.spec.env.URL, '${cache.url}');
    const ports = tasks.flatMap((t) => t.ports);
    assert.equal(new Set(ports).size, ports.length, 'no port handed out twice');
  });

  it('is idempotent, and an edit changes only what changed', async () => {
    await apply(STACK);
    const first = store.tasks.list('default');
    const again = await apply(STACK);
    assert.deepEqual(again.unchanged.sort(), ['cache', 'web']);
    assert.deepEqual(again.touched, []);
    const edited = await apply(STACK.replace('instances: 2', 'instances: 3'));
    assert.deepEqual(edited.updated, ['web']);
    assert.deepEqual(edited.unchanged, ['cache']);
    assert.deepEqual(edited.touched, ['web.2']);
    const after = store.tasks.list('default');
    for (const t of first)
      assert.deepEqual(after.find((a) => a.id === t.id)!.ports, t.ports, 'ports are stable');
    const shrunk = await apply(STACK.replace('instances: 2', 'instances: 1'));
    assert.deepEqual(shrunk.touched.sort(), ['web.1', 'web.2']);
    assert.equal(store.tasks.get('default', 'web.2')!.desired, 'removed');
  });

  it('removes what the stack no longer declares', async () => {
    await apply(STACK);
    const r = await apply(
      'name: demo\nservices:\n  cache: { package: redis, options: { replicas: 1, password: pw } }\n',
    );
    assert.deepEqual(r.removed, ['web']);
    assert.equal(store.apps.get('default', 'web'), null);
    assert.equal(store.tasks.get('default', 'web.0')!.desired, 'removed');
  });

  it('commits nothing when a fixed port is taken, and names the port', async () => {
    await apply(STACK);
    const before = h.snapshot();
    const port = 40123;
    h.taken.add(`*:${port}`);
    await assert.rejects(
      apply(`${STACK}  extra:\n    cmd: x\n    ports: [${port}]\n`),
      (err: FlotillaError) => err.code === 'PORT_IN_USE' && err.message.includes(String(port)),
    );
    assert.equal(h.snapshot(), before);
    assert.equal(store.apps.get('default', 'extra'), null);
  });

  it('refuses a name owned by another stack', async () => {
    await apply(STACK);
    await assert.rejects(
      apply(STACK.replace('name: demo', 'name: other')),
      (err: FlotillaError) => err.code === 'NAME_CONFLICT' && /stack "demo"/.test(err.message),
    );
  });

  it('renders container services by their network names inside, published addresses outside', async () => {
    await apply(`
name: boxed
driver: docker
services:
  zk: { package: zookeeper }
  events:
    package: kafka
    version: '3.9.1'
    options:
      brokers: 2
      mode: zookeeper
      zookeeper: \${zk.connect}
`);
    const zk = store.tasks.get('default', 'zk.zk-0')!;
    assert.equal(zk.spec.driver, 'docker');
    assert.equal(zk.spec.container?.image, 'flotilla/zookeeper:test');
    assert.deepEqual(zk.spec.container?.aliases, ['zk-0.zk']);
    assert.equal(zk.spec.artifacts, undefined, 'the jars are in the image');
    const broker = store.tasks.get('default', 'events.kafka-1')!;
    const props = broker.spec.files.find((f) => f.path.endsWith('server.properties'))!.content;
    // Brokers find ZooKeeper by its name on the network, listen on every address of the container,
    // and advertise the published address to clients and their network name to each other.
    assert.match(props, /^zookeeper\.connect=zk-0\.zk:\d+/m);
    const port = broker.ports[0];
    assert.match(
      props,
      new RegExp(`^listeners=PLAINTEXT://0\\.0\\.0\\.0:${port},INTERNAL://0\\.0\\.0\\.0:19092$`, 'm'),
    );
    assert.match(
      props,
      new RegExp(
        `^advertised\\.listeners=PLAINTEXT://${broker.host.replaceAll('.', '\\.')}:${port},INTERNAL://kafka-1\\.events:19092$`,
        'm',
      ),
    );
    assert.match(props, /^inter\.broker\.listener\.name=INTERNAL$/m);
    assert.deepEqual(broker.spec.container?.publish, [
      { containerPort: port, hostPort: port, protocol: 'tcp' },
    ]);
    assert.match(broker.spec.args!.join(' '), /^\/bin\/sh /);
    assert.match(props, /^log\.dirs=/m);
  });

  it("runs a service from the user's own image when it names one", async () => {
    await apply('name: own\nservices:\n  cache: { package: redis, driver: docker, image: acme/redis:7 }\n');
    const task = store.tasks.get('default', 'cache.redis-0')!;
    assert.equal(task.spec.container?.image, 'acme/redis:7');
    assert.equal(task.spec.args?.[0], '/usr/bin/redis-server', "the catalog's launch, the image's program");
    await assert.rejects(
      async () => apply('name: own\nservices:\n  cache: { package: redis, image: acme/redis:7 }\n'),
      (err: FlotillaError) => err.code === 'STACK_INVALID' && /driver: docker/.test(err.message),
    );
  });

  it('refuses a container service that refers to a host process it cannot reach (a daemon that is not root)', async () => {
    const mixed = `
name: mixed
services:
  zk: { package: zookeeper }
  events:
    package: kafka
    version: '3.9.1'
    driver: docker
    options:
      brokers: 1
      mode: zookeeper
      zookeeper: \${zk.connect}
`;
    await assert.rejects(
      apply(mixed),
      (err: FlotillaError) =>
        err.code === 'STACK_INVALID' && /"zk", which runs on the process driver/.test(err.message),
    );
    assert.deepEqual(store.tasks.list('default'), [], 'nothing is stored');
    await apply(mixed.replace('zk: { package: zookeeper }', 'zk: { package: zookeeper, driver: docker }'));
    assert.equal(store.tasks.get('default', 'events.kafka-0')?.spec.driver, 'docker');
    // A root daemon carries containers to their tenant's process tasks (daemon/host-reach.ts): the
    // broker in its container is given the host process's address as it is.
    h.ctx.host.containersReachHost = true;
    await apply(
      mixed.replace('name: mixed', 'name: mixed2').replaceAll('zk', 'zk2').replace('events:', 'events2:'),
    );
    const zk = store.tasks.get('default', 'zk2.zk-0')!;
    assert.equal(zk.spec.driver ?? 'process', 'process');
    const broker = store.tasks.get('default', 'events2.kafka-0')!;
    assert.match(JSON.stringify(broker.spec), new RegExp(`${zk.host}:${zk.ports[0]}`));
  });

  it('refuses a package that cannot run in containers, before anything is stored', async () => {
    await assert.rejects(
      apply('name: ring\nservices:\n  db: { package: cassandra, driver: docker }\n'),
      (err: FlotillaError) => err.code === 'DRIVER_UNSUPPORTED' && /process driver/.test(err.message),
    );
    assert.deepEqual(store.tasks.list('default'), []);
  });
});
