import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import type { FlotillaError } from '../../core/errors.js';
import { readOptions } from './options.js';
import type { LaunchSpec } from '../../core/task.js';
import type { PlacedTask, RenderContext } from '../package.js';
import { validateOptions } from '../registry.js';
import { NativePortTranslator } from './client.js';
import { cassandra, FILES } from './index.js';

const run = promisify(execFile);
const CLASSPATH = ['/m2/cassandra-all-5.0.9.jar', '/m2/jamm-0.4.0.jar'];

function place(options: Record<string, unknown>, root = '/sb'): PlacedTask[] {
  return cassandra.layout(options).map((slot, i) => ({
    ...slot,
    host: `127.0.10.${i + 1}`,
    bindHost: `127.0.10.${i + 1}`,
    publicHost: `127.0.10.${i + 1}`,
    ports: [9042 + i, 7000 + i, 7199 + i],
    sandbox: path.join(root, slot.name),
  }));
}

function context(given: Record<string, unknown>, root?: string, java = '/jdk/bin/java'): RenderContext {
  const options = validateOptions(cassandra, given);
  const tasks = place(options, root);
  return {
    service: 'ring',
    tenant: 'acme',
    options,
    tasks,
    binaries: {},
    state: {},
    artifactsDir: '/cache',
    java,
    classpath: CLASSPATH,
  };
}

const file = (spec: LaunchSpec | undefined, name: string) =>
  spec?.files.find((f) => f.path === name)?.content ?? '';

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

/** The rendered scripts run for real, with a stand-in `java` that prints what nodetool would. */
describe('cassandra scripts', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-cassandra-render-'));
  const fakeJava = path.join(root, 'java');
  const servers: net.Server[] = [];
  let ctx: RenderContext;
  let specs: Record<string, LaunchSpec>;

  before(async () => {
    // Prints the canned status when called as nodetool, the word "cassandra" when called as the server.
    fs.writeFileSync(
      fakeJava,
      `#!/bin/bash\ncase "$*" in *NodeTool*) cat "${root}/status" ;; *) echo "cassandra started" ;; esac\n`,
      { mode: 0o755 },
    );
    ctx = context({}, root, fakeJava);
    // Real listeners on the CQL ports the readiness script probes.
    for (const t of ctx.tasks) {
      const server = net.createServer((s) => s.destroy());
      await new Promise<void>((resolve) => server.listen(0, t.host, resolve));
      t.ports[0] = (server.address() as net.AddressInfo).port;
      servers.push(server);
    }
    specs = cassandra.render(ctx);
    for (const t of ctx.tasks) {
      for (const f of (specs[t.name] as LaunchSpec).files) {
        fs.mkdirSync(path.dirname(path.join(t.sandbox, f.path)), { recursive: true });
        fs.writeFileSync(path.join(t.sandbox, f.path), f.content, { mode: f.mode ?? 0o644 });
      }
    }
  });
  after(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    fs.rmSync(root, { recursive: true, force: true });
  });

  async function ready(status: string, index = 0): Promise<{ code: number; out: string }> {
    fs.writeFileSync(path.join(root, 'status'), status);
    const task = ctx.tasks[index] as PlacedTask;
    fs.rmSync(path.join(task.sandbox, 'data/tools/ready.last'), { force: true });
    try {
      const { stdout } = await run('/bin/bash', [path.join(task.sandbox, FILES.ready)]);
      return { code: 0, out: stdout.trim() };
    } catch (err) {
      const e = err as { code: number; stdout: string };
      return { code: e.code, out: e.stdout.trim() };
    }
  }

  const line = (state: string, host: string) =>
    `${state}  ${host}  116.29 KiB  16  100.0%  c9e7c65c-0fe7-4322-b1a7-62243bffbfef  rack1`;
  const header =
    'Datacenter: datacenter1\n===============\nStatus=Up/Down\n|/ State=Normal/Leaving/Joining/Moving\n';

  it('is ready when it and every node it sees are UN, at least as many as formed the ring before it', async () => {
    const all = ['127.0.10.1', '127.0.10.2', '127.0.10.3'];
    assert.deepEqual(await ready(header + all.map((h) => line('UN', h)).join('\n')), {
      code: 0,
      out: 'all 3 nodes Up/Normal',
    });
    // A fourth node (a scale-up) does not change what "ready" means, so nothing is re-rendered.
    assert.deepEqual(await ready(header + [...all, '127.0.10.4'].map((h) => line('UN', h)).join('\n'), 2), {
      code: 0,
      out: 'all 4 nodes Up/Normal',
    });
    assert.deepEqual(
      await ready(header + [line('UN', all[0]!), line('UJ', all[1]!), line('DN', all[2]!)].join('\n')),
      { code: 1, out: '1 nodes Up/Normal; not UN: 127.0.10.2=UJ 127.0.10.3=DN' },
    );
    // cassandra-0 alone is ready (it formed the ring); cassandra-2 expects the two before it too.
    assert.deepEqual(await ready(header + line('UN', all[0]!)), { code: 0, out: 'all 1 nodes Up/Normal' });
    assert.deepEqual(await ready(header + [line('UN', all[0]!), line('UN', all[2]!)].join('\n'), 2), {
      code: 1,
      out: '2 nodes Up/Normal, at least 3 expected',
    });
    assert.deepEqual(await ready(header + [line('UN', all[1]!), line('UN', all[2]!)].join('\n')), {
      code: 1,
      out: 'this node (127.0.10.1) is not Up/Normal yet',
    });
  });

  it('repeats a fresh verdict instead of starting another nodetool', async () => {
    const first = await ready(header + line('UN', '127.0.10.1'));
    fs.writeFileSync(path.join(root, 'status'), 'never read');
    const { stdout } = await run('/bin/bash', [
      path.join((ctx.tasks[0] as PlacedTask).sandbox, FILES.ready),
    ]).catch((err: { stdout: string }) => ({ stdout: err.stdout }));
    assert.equal(stdout.trim(), first.out);
  });

  it('fails fast, without nodetool, while the node does not answer CQL', async () => {
    const closed = servers.pop() as net.Server;
    await new Promise((resolve) => closed.close(resolve));
    const { code, out } = await ready('never read', 2);
    assert.equal(code, 1);
    assert.match(out, /^CQL does not answer on 127\.0\.10\.3:\d+ yet$/);
    assert.equal((await ready(header + line('UN', '127.0.10.1'))).code, 0, 'the others do not probe it');
  });

  it('runs nodetool against its own JMX with the arguments it is given', async () => {
    const t2 = ctx.tasks[2] as PlacedTask;
    fs.writeFileSync(path.join(root, 'status'), 'status output');
    const { stdout } = await run('/bin/bash', [path.join(t2.sandbox, FILES.nodetool), 'decommission']);
    assert.equal(stdout, 'status output');
    const script = file(specs['cassandra-2'], FILES.nodetool);
    assert.match(script, /'org\.apache\.cassandra\.tools\.NodeTool' -h '127\.0\.10\.3' -p 7201 "\$@"$/m);
  });

  it('empties the data once per fresh generation, at launch, and keeps it on later launches', async () => {
    const fresh = cassandra.render({ ...ctx, state: { ...ctx.state, 'fresh.cassandra-0': '1' } });
    const t0 = ctx.tasks[0] as PlacedTask;
    const start = path.join(t0.sandbox, FILES.start);
    fs.writeFileSync(start, file(fresh['cassandra-0'], FILES.start));
    const data = path.join(t0.sandbox, 'data');
    fs.mkdirSync(path.join(data, 'data/system'), { recursive: true });
    fs.writeFileSync(path.join(data, 'commitlog.log'), 'old');
    const first = await run('/bin/bash', [start]);
    assert.equal(first.stdout, `data generation 1: emptying ${data} (a fresh node)\ncassandra started\n`);
    assert.deepEqual(fs.readdirSync(data), ['.flotilla-generation']);
    fs.writeFileSync(path.join(data, 'written-since'), 'new');
    const again = await run('/bin/bash', [start]);
    assert.equal(again.stdout, 'cassandra started\n');
    assert.deepEqual(fs.readdirSync(data).sort(), ['.flotilla-generation', 'written-since']);
  });

  it('starts a later node at once when the one before serves CQL, or when it has booted before', async () => {
    const t1 = ctx.tasks[1] as PlacedTask;
    const { stdout } = await run('/bin/bash', [path.join(t1.sandbox, FILES.start)]);
    assert.equal(
      stdout,
      'first boot: waiting for cassandra-0 (127.0.10.1:' +
        ctx.tasks[0]?.ports[0] +
        ') to join the ring\ncassandra started\n',
    );
    // cassandra-2 waits for cassandra-1: with its port closed, an existing system keyspace skips the wait.
    const second = servers.splice(1, 1)[0] as net.Server;
    await new Promise((resolve) => second.close(resolve));
    const t2 = ctx.tasks[2] as PlacedTask;
    fs.mkdirSync(path.join(t2.sandbox, 'data/data/system'), { recursive: true });
    const again = await run('/bin/bash', [path.join(t2.sandbox, FILES.start)], { timeout: 5000 });
    assert.equal(again.stdout, 'cassandra started\n');
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
