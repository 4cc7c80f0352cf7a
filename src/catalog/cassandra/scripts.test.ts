import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { LaunchSpec } from '../../core/task.js';
import type { PlacedTask, RenderContext } from '../package.js';
import { cassandra, FILES } from './index.js';
import { context, file } from './render-testing.js';

const run = promisify(execFile);

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
