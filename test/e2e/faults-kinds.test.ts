import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FlotillaClient } from '../../src/client/client.js';
import { isFlotillaError } from '../../src/core/errors.js';
import { homeIdOf } from '../../src/isolation/identity.js';
import { mountsOf, volumeSource } from '../../src/faults/disk.js';
import { ROOT_MAJOR } from '../../src/faults/shaping.js';
import { throttlesOf } from '../../src/faults/slow-disk.js';
import { startInProcessDaemon, type InProcessDaemon } from '../helpers/daemon.js';
import { adminToken, waitFor } from '../helpers/flotilla.js';
import { connects, median, redisPings, redisTransferKbit } from '../helpers/net-probe.js';
import { forgetHome } from '../../src/isolation/forget.js';

const root = process.getuid?.() === 0;
const PW = 'kinds-secret-pw';
// `near` and `far` are two Redis servers; `probe` writes a fresh 8 KiB file into its data directory twice a second and says how it went;
// `clock` writes what `date` says it is; `direct` times a 256 KiB direct write (past the page cache) into its data directory. Each app takes most of a node's 2 cpus: they run on two
// different nodes, so some task runs on another node than `far`.
const STACK = `name: kinds
services:
  near: { package: redis, options: { replicas: 0, password: ${PW}, persistence: none } }
  far: { package: redis, options: { replicas: 0, password: ${PW}, persistence: none } }
apps:
  probe:
    cmd: >-
      d="$FLOTILLA_SANDBOX/data"; [ -f "$d/before" ] || echo kept-through-the-fault > "$d/before";
      while :; do if head -c 8192 /dev/zero > "$d/probe" 2>>"$FLOTILLA_SANDBOX/data-errors"; then echo write-ok;
      else echo write-failed; fi; rm -f "$d/probe"; sleep 0.5; done
    cpus: 1.5
    mem: 32
  clock:
    cmd: while :; do date +%s > "$FLOTILLA_SANDBOX/now"; sleep 0.5; done
    cpus: 1.5
    mem: 32
  direct:
    cmd: >-
      d="$FLOTILLA_SANDBOX/data"; while :; do s=$(date +%s%N);
      dd if=/dev/zero of="$d/direct" bs=64k count=4 oflag=direct conv=notrunc status=none;
      e=$(date +%s%N); echo "direct-ms $(( (e - s) / 1000000 ))"; sleep 0.3; done
    cpus: 0.2
    mem: 32
`;

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

describe(
  'bandwidth, disk full, slow disk and clock skew on process tasks',
  { skip: !root && 'needs a root daemon' },
  () => {
    let d: InProcessDaemon;
    let a: FlotillaClient;
    const task = async (id: string) => {
      const t = await a.getTask(id);
      return { pid: t.pid!, host: t.host, port: t.ports[0]!, sandbox: t.sandbox!, launches: t.pid };
    };
    const homeId = () => homeIdOf(d.home);
    /** Every trace a fault of this home can leave: chains and rules, htb classes of its faults, volumes. */
    const leftovers = (classes: string[]) => {
      const rules = ['filter', 'nat', 'mangle']
        .map((t) => execFileSync('iptables', ['-w', '-t', t, '-S'], { encoding: 'utf8' }))
        .join('\n')
        .split('\n')
        .filter((l) => l.includes(`FLTF-${homeId()}`));
      const tc = execFileSync('tc', ['class', 'show', 'dev', 'lo'], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => classes.some((c) => l.includes(`class htb ${c} `)));
      // The fault adds no tc filter (iptables classifies): any filter on lo naming its classes is a leak.
      const filters = execFileSync('tc', ['filter', 'show', 'dev', 'lo'], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => classes.some((c) => l.includes(`flowid ${c}`)));
      return [...rules, ...tc, ...filters, ...mountsOf(volumeSource(homeId(), '')), ...throttlesOf(homeId())];
    };
    const shapedClasses: string[] = [];
    /** The clock task writes on: a fault on another task leaves it alone. */
    const anotherTaskWrites = async () => {
      const clock = await task('clock.0');
      const seen = fs.readFileSync(path.join(clock.sandbox, 'now'), 'utf8');
      await waitFor(
        async () => fs.readFileSync(path.join(clock.sandbox, 'now'), 'utf8') !== seen,
        10_000,
        'another task writing',
      );
    };

    before(async () => {
      d = await startInProcessDaemon('faults-kinds', 56000);
      await d.admin.createTenant({ name: 'a' });
      const t = await new FlotillaClient(d.daemon.info.address, {
        token: adminToken(d.home),
        tenant: 'a',
      }).createToken('tenant-admin', 'fault kinds test');
      a = new FlotillaClient(d.daemon.info.address, { token: t.token });
      await a.applyStack('kinds', STACK);
      await waitFor(async () => (await a.getStack('kinds')).status === 'ready', 120_000, 'the stack');
    });
    let stopped = false;
    after(async () => {
      if (stopped) {
        await forgetHome(d.home);
        fs.rmSync(d.home, { recursive: true, force: true });
      } else await d.stop();
      assert.deepEqual(leftovers(shapedClasses), [], 'no rule, class, filter or volume of the test is left');
    });

    it('limits the bandwidth between two tasks, as a real transfer measures it, and only theirs', async () => {
      // Two servers with no replication between them: nothing but the test's transfer crosses the pair.
      const [primary, replica] = [await task('far.redis-0'), await task('near.redis-0')];
      const bytes = 1_000_000;
      const free = await redisTransferKbit(replica.pid, primary, PW, bytes);
      assert.ok(free > 8000, `before the fault: ${free.toFixed(0)} kbit/s`);
      const f = await a.injectFault({
        kind: 'bandwidth',
        from: ['near.redis-0'],
        to: ['far.redis-0'],
        rateKbit: 2000,
      });
      shapedClasses.push(f.applied.tc!.classid, f.applied.tc!.backClassid);
      assert.ok(f.applied.tc!.classid.startsWith(`${ROOT_MAJOR}:`), JSON.stringify(f.applied));
      const achieved = await redisTransferKbit(replica.pid, primary, PW, bytes);
      assert.ok(
        achieved >= 1600 && achieved <= 2400,
        `a transfer under a 2000 kbit/s limit achieved ${achieved.toFixed(0)} kbit/s`,
      );
      // The test's own client is not in the pair: its transfer is not limited.
      const outside = await redisTransferKbit(null, primary, PW, bytes);
      assert.ok(outside > 8000, `a client outside the pair: ${outside.toFixed(0)} kbit/s`);
      // The figure the fault reports is read from its class's counters while the transfer ran.
      const shown = (await a.getFault(f.id)).applied.bandwidth!;
      assert.ok(shown.busySeconds >= 1, JSON.stringify(shown));
      assert.ok(
        shown.achievedKbit! >= 1600 && shown.achievedKbit! <= 2400,
        `reported: ${JSON.stringify(shown)}`,
      );
      assert.notDeepEqual(leftovers(shapedClasses), [], 'in place while active');
      await a.healFault(f.id);
      assert.deepEqual(leftovers(shapedClasses), []);
      const healed = await redisTransferKbit(replica.pid, primary, PW, bytes);
      assert.ok(healed > 8000, `healed: ${healed.toFixed(0)} kbit/s`);
      const msg = await refusedWith(
        a.injectFault({ kind: 'bandwidth', from: ['near.redis-0'], to: ['far.redis-0'] }),
        'FAULT_INVALID',
      );
      assert.match(msg, /rateKbit/);
    });

    it('fills a task data directory: its writes fail, nothing else is harmed, its data comes back', async () => {
      const probe = await task('probe.0');
      const dataDir = path.join(probe.sandbox, 'data');
      const stdout = path.join(probe.sandbox, 'logs', 'stdout');
      const before = fs.readFileSync(path.join(dataDir, 'before'), 'utf8');
      const f = await a.injectFault({ kind: 'disk', tasks: ['probe.0'], mode: 'full' });
      assert.equal(f.state, 'active');
      await waitFor(
        async () => mountsOf(volumeSource(homeId(), f.id)).includes(dataDir),
        30_000,
        'the volume',
      );
      const relaunched = await waitFor(
        async () => {
          const t = await a.getTask('probe.0');
          return t.pid && t.pid !== probe.pid ? t : null;
        },
        30_000,
        'the probe relaunched onto the volume',
      );
      const mark = fs.statSync(stdout).size;
      await waitFor(
        async () => fs.readFileSync(stdout, 'utf8').slice(mark).includes('write-failed'),
        15_000,
        'a failed write',
      );
      assert.match(
        fs.readFileSync(path.join(probe.sandbox, 'data-errors'), 'utf8'),
        /No space left on device/,
      );
      // Its data was copied in; another task, and the disk beside it, still write.
      assert.equal(fs.readFileSync(path.join(dataDir, 'before'), 'utf8'), before);
      assert.ok(fs.readFileSync(stdout, 'utf8').slice(mark).includes('write-failed'));
      await anotherTaskWrites();
      fs.writeFileSync(path.join(probe.sandbox, 'beside'), 'x'.repeat(65536));
      fs.rmSync(path.join(probe.sandbox, 'beside'));

      await a.healFault(f.id);
      assert.deepEqual(mountsOf(volumeSource(homeId(), '')), [], 'the volume is gone');
      await waitFor(
        async () => {
          const t = await a.getTask('probe.0');
          return t.pid && t.pid !== relaunched.pid ? t : null;
        },
        30_000,
        'the probe relaunched off the volume',
      );
      const mark2 = fs.statSync(stdout).size;
      await waitFor(
        async () => fs.readFileSync(stdout, 'utf8').slice(mark2).includes('write-ok'),
        15_000,
        'a write after heal',
      );
      assert.equal(
        fs.readFileSync(path.join(dataDir, 'before'), 'utf8'),
        before,
        'its data is back in place',
      );
      assert.equal(fs.existsSync(path.join(dataDir, '.flotilla-disk-full')), false);
      assert.deepEqual(
        fs.readdirSync(probe.sandbox).filter((n) => n.startsWith('fault-')),
        [],
        'no keep directory left',
      );
    });

    it("slows a task's disk at once, only its own, and heals it without a restart", async () => {
      const t = await task('direct.0');
      const stdout = path.join(t.sandbox, 'logs', 'stdout');
      const timings = (from: number) =>
        [
          ...fs
            .readFileSync(stdout, 'utf8')
            .slice(from)
            .matchAll(/direct-ms (\d+)/g),
        ].map((m) => Number(m[1]));
      const mark = fs.statSync(stdout).size;
      await waitFor(async () => timings(mark).length >= 3, 30_000, 'direct writes at full speed');
      const fast = timings(mark);
      // 256 KiB at 64 KiB/s: 4 s a write.
      const f = await a.injectFault({ kind: 'disk', tasks: ['direct.0'], mode: 'slow', rateKBps: 64 });
      assert.match(f.applied.blkio!.device, /^\d+:\d+$/);
      assert.ok(fs.existsSync(f.applied.blkio!.dir));
      const slowMark = fs.statSync(stdout).size;
      await waitFor(async () => timings(slowMark).length >= 3, 60_000, 'slowed writes');
      // The first may have started before the fault.
      const slow = timings(slowMark).slice(1);
      assert.ok(
        slow.every((ms) => ms >= 3000),
        `256 KiB at 64 KiB/s takes about 4 s a write: ${slow.join(', ')} ms (before: ${fast.join(', ')} ms)`,
      );
      await anotherTaskWrites();
      await a.healFault(f.id);
      assert.equal(fs.existsSync(f.applied.blkio!.dir), false, 'the throttle is gone');
      const healedMark = fs.statSync(stdout).size;
      await waitFor(async () => timings(healedMark).length >= 3, 30_000, 'writes after heal');
      const healed = timings(healedMark).slice(1);
      assert.ok(
        healed.every((ms) => ms < 1500),
        `at full speed again: ${healed.join(', ')} ms (before: ${fast.join(', ')} ms)`,
      );
      assert.equal((await a.getTask('direct.0')).pid, t.pid, 'never restarted');
    });

    it("skews a task's clock from its next start, and heals it with a restart", async () => {
      const clock = await task('clock.0');
      const now = path.join(clock.sandbox, 'now');
      const offset = () => Number(fs.readFileSync(now, 'utf8').trim()) - Date.now() / 1000;
      assert.ok(Math.abs(offset()) < 5, `before: ${offset()}`);
      const f = await a.injectFault({ kind: 'clock', tasks: ['clock.0'], offsetS: 3600 });
      assert.match(f.applied.mechanism, /libfaketime/);
      await waitFor(async () => Math.abs(offset() - 3600) < 5, 30_000, 'date, an hour ahead');
      await a.healFault(f.id);
      await waitFor(async () => Math.abs(offset()) < 5, 30_000, 'date, on time again');
      const msg = await refusedWith(a.injectFault({ kind: 'clock', tasks: ['clock.0'] }), 'FAULT_INVALID');
      assert.match(msg, /offsetS/);
    });

    it("cuts a whole virtual node off for a cluster admin only, every tenant's tasks on it", async () => {
      const far = await task('far.redis-0');
      const node = (await d.admin.listNodes()).find((n) => n.host === far.host)!;
      const msg = await refusedWith(
        a.injectFault({ kind: 'isolate', fromNodes: [node.id] }),
        'PERMISSION_DENIED',
      );
      assert.match(msg, /cluster admin/);
      // A task of tenant a on another node: the admin's fault (of tenant default) reaches it.
      const others = await Promise.all(['near.redis-0', 'probe.0', 'clock.0'].map((id) => task(id)));
      const elsewhere = others.find((t) => t.host !== far.host);
      assert.ok(elsewhere, `some task runs on another node than ${far.host}`);
      assert.equal(await connects(elsewhere.pid, far, 3, 0.5), 3, 'before');
      const f = await d.admin.injectFault({ kind: 'isolate', fromNodes: [node.id] });
      assert.deepEqual(f.targets, [node.id]);
      assert.equal(await connects(elsewhere.pid, far, 3, 0.5), 0, 'a task on another node is cut off');
      assert.equal(await connects(null, far, 3, 0.5), 3, 'a program that is no task still connects');
      await refusedWith(a.healFault(f.id), 'FAULT_NOT_FOUND');
      await d.admin.healFault(f.id);
      assert.equal(await connects(elsewhere.pid, far, 3, 0.5), 3, 'healed');
      const bad = await refusedWith(
        d.admin.injectFault({ kind: 'isolate', fromNodes: ['node-99'] }),
        'FAULT_INVALID',
      );
      assert.match(bad, /fromNodes: no virtual node node-99/);
    });

    it('delays and limits every task of one node toward another, for a cluster admin, measured by real clients', async () => {
      const far = await task('far.redis-0');
      const nodes = await d.admin.listNodes();
      const others = await Promise.all(
        ['near.redis-0', 'probe.0', 'clock.0', 'direct.0'].map((id) => task(id)),
      );
      const elsewhere = others.find((t) => t.host !== far.host)!;
      const [fromNode, toNode] = [elsewhere.host, far.host].map((h) => nodes.find((n) => n.host === h)!.id);
      const rtt = async (pid: number | null) => median((await redisPings(pid, far, PW, 7)).rtts!);
      const before = await rtt(elsewhere.pid);
      await refusedWith(
        a.injectFault({ kind: 'delay', fromNodes: [fromNode!], toNodes: [toNode!], delayMs: 200 }),
        'PERMISSION_DENIED',
      );
      const f = await d.admin.injectFault({
        kind: 'delay',
        fromNodes: [fromNode!],
        toNodes: [toNode!],
        delayMs: 200,
      });
      try {
        const during = await rtt(elsewhere.pid);
        assert.ok(
          Math.abs(during - before - 200) <= 40,
          `a 200 ms delay measured ${during.toFixed(1)} ms against ${before.toFixed(1)} ms before`,
        );
        assert.ok((await rtt(null)) < 100, 'a program that is no task is not delayed');
        const shown = (await d.admin.getFault(f.id)).applied.measured!;
        assert.ok(shown.samples >= 7 && Math.abs(shown.p50Ms! - 200) <= 40, JSON.stringify(shown));
      } finally {
        await d.admin.healFault(f.id);
      }
      assert.ok((await rtt(elsewhere.pid)) < 100, 'healed');

      const bytes = 1_000_000;
      const bw = await d.admin.injectFault({
        kind: 'bandwidth',
        fromNodes: [fromNode!],
        toNodes: [toNode!],
        rateKbit: 2000,
      });
      shapedClasses.push(bw.applied.tc!.classid, bw.applied.tc!.backClassid);
      try {
        const achieved = await redisTransferKbit(elsewhere.pid, far, PW, bytes);
        assert.ok(
          achieved >= 1600 && achieved <= 2400,
          `a transfer under a 2000 kbit/s node limit achieved ${achieved.toFixed(0)} kbit/s`,
        );
      } finally {
        await d.admin.healFault(bw.id);
      }
      assert.ok((await redisTransferKbit(elsewhere.pid, far, PW, bytes)) > 8000, 'healed');
    });

    it('heals every kind when the daemon stops: classes, rules, volume, throttle and skew gone, data back', async () => {
      const probe = await task('probe.0');
      const before = fs.readFileSync(path.join(probe.sandbox, 'data', 'before'), 'utf8');
      const bw = await a.injectFault({
        kind: 'bandwidth',
        from: ['near.redis-0'],
        to: ['far.redis-0'],
        rateKbit: 800,
      });
      shapedClasses.push(bw.applied.tc!.classid, bw.applied.tc!.backClassid);
      const disk = await a.injectFault({ kind: 'disk', tasks: ['probe.0'] });
      await waitFor(async () => mountsOf(volumeSource(homeId(), disk.id)).length > 0, 30_000, 'the volume');
      await a.injectFault({ kind: 'clock', tasks: ['clock.0'], offsetS: -7200 });
      await a.injectFault({ kind: 'disk', tasks: ['direct.0'], mode: 'slow', rateKBps: 64 });
      assert.equal(throttlesOf(homeId()).length, 1);
      assert.notDeepEqual(leftovers(shapedClasses), []);
      stopped = true;
      await d.daemon.stop(true);
      assert.deepEqual(leftovers(shapedClasses), []);
      assert.equal(fs.readFileSync(path.join(probe.sandbox, 'data', 'before'), 'utf8'), before);
      assert.deepEqual(
        fs.readdirSync('/dev/shm').filter((n) => n.includes('faketime')),
        [],
        "libfaketime's state is gone with the skewed processes",
      );
    });
  },
);
