import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlotillaError } from '../../core/errors.js';
import type { LaunchSpec } from '../../core/task.js';
import type { PackageDefinition, PlacedTask, RenderContext } from '../package.js';
import { getPackage, validateOptions } from '../registry.js';
import { propValue } from '../jvm/properties.js';
import { zookeeperConnect } from './config.js';
import { kafka3, kafka4 } from './index.js';
import { readOptions } from './read-options.js';
import { shellQuote } from '../../core/shell.js';

function invalid(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof FlotillaError);
    assert.equal(err.code, 'PACKAGE_OPTIONS_INVALID');
    assert.match(err.message, pattern);
    return true;
  });
}

/** Validates, lays out and places on 127.0.10.<n> with ports 9000+, as the deploy path would. */
function place(pkg: PackageDefinition, given: Record<string, unknown>, state: Record<string, string> = {}) {
  const options = validateOptions(pkg, given);
  let next = 9000;
  const seen = new Map<string, number>();
  const tasks: PlacedTask[] = pkg.layout(options).map((slot) => {
    const n = seen.get(slot.role) ?? 0;
    seen.set(slot.role, n + 1);
    return {
      ...slot,
      host: `127.0.10.${n + 1}`,
      bindHost: `127.0.10.${n + 1}`,
      publicHost: `127.0.10.${n + 1}`,
      ports: slot.ports.map(() => next++),
      sandbox: `/sb/${slot.name}`,
    };
  });
  const ctx: RenderContext = {
    service: 'events',
    tenant: 'acme',
    options,
    tasks,
    binaries: {},
    artifactsDir: '/cache',
    state,
    java: '/jdk/bin/java',
    classpath: ['/cache/a.jar', "/cache/it's.jar"],
  };
  return { ctx, tasks, specs: pkg.render(ctx), endpoints: pkg.endpoints(ctx) };
}

function file(spec: LaunchSpec | undefined, path: string): string {
  const f = spec?.files.find((x) => x.path === path);
  assert.ok(f, `no ${path}`);
  return f.content;
}

describe('kafka package rendering', () => {
  it('registers 4.3.1 as the default version next to 3.9.1', () => {
    assert.equal(getPackage('kafka'), kafka4);
    assert.equal(getPackage('kafka', '3.9.1'), kafka3);
    assert.equal(kafka4.jvm?.javaMajor.min, 17);
  });

  it('refuses ZooKeeper mode on Kafka 4 and inconsistent modes on 3.9', () => {
    const noZk = /kafka 4\.3\.1 has no ZooKeeper mode \(Kafka 4\.0 removed it\).*kafka version 3\.9\.1/;
    invalid(() => kafka4.layout(validateOptions(kafka4, { mode: 'zookeeper' })), noZk);
    invalid(() => kafka4.layout(validateOptions(kafka4, { zookeeper: '127.0.10.1:2181' })), noZk);
    invalid(
      () => kafka3.layout(validateOptions(kafka3, { mode: 'zookeeper' })),
      /no "zookeeper" connection string/,
    );
    invalid(
      () => kafka3.layout(validateOptions(kafka3, { mode: 'kraft', zookeeper: 'h:1' })),
      /only used in mode "zookeeper"/,
    );
    invalid(() => kafka3.layout(validateOptions(kafka3, { zookeeper: 'h:1', controllers: 3 })), /KRaft only/);
    invalid(
      () => kafka4.layout(validateOptions(kafka4, { brokers: 2, replicationFactor: 3 })),
      /"replicationFactor" .*\(3\) cannot exceed "brokers" \(2\)/,
    );
    invalid(() => kafka4.layout(validateOptions(kafka4, { port: 9092, controllerPort: 9092 })), /both 9092/);
    invalid(
      () =>
        kafka4.layout(validateOptions(kafka4, { brokers: 1, topics: [{ name: 't', replicationFactor: 2 }] })),
      /"topics\.0\.replicationFactor" .*cannot exceed "brokers" \(1\)/,
    );
    assert.throws(
      () => validateOptions(kafka3, { zookeeper: 'h:1\nlisteners=x' }),
      /"zookeeper".*must match/,
    );
  });

  it('renders 3.9 brokers in ZooKeeper mode, each advertising its own address, under a chroot', () => {
    const { specs, endpoints, ctx } = place(kafka3, { zookeeper: '127.0.10.1:2181', brokers: 3 });
    const props = file(specs['kafka-1'], 'config/server.properties');
    for (const line of [
      'broker.id=1',
      'zookeeper.connect=127.0.10.1:2181/flotilla/acme/events',
      'listeners=PLAINTEXT://127.0.10.2:9001',
      'advertised.listeners=PLAINTEXT://127.0.10.2:9001',
      'log.dirs=/sb/kafka-1/data/logs',
      'default.replication.factor=3',
      'min.insync.replicas=2',
      'offsets.topic.replication.factor=3',
      'group.initial.rebalance.delay.ms=0',
    ]) {
      assert.ok(props.split('\n').includes(line), `${line} in\n${props}`);
    }
    assert.doesNotMatch(props, /process\.roles|share\.coordinator/);
    assert.match(props, /^zookeeper\.session\.timeout\.ms=6000$/m);
    assert.deepEqual(specs['kafka-1']?.args, ['/bin/sh', '/sb/kafka-1/bin/start.sh']);
    const script = file(specs['kafka-1'], 'bin/start.sh');
    assert.ok(
      script.includes(
        "if [ -f '/sb/kafka-1/data/logs/meta.properties' ] && [ ! -f '/sb/kafka-1/data/logs/.kafka_cleanshutdown' ]; then sleep 8; fi",
      ),
    );
    assert.doesNotMatch(script, /StorageTool/);
    assert.match(
      script,
      /\nexec '\/jdk\/bin\/java' .*'-Dlog4j\.configuration=file:\/\/\/sb\/kafka-1\/config\/log4j\.properties' -cp "\$classpath" kafka\.Kafka '\/sb\/kafka-1\/config\/server\.properties'\n$/,
    );
    assert.deepEqual(ctx.state, {});
    assert.deepEqual(endpoints[0]?.values, {
      bootstrap: '127.0.10.1:9000,127.0.10.2:9001,127.0.10.3:9002',
      bootstrapServers: 'bootstrap.servers=127.0.10.1:9000,127.0.10.2:9001,127.0.10.3:9002',
      zookeeper: '127.0.10.1:2181/flotilla/acme/events',
    });
    const [ready, live] = specs['kafka-1']?.healthChecks ?? [];
    assert.deepEqual(
      [ready?.protocol, ready?.kafka, ready?.maxConsecutiveFailures],
      ['KAFKA', { brokerId: 1 }, 0],
    );
    assert.equal(live?.protocol, 'TCP');
  });

  it('renders KRaft with combined roles on the first 3 brokers and keeps the cluster id', () => {
    const state: Record<string, string> = {};
    const { tasks, specs, endpoints } = place(kafka4, { brokers: 4 }, state);
    const voters = (brokers: number) =>
      kafka4.layout(validateOptions(kafka4, { brokers })).filter((slot) => slot.ports.length === 2).length;
    assert.deepEqual([1, 2, 3, 6].map(voters), [1, 1, 3, 3]);
    assert.deepEqual(
      tasks.map((t) => t.ports.length),
      [2, 2, 2, 1],
    );
    const p0 = file(specs['kafka-0'], 'config/server.properties');
    assert.match(p0, /^process\.roles=broker,controller$/m);
    assert.match(
      p0,
      /^controller\.quorum\.voters=0@127\.0\.10\.1:9001,1@127\.0\.10\.2:9003,2@127\.0\.10\.3:9005$/m,
    );
    assert.match(p0, /^listeners=PLAINTEXT:\/\/127\.0\.10\.1:9000,CONTROLLER:\/\/127\.0\.10\.1:9001$/m);
    assert.match(p0, /^advertised\.listeners=PLAINTEXT:\/\/127\.0\.10\.1:9000$/m);
    assert.match(p0, /^share\.coordinator\.state\.topic\.replication\.factor=3$/m);
    assert.match(file(specs['kafka-3'], 'config/server.properties'), /^process\.roles=broker$/m);
    assert.match(state.clusterId ?? '', /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);

    const script = file(specs['kafka-0'], 'bin/start.sh');
    assert.equal(specs['kafka-0']?.files.find((f) => f.path === 'bin/start.sh')?.mode, 0o755);
    assert.deepEqual(specs['kafka-0']?.args, ['/bin/sh', '/sb/kafka-0/bin/start.sh']);
    assert.ok(script.includes(`classpath='/cache/a.jar:/cache/it'\\''s.jar'`));
    assert.ok(
      script.includes(
        `kafka.tools.StorageTool format --cluster-id '${state.clusterId}' --config '/sb/kafka-0/config/server.properties' --ignore-formatted`,
      ),
    );
    assert.doesNotMatch(script, /sleep/);
    assert.match(
      script,
      /\nexec '\/jdk\/bin\/java' '-Xmx512m' .* kafka\.Kafka '\/sb\/kafka-0\/config\/server\.properties'\n$/,
    );
    assert.ok(script.includes("'-Dlog4j2.configurationFile=/sb/kafka-0/config/log4j2.properties'"));

    const again = place(kafka4, { brokers: 4 }, { ...state });
    assert.equal(again.ctx.state.clusterId, state.clusterId);
    assert.deepEqual(again.specs, specs);
    assert.equal(
      endpoints[0]?.values.bootstrapControllers,
      '127.0.10.1:9001,127.0.10.2:9003,127.0.10.3:9005',
    );
  });

  it('renders separate controllers with their own node ids and a TCP check', () => {
    const { tasks, specs } = place(kafka3, { brokers: 2, controllers: 3, heapMb: 256 });
    assert.deepEqual(
      tasks.map((t) => `${t.name}/${t.role}/${t.constraints?.map((c) => `${c.field}:${c.operator}`).join()}`),
      [
        'kafka-0/broker/hostname:UNIQUE',
        'kafka-1/broker/hostname:UNIQUE',
        'controller-0/controller/hostname:UNIQUE',
        'controller-1/controller/hostname:UNIQUE',
        'controller-2/controller/hostname:UNIQUE',
      ],
    );
    const c1 = file(specs['controller-1'], 'config/server.properties');
    assert.match(c1, /^node\.id=1001$/m);
    assert.match(c1, /^process\.roles=controller$/m);
    assert.match(c1, /^listeners=CONTROLLER:\/\/127\.0\.10\.2:9003$/m);
    assert.doesNotMatch(c1, /advertised\.listeners|num\.partitions/);
    assert.match(
      file(specs['kafka-1'], 'config/server.properties'),
      /^controller\.quorum\.voters=1000@127\.0\.10\.1:9002,1001@127\.0\.10\.2:9003,1002@127\.0\.10\.3:9004$/m,
    );
    assert.deepEqual(
      specs['controller-1']?.healthChecks.map((c) => c.protocol),
      ['TCP'],
    );
    assert.equal(specs['kafka-0']?.mem, 256 + 384);
  });

  it('fills topic defaults from the cluster options', () => {
    const options = validateOptions(kafka4, {
      partitions: 6,
      topics: [
        { name: 'orders' },
        { name: 'audit', partitions: 1, configs: { 'cleanup.policy': 'compact' } },
      ],
    });
    assert.deepEqual(readOptions(options, '4.3.1').topics, [
      { name: 'orders', partitions: 6, replicationFactor: 3, configs: {} },
      { name: 'audit', partitions: 1, replicationFactor: 3, configs: { 'cleanup.policy': 'compact' } },
    ]);
  });

  it('quotes values for properties files and the shell', () => {
    assert.equal(propValue('/a b/c\\d\nx=é'), '/a b/c\\\\d\\nx=\\u00e9');
    assert.equal(propValue(' lead'), '\\ lead');
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
    assert.equal(zookeeperConnect('h:1,h:2/mine', 't', 's'), 'h:1,h:2/mine');
  });
});
