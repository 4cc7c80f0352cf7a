import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { FlotillaClient } from '../../src/client/client.js';
import { isFlotillaError } from '../../src/core/errors.js';
import { startDaemon, type RunningDaemon } from '../../src/daemon/daemon.js';
import { forgetHome } from '../../src/isolation/forget.js';
import { homeIdOf } from '../../src/isolation/identity.js';
import { startInProcessDaemon, type InProcessDaemon } from '../helpers/daemon.js';
import { adminToken, waitFor } from '../helpers/flotilla.js';
import { connects, median, redisPings } from '../helpers/net-probe.js';
import { parseExperiment } from '../../src/lab/experiment.js';
import { runExperiment } from '../../src/lab/run.js';
import os from 'node:os';
import path from 'node:path';

const root = process.getuid?.() === 0;
const PW = 'lab-secret-pw';
const STACK = `name: lab\nservices:\n  cache: { package: redis, options: { replicas: 1, password: ${PW} } }\n`;

function procState(pid: number): string {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2]!;
  } catch {
    return 'gone';
  }
}

async function refusedWith(p: Promise<unknown>, code: string): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(isFlotillaError(err), String(err));
    assert.equal(err.code, code, err.message);
    return err.message;
  }
  assert.fail(`expected ${code}`);
}

describe('faults on process tasks, against real Redis', { skip: !root && 'needs a root daemon' }, () => {
  let d: InProcessDaemon;
  let a: FlotillaClient;
  let b: FlotillaClient;
  /** The daemon the last test starts on the same home, to stop the tasks the first left running. */
  let second: RunningDaemon | null = null;
  const task = async (id: string) => {
    const t = await a.getTask(id);
    return { pid: t.pid!, host: t.host, port: t.ports[0]! };
  };
  const ready = () => waitFor(async () => (await a.getStack('lab')).status === 'ready', 120_000, 'the stack');
  const leftovers = () => {
    const chains = ['filter', 'nat'].map((t) =>
      execFileSync('iptables', ['-w', '-t', t, '-S'], { encoding: 'utf8' }),
    );
    return chains
      .join('\n')
      .split('\n')
      .filter((l) => l.includes(`FLTF-${homeIdOf(d.home)}`));
  };

  before(async () => {
    d = await startInProcessDaemon('faults', 49000);
    const mint = async (tenant: string) => {
      await d.admin.createTenant({ name: tenant });
      const t = await new FlotillaClient(d.daemon.info.address, {
        token: adminToken(d.home),
        tenant,
      }).createToken('tenant-admin', 'faults test');
      return new FlotillaClient(d.daemon.info.address, { token: t.token });
    };
    a = await mint('a');
    b = await mint('b');
    await a.applyStack('lab', STACK);
    await b.applyStack(
      'other',
      `name: other\nservices:\n  mine: { package: redis, options: { replicas: 0 } }\n`,
    );
    await ready();
    await waitFor(async () => (await b.getStack('other')).status === 'ready', 60_000, "B's stack");
  });
  after(async () => {
    if (second) {
      await second.stop(true);
      await forgetHome(d.home);
      fs.rmSync(d.home, { recursive: true, force: true });
    } else await d.stop();
    assert.deepEqual(leftovers(), [], 'no chain or rule of the test is left');
  });

  it('delays one pair by 200 ms, as a real client measures it, and only that pair', async () => {
    const [primary, replica] = [await task('cache.redis-0'), await task('cache.redis-1')];
    const before = median((await redisPings(replica.pid, primary, PW, 5)).rtts!);
    assert.ok(before < 20, `before the fault: ${before} ms`);
    const f = await a.injectFault({
      kind: 'delay',
      from: ['cache.redis-1'],
      to: ['cache.redis-0'],
      delayMs: 200,
    });
    assert.equal(f.state, 'active');
    const during = (await redisPings(replica.pid, primary, PW, 10)).rtts!;
    const m = median(during);
    assert.ok(
      m >= 160 && m <= 240,
      `round trip with a 200 ms delay: ${m.toFixed(1)} ms (${during.join(', ')})`,
    );
    // The test's own client is not in the pair: untouched.
    assert.ok(
      median((await redisPings(null, primary, PW, 5)).rtts!) < 20,
      'a client outside the pair is not delayed',
    );
    const shown = await a.getFault(f.id);
    assert.ok(shown.applied.measured!.samples >= 10, JSON.stringify(shown.applied));
    const p50 = shown.applied.measured!.p50Ms!;
    assert.ok(p50 >= 160 && p50 <= 240, `measured by the proxy: ${p50}`);
    assert.notEqual(leftovers().length, 0, 'the rules are in place while active');
    const healed = await a.healFault(f.id);
    assert.equal(healed.state, 'healed');
    assert.deepEqual(leftovers(), []);
    assert.ok(median((await redisPings(replica.pid, primary, PW, 5)).rtts!) < 20, 'healed: no delay');
  });

  it('partitions two tasks both ways, and drops a share of packets', async () => {
    const [primary, replica] = [await task('cache.redis-0'), await task('cache.redis-1')];
    const f = await a.injectFault({ kind: 'partition', from: ['cache.redis-1'], to: ['cache.redis-0'] });
    assert.equal(await connects(replica.pid, primary, 3, 0.5), 0, 'replica → primary is cut');
    assert.equal(await connects(primary.pid, replica, 3, 0.5), 0, 'primary → replica is cut');
    assert.equal(await connects(null, primary, 3, 0.5), 3, 'a client outside the partition still connects');
    await a.healFault(f.id);
    assert.equal(await connects(replica.pid, primary, 3, 0.5), 3, 'healed');

    // Sides picked by the daemon: one task of the service that runs, against the rest of it.
    const picked = await a.injectFault({ kind: 'partition', service: 'cache', pick: 'one' });
    assert.deepEqual([...picked.targets].sort(), ['cache.redis-0', 'cache.redis-1'], picked.targets.join());
    assert.equal(await connects(replica.pid, primary, 3, 0.5), 0, 'picked: replica → primary is cut');
    assert.equal(await connects(null, primary, 3, 0.5), 3, 'picked: a client outside still connects');
    await a.healFault(picked.id);
    assert.equal(await connects(replica.pid, primary, 3, 0.5), 3, 'picked partition healed');

    const loss = await a.injectFault({
      kind: 'loss',
      from: ['cache.redis-1'],
      to: ['cache.redis-0'],
      probability: 0.5,
      oneWay: true,
    });
    const ok = await connects(replica.pid, primary, 40, 0.4);
    assert.ok(ok >= 6 && ok <= 34, `${ok} of 40 connections got through a 50 % loss`);
    await a.healFault(loss.id);
    assert.deepEqual(leftovers(), []);
  });

  it('pauses a task and resumes it after its duration; kills one and it is relaunched', async () => {
    const primary = await task('cache.redis-0');
    const f = await a.injectFault({ kind: 'pause', tasks: ['cache.redis-0'], durationS: 6 });
    // The signal is delivered at once; a loaded machine may take a moment to schedule the stop.
    await waitFor(() => procState(primary.pid) === 'T', 3_000, 'the task to be stopped');
    assert.ok((await redisPings(null, primary, PW, 1)).error, 'a paused Redis does not answer');
    await waitFor(
      async () => (await a.getFault(f.id)).state === 'healed',
      10_000,
      'the pause to heal itself',
    );
    assert.notEqual(procState(primary.pid), 'T');
    assert.ok((await redisPings(null, primary, PW, 1)).rtts, 'Redis answers again');

    await ready();
    const k = await a.injectFault({ kind: 'kill', service: 'cache', pick: 'random' });
    assert.equal(k.targets.length, 1);
    const victim = k.targets[0]!;
    const was = victim === 'cache.redis-0' ? primary.pid : (await task('cache.redis-1')).pid;
    await waitFor(
      async () => {
        const t = await a.getTask(victim);
        return t.pid !== was && t.state === 'healthy';
      },
      90_000,
      'the killed task to be relaunched',
    );
    const events = (await a.listFaults()).map((x) => `${x.kind}:${x.state}`);
    assert.ok(events.includes('kill:healed') && events.includes('pause:healed'), events.join(' '));
  });

  it("refuses a fault on another tenant's tasks, and a request that can never work, by code", async () => {
    const pid = (await task('cache.redis-0')).pid;
    await refusedWith(b.injectFault({ kind: 'kill', service: 'cache' }), 'SERVICE_NOT_FOUND');
    await refusedWith(b.injectFault({ kind: 'pause', tasks: ['cache.redis-0'] }), 'TASK_NOT_FOUND');
    await refusedWith(
      b.injectFault({ kind: 'partition', from: ['mine.redis-0'], to: ['cache.redis-0'] }),
      'TASK_NOT_FOUND',
    );
    assert.equal((await task('cache.redis-0')).pid, pid, "A's task untouched");
    assert.ok(['S', 'R'].includes(procState(pid)), 'running, not stopped');
    const msg = await refusedWith(
      a.injectFault({ kind: 'delay', from: ['cache.redis-1'], to: ['cache.redis-0'] }),
      'FAULT_INVALID',
    );
    assert.match(msg, /delayMs/);
    await refusedWith(a.healFault('nope'), 'FAULT_NOT_FOUND');
    assert.deepEqual(await b.listFaults(), [], "B sees none of A's faults");
  });

  it('runs an experiment to a history, a report and a verdict per checker', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-lab-report-'));
    const e = parseExperiment({
      name: 'partition-lab',
      stack: { name: 'lab' },
      durationS: 6,
      workload: { kind: 'redis', service: 'cache', rate: 40 },
      nemesis: [
        { at: 1, durationS: 2, fault: { kind: 'isolate', service: 'cache' } },
        { every: 2, start: 3, durationS: 1, fault: { kind: 'pause', service: 'cache', pick: 'random' } },
        // Refused by the daemon: the run goes on, and the report says so.
        { at: 2, fault: { kind: 'kill', service: 'nosuch' } },
      ],
      checkers: [
        { kind: 'redis-lost-writes' },
        { kind: 'command', command: ['sh', '-c', 'test -s "$0"'] },
        { kind: 'command', command: ['false'] },
      ],
    });
    const lines: string[] = [];
    try {
      const r = await runExperiment(a, e, {
        directory: '.',
        out,
        print: (l) => lines.push(l),
        readFile: () => '',
        waitReady: async (stack) => {
          await waitFor(async () => (await a.getStack(stack)).status === 'ready', 60_000, stack);
        },
      });
      assert.equal(lines.filter((l) => /^\s+\d+s /.test(l)).length, 6, lines.join('\n'));
      assert.match(lines.join('\n'), /kill refused: .*nosuch/);
      assert.deepEqual(
        r.refused.map((f) => f.kind),
        ['kill'],
      );
      assert.match(r.refused[0]!.error, /nosuch/);
      assert.match(lines.join('\n'), /faults: isolate\(cache\.redis-/);
      assert.deepEqual(
        r.checkers.map((c) => [c.kind, c.valid]),
        [
          ['redis-lost-writes', true],
          ['command', true],
          ['command', false],
        ],
      );
      assert.equal(r.valid, false, 'one checker failed: the experiment fails');
      assert.ok(Number(r.checkers[0]!.figures.acknowledged) > 50, JSON.stringify(r.checkers[0]));
      const history = fs
        .readFileSync(path.join(out, 'history.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.ok(history.some((o) => o.type === 'invoke') && history.some((o) => o.type === 'ok'));
      assert.ok(history.some((o) => o.type === 'info' && o.f === 'start-isolate'));
      assert.ok(r.faults.length >= 2, JSON.stringify(r.faults));
      const page = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
      assert.match(page, /<svg[^>]*>.*<rect/s);
      assert.match(page, /<h2>Refused faults<\/h2><ul><li>[\d.]+ s: kill: [^<]*nosuch/);
      assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')).valid, false);
      assert.deepEqual(leftovers(), [], 'every fault healed at the end');
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('heals every active fault when the daemon stops', async () => {
    const primary = await task('cache.redis-0');
    await a.injectFault({ kind: 'pause', tasks: ['cache.redis-0'] });
    await a.injectFault({ kind: 'isolate', from: ['cache.redis-1'] });
    assert.notEqual(leftovers().length, 0);
    await d.daemon.stop(false);
    assert.deepEqual(leftovers(), [], 'the chains went with the daemon');
    assert.notEqual(procState(primary.pid), 'T', 'the paused task was resumed');
    // A daemon on the same home adopts the tasks (and stops them when the test ends).
    second = await startDaemon(
      {
        home: d.home,
        host: '127.0.0.1',
        port: 0,
        portRange: [49000, 50999],
        nodes: 3,
        nodeOffer: { cpus: 2, mem: 4096, disk: 10240, ports: 100, labels: {} },
        auth: true,
        dns: { host: '127.0.0.1', port: 0 },
        artifactsDir: null,
      },
      () => undefined,
    );
  });
});
