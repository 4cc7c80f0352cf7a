import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import type { FlotillaError } from '../../core/errors.js';
import { readOptions } from './options.js';
import type { LaunchSpec } from '../../core/task.js';
import { validateOptions } from '../registry.js';
import { NativePortTranslator } from './client.js';
import { cassandra, FILES } from './index.js';
import { context, file } from './render-testing.js';

describe('cassandra options', () => {
  it('defaults to a 3-node ring on free ports, one node per Flotilla node', () => {
    const o = validateOptions(cassandra, {});
    assert.deepEqual(o, {
      nodes: 3,
      datacenter: 'datacenter1',
      rack: 'rack1',
      numTokens: 16,
      cpus: 1,
      nativePort: 0,
      storagePort: 0,
      jmxPort: 0,
    });
    // Only mem given: the heap is sized from it.
    assert.equal(readOptions(validateOptions(cassandra, { mem: 2048 })).heapMb, 2048 - 512);
    const slots = cassandra.layout(o);
    assert.deepEqual(
      slots.map((s) => [s.name, s.role, s.index, s.ports, s.mem, s.cpus]),
      [0, 1, 2].map((i) => [`cassandra-${i}`, 'node', i, [0, 0, 0], 1024, 1]),
    );
    assert.deepEqual(slots[0]?.constraints, [{ field: 'hostname', operator: 'UNIQUE' }]);
  });

  it('refuses what cannot work, saying what to change', () => {
    assert.throws(() => validateOptions(cassandra, { nodes: 0 }), /"nodes".*>= 1/);
    assert.throws(() => validateOptions(cassandra, { datacenter: 'dc 1' }), /"datacenter" .*must match/);
    assert.throws(() => validateOptions(cassandra, { numTokenz: 8 }), /did you mean "numTokens"/);
    assert.throws(
      () => cassandra.layout(validateOptions(cassandra, { heapMb: 1024, mem: 1300 })),
      (err: FlotillaError) =>
        err.code === 'PACKAGE_OPTIONS_INVALID' && /"mem".*at least 384/.test(err.message),
    );
    assert.throws(
      () => cassandra.layout(validateOptions(cassandra, { nativePort: 9042, jmxPort: 9042 })),
      /must differ \(got 9042, 9042\)/,
    );
  });
});

describe('cassandra rendering', () => {
  const ctx = context({});
  const specs = cassandra.render(ctx);

  it('renders cassandra.yaml per node: own address and ports, two seeds, data in the sandbox', () => {
    const yaml = parse(file(specs['cassandra-2'], FILES.yaml)) as Record<string, unknown>;
    assert.equal(yaml.cluster_name, 'acme-ring');
    assert.equal(yaml.listen_address, '127.0.10.3');
    assert.equal(yaml.rpc_address, '127.0.10.3');
    assert.equal(yaml.native_transport_port, 9044);
    assert.equal(yaml.storage_port, 7002);
    assert.equal(yaml.num_tokens, 16);
    assert.equal(yaml.endpoint_snitch, 'GossipingPropertyFileSnitch');
    assert.deepEqual(yaml.seed_provider, [
      {
        class_name: 'org.apache.cassandra.locator.SimpleSeedProvider',
        parameters: [{ seeds: '127.0.10.1:7000,127.0.10.2:7001' }],
      },
    ]);
    assert.deepEqual(yaml.data_file_directories, ['/sb/cassandra-2/data/data']);
    for (const key of [
      'commitlog_directory',
      'saved_caches_directory',
      'hints_directory',
      'cdc_raw_directory',
    ]) {
      assert.match(String(yaml[key]), /^\/sb\/cassandra-2\/data\/\w+$/);
    }
    assert.equal(yaml.concurrent_compactors, 1);
    assert.equal(file(specs['cassandra-2'], FILES.rackdc), 'dc=datacenter1\nrack=rack1\n');
    // Every node gets the same seeds: the same ring view from the first gossip on.
    const seedsOf = (name: string) =>
      (parse(file(specs[name], FILES.yaml)) as { seed_provider: unknown }).seed_provider;
    assert.deepEqual(seedsOf('cassandra-0'), seedsOf('cassandra-2'));
  });

  it('runs the JVM with the heap, the Java 17 module flags, JMX on the node address and small-machine tuning', () => {
    const spec = specs['cassandra-1'];
    assert.deepEqual(spec?.args, ['/bin/bash', '/sb/cassandra-1/bin/start.sh']);
    const start = file(spec, FILES.start);
    const exec = start.split('\n').find((l) => l.startsWith('exec ')) ?? '';
    for (const flag of [
      '-Xms512m',
      '-Xmx512m',
      '-javaagent:/m2/jamm-0.4.0.jar',
      '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
      '--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED',
      '-Dcom.sun.management.jmxremote.port=7200',
      '-Dcom.sun.management.jmxremote.host=127.0.10.2',
      '-Dcassandra.config=file:///sb/cassandra-1/config/cassandra.yaml',
      '-Dcassandra.ring_delay_ms=5000',
      '-Dcassandra.skip_wait_for_gossip_to_settle=0',
      '-Dcassandra-foreground=yes',
    ]) {
      assert.ok(exec.includes(`'${flag}'`), `${flag} in ${exec}`);
    }
    assert.match(exec, /-cp "\$classpath" 'org\.apache\.cassandra\.service\.CassandraDaemon'$/);
    assert.deepEqual(spec?.env, { MALLOC_ARENA_MAX: '4' });
    assert.equal(spec?.mem, 1024);
    assert.deepEqual(
      spec?.healthChecks.map((c) => [
        c.protocol,
        c.portIndex,
        c.maxConsecutiveFailures,
        c.gracePeriodSeconds,
      ]),
      [
        ['COMMAND', 0, 0, 240],
        ['TCP', 1, 3, 240],
      ],
    );
    assert.equal(spec?.healthChecks[0]?.command, '/bin/bash /sb/cassandra-1/bin/ready.sh');
  });

  it('makes only later nodes wait for the one before them, and only on first boot', () => {
    assert.doesNotMatch(file(specs['cassandra-0'], FILES.start), /first boot/);
    const start = file(specs['cassandra-2'], FILES.start);
    assert.match(start, /^if \[ ! -d '\/sb\/cassandra-2\/data\/data\/system' \]; then$/m);
    assert.match(start, /until port_open '127\.0\.10\.2' 9043; do/);
  });

  it('publishes contact points, the datacenter and a cqlsh hint', () => {
    assert.deepEqual(cassandra.endpoints(ctx), [
      {
        name: 'cassandra',
        addresses: ['127.0.10.1:9042', '127.0.10.2:9043', '127.0.10.3:9044'],
        values: {
          contactPoints: '127.0.10.1:9042,127.0.10.2:9043,127.0.10.3:9044',
          datacenter: 'datacenter1',
          clusterName: 'acme-ring',
          cqlsh: 'cqlsh 127.0.10.1 9042',
          jmx: '127.0.10.1:7199,127.0.10.2:7200,127.0.10.3:7201',
        },
      },
    ]);
  });

  it('re-renders nothing of the nodes that stay when the ring grows or shrinks', () => {
    const state: Record<string, string> = {};
    const three = cassandra.render({ ...context({}), state });
    assert.equal(state.seeds, 'cassandra-0,cassandra-1', 'the seeds are remembered');
    const four = cassandra.render({ ...context({ nodes: 4 }), state });
    for (const name of ['cassandra-0', 'cassandra-1', 'cassandra-2'])
      assert.deepEqual(four[name], three[name]);
    const seeds = (spec: LaunchSpec | undefined) =>
      (parse(file(spec, FILES.yaml)) as { seed_provider: { parameters: { seeds: string }[] }[] })
        .seed_provider[0]?.parameters[0]?.seeds;
    assert.equal(seeds(four['cassandra-3']), '127.0.10.1:7000,127.0.10.2:7001', 'a new node is no seed');
    // From one node up again: the remembered seeds that remain, never the node that joins.
    const one = cassandra.render({ ...context({ nodes: 2 }), state: { seeds: 'cassandra-0' } });
    assert.equal(seeds(one['cassandra-1']), '127.0.10.1:7000');
  });

  it('renders a replacement with empty data, the replaced address, and not as its own seed', () => {
    const state = {
      seeds: 'cassandra-0,cassandra-1',
      'fresh.cassandra-1': '1',
      'replace.cassandra-1': '127.0.10.2',
    };
    const before = cassandra.render({ ...context({}), state: { seeds: state.seeds } });
    const after = cassandra.render({ ...context({}), state });
    const start = file(after['cassandra-1'], FILES.start);
    assert.match(
      start,
      /^if \[ "\$\(cat '\/sb\/cassandra-1\/data\/\.flotilla-generation' 2>\/dev\/null\)" != '1' \]; then$/m,
    );
    assert.ok(start.includes("'-Dcassandra.replace_address_first_boot=127.0.10.2'"));
    const yaml = parse(file(after['cassandra-1'], FILES.yaml)) as {
      seed_provider: { parameters: { seeds: string }[] }[];
    };
    assert.equal(yaml.seed_provider[0]?.parameters[0]?.seeds, '127.0.10.1:7000');
    // Only the replacement changes: the others are not restarted.
    assert.deepEqual(after['cassandra-0'], before['cassandra-0']);
    assert.deepEqual(after['cassandra-2'], before['cassandra-2']);
    assert.notDeepEqual(after['cassandra-1'], before['cassandra-1']);
  });

  it('keeps a given cluster name and datacenter', () => {
    const c = context({ nodes: 1, clusterName: 'events', datacenter: 'eu-west', numTokens: 8 });
    const spec = cassandra.render(c)['cassandra-0'];
    const yaml = parse(file(spec, FILES.yaml)) as Record<string, unknown>;
    assert.equal(yaml.cluster_name, 'events');
    assert.equal(yaml.num_tokens, 8);
    assert.equal(file(spec, FILES.rackdc), 'dc=eu-west\nrack=rack1\n');
    assert.equal(cassandra.endpoints(c)[0]?.values.datacenter, 'eu-west');
  });
});

describe('cassandra driver options', () => {
  it('dials each discovered node at its own native port', () => {
    const t = new NativePortTranslator(['127.0.10.1:9042', '127.0.10.2:9100']);
    const seen: string[] = [];
    for (const address of ['127.0.10.2', '127.0.10.9']) t.translate(address, 9042, (e) => seen.push(e));
    assert.deepEqual(seen, ['127.0.10.2:9100', '127.0.10.9:9042']);
  });
});
