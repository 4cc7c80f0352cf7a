import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import type { TaskConfig } from '../driver.js';
import type { TaskCgroup } from './cgroup-task.js';
import { findTaskCgroup, taskCgroupPath } from './cgroup-task.js';
import { parseProcCgroup } from './cgroups.js';
import { ProcessDriver } from './driver.js';
import { readProcStat } from './state.js';

/** Real processes in real cgroups; skipped, loudly, on a machine that has no writable ones. */
const DAEMON_HOME = path.join(os.tmpdir(), `flotilla-limits-test-${process.pid}`);
const support = new ProcessDriver({ daemonHome: DAEMON_HOME, warn: () => {} }).resourceLimits();

describe('process driver: cpus and mem as cgroup limits', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-limits-'));
  const started: { d: ProcessDriver; key: string; pid: number }[] = [];
  const cgroupDirs = new Set<string>();
  const opts = { timeout: 20_000 };
  let counter = 0;

  function skipWithoutCgroups(t: TestContext): boolean {
    if (support.mechanism !== 'none') return false;
    t.skip(`no writable cgroups: ${support.reason}`);
    return true;
  }

  async function start(d: ProcessDriver, fields: Partial<TaskConfig>) {
    const key = `limits/t-${counter++}`;
    const cfg: TaskConfig = {
      taskKey: key,
      launchId: randomUUID(),
      sandbox: path.join(root, key.replace('/', '-')),
      env: {},
      cpus: 0,
      mem: 0,
      ...fields,
    };
    const handle = await d.startTask(cfg);
    started.push({ d, key, pid: handle.pid });
    const cgroup = findTaskCgroup(handle.pid, DAEMON_HOME);
    assert.ok(cgroup, `task ${key} runs in no cgroup of ours`);
    for (const dir of cgroup.all) cgroupDirs.add(dir);
    return { cfg, handle, key, cgroup };
  }

  afterEach(async () => {
    for (const { d, key, pid } of started.splice(0)) {
      await d.destroyTask(key);
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Gone, as it should be.
      }
    }
  });
  after(() => {
    fs.rmSync(root, { recursive: true, force: true });
    const left = [...cgroupDirs].filter((dir) => fs.existsSync(dir));
    // A failed test may leave some; remove them so the machine stays clean, then complain.
    for (const dir of left.reverse()) fs.rmdirSync(dir);
    assert.deepEqual(left, [], 'cgroup directories left behind');
  });

  it('kills a task that outgrows its mem and says so; one within its mem keeps running', opts, async (t) => {
    if (skipWithoutCgroups(t)) return;
    const d = new ProcessDriver({ daemonHome: DAEMON_HOME });
    const alloc = (mb: number) => [
      process.execPath,
      '-e',
      `globalThis.b = Buffer.alloc(${mb} * 2 ** 20, 1); setTimeout(() => {}, 30000)`,
    ];
    const hog = await start(d, { args: alloc(200), mem: 64 });
    const modest = await start(d, { args: alloc(16), mem: 128 });
    const exit = await d.waitTask(hog.key);
    assert.equal(exit.signal, 'SIGKILL');
    assert.equal(exit.message, 'killed: out of memory (limit 64 MB)');
    await delay(300);
    assert.equal(d.inspectTask(modest.key)?.running, true);
    assert.equal(modest.cgroup.oomKills(), 0);
  });

  it(
    'holds a busy loop to its cpus, a child in the same cgroup, while one without a limit runs free',
    opts,
    async (t) => {
      if (skipWithoutCgroups(t)) return;
      const d = new ProcessDriver({ daemonHome: DAEMON_HOME, cgroups: 'strict' });
      const loop = 'sleep 30 & echo $! > data/child.pid; while :; do :; done';
      const limited = await start(d, { cmd: loop, cpus: 0.2 });
      const free = await start(d, { cmd: loop, cpus: 0 });

      const child = Number(await readWhenWritten(path.join(limited.cfg.sandbox, 'data', 'child.pid')));
      const expected = taskCgroupPath(limited.key);
      for (const pid of [limited.handle.pid, child]) {
        const paths = parseProcCgroup(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
        const named =
          support.mechanism === 'cgroup-v2' ? [paths.get('')] : [paths.get('cpu'), paths.get('memory')];
        for (const p of named) assert.ok(p?.endsWith(`/${expected}`), `pid ${pid} is in ${p}`);
      }
      assert.ok(limited.cgroup.pids().includes(child));

      const idle0 = idleCoreSeconds();
      const [a, b] = await cpuShares([limited.cgroup, free.cgroup], 1500, t);
      const idle = (idleCoreSeconds() - idle0) / 1.5;
      if (a === undefined || b === undefined) return;
      // 0.2 of a core for the limited loop, a whole one for the unlimited one if the machine has it.
      assert.ok(a < 0.35, `the limited loop used ${a.toFixed(2)} of a core`);
      assert.equal(throttled(free.cgroup), 0);
      if (idle < 0.3) {
        // Other work on a shared machine starves both: cpu.shares (205 against 1024) then holds the
        // limited one below its quota before the quota has to.
        t.diagnostic(
          `busy machine (${idle.toFixed(2)} cores idle): limited ${a.toFixed(2)}, unlimited ${b.toFixed(2)}`,
        );
        return;
      }
      assert.ok(throttled(limited.cgroup) > 0, 'the kernel never throttled the limited task');
      assert.ok(b > 0.7, `the unlimited loop used ${b.toFixed(2)} of a core, with ${idle.toFixed(2)} idle`);
    },
  );

  it("starts a task at one core's CPU weight and gives it its own once it is ready", opts, async (t) => {
    if (skipWithoutCgroups(t)) return;
    const d = new ProcessDriver({ daemonHome: DAEMON_HOME });
    const { key, cgroup } = await start(d, { cmd: 'sleep 30 & wait', cpus: 0.5 });
    const [file, full, own] =
      support.mechanism === 'cgroup-v1' ? ['cpu.shares', '1024', '512'] : ['cpu.weight', '100', '50'];
    const weight = () => fs.readFileSync(path.join(cgroup.dirs.cpu, file), 'utf8').trim();
    assert.equal(weight(), full, 'while it starts');
    d.taskReady(key);
    assert.equal(weight(), own, 'once ready');
  });

  it(
    'keeps the limits of a task adopted by a new driver, and removes its cgroup once destroyed',
    opts,
    async (t) => {
      if (skipWithoutCgroups(t)) return;
      const first = new ProcessDriver({ daemonHome: DAEMON_HOME, cgroups: 'strict' });
      const { key, handle, cgroup } = await start(first, { cmd: 'sleep 30 & wait', cpus: 0.5, mem: 48 });
      const limits = readLimits(cgroup);
      assert.deepEqual(
        limits,
        support.mechanism === 'cgroup-v1'
          ? ['50000', String(48 * 2 ** 20)]
          : ['50000 100000', String(48 * 2 ** 20)],
      );

      const second = new ProcessDriver({ daemonHome: DAEMON_HOME });
      started.push({ d: second, key, pid: handle.pid });
      assert.equal(await second.recoverTask(key, { ...handle }), true);
      const adopted = findTaskCgroup(handle.pid, DAEMON_HOME);
      assert.deepEqual(adopted?.all, cgroup.all);
      assert.deepEqual(readLimits(adopted!), limits);
      assert.equal(adopted?.memLimitMb, 48);

      await second.destroyTask(key);
      for (const dir of cgroup.all) assert.equal(fs.existsSync(dir), false, `${dir} is still there`);
      // The tenant's and the daemon's roots go with their last task.
      for (const dir of cgroup.all) assert.equal(fs.existsSync(path.dirname(path.dirname(dir))), false);
    },
  );

  it('stops what left the process group, since it is still in the cgroup', opts, async (t) => {
    if (skipWithoutCgroups(t)) return;
    const d = new ProcessDriver({ daemonHome: DAEMON_HOME });
    const { key, cfg, cgroup } = await start(d, {
      cmd: 'setsid sleep 30 & echo $! > data/child.pid; wait',
      mem: 32,
    });
    const child = Number(await readWhenWritten(path.join(cfg.sandbox, 'data', 'child.pid')));
    await waitUntil(() => readProcStat(child)?.pgrp === child);
    await d.stopTask(key, 2000);
    const stat = readProcStat(child);
    assert.ok(stat === null || stat.state === 'Z', `the escaped child ${child} still runs`);
    for (const dir of cgroup.all) assert.equal(fs.existsSync(dir), false, `${dir} is still there`);
  });

  it('runs tasks without limits, and without a warning, when turned off', opts, async () => {
    const warnings: string[] = [];
    const d = new ProcessDriver({ daemonHome: DAEMON_HOME, cgroups: 'off', warn: (m) => warnings.push(m) });
    assert.deepEqual(d.resourceLimits(), { mechanism: 'none', reason: 'turned off (FLOTILLA_CGROUPS=off)' });
    assert.equal(d.capabilities().resourceLimits, false);
    const key = `limits/t-${counter++}`;
    const handle = await d.startTask({
      taskKey: key,
      launchId: randomUUID(),
      sandbox: path.join(root, 'off'),
      cmd: 'sleep 30',
      env: {},
      cpus: 0.1,
      mem: 16,
    });
    started.push({ d, key, pid: handle.pid });
    assert.equal(findTaskCgroup(handle.pid, DAEMON_HOME), null);
    assert.deepEqual(warnings, []);
  });
});

/** The share of one core each cgroup used over `ms`, from the kernel's own accounting. */
async function cpuShares(cgroups: TaskCgroup[], ms: number, t: TestContext): Promise<(number | undefined)[]> {
  const before = cgroups.map((c) => c.cpuUsageUsec());
  const t0 = process.hrtime.bigint();
  await delay(ms);
  const after = cgroups.map((c) => c.cpuUsageUsec());
  const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
  if (before.includes(null) || after.includes(null)) {
    t.diagnostic('CPU usage is not accounted on this machine (no cpuacct): usage not measured');
    return [];
  }
  return before.map((b, i) => (after[i]! - b!) / wallUs);
}

/** Idle (and I/O wait) time of the whole machine so far, in core-seconds. */
function idleCoreSeconds(): number {
  const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  // USER_HZ is 100 on every Linux architecture Node runs on.
  return (Number(fields[4]) + Number(fields[5])) / 100;
}

/** Periods in which the kernel held the task back for its quota. */
function throttled(cgroup: TaskCgroup): number {
  const stat = fs.readFileSync(path.join(cgroup.dirs.cpu, 'cpu.stat'), 'utf8');
  return Number(/^nr_throttled (\d+)$/m.exec(stat)?.[1] ?? NaN);
}

function readLimits(cgroup: TaskCgroup): string[] {
  const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8').trim();
  return cgroup.dirs.mechanism === 'cgroup-v1'
    ? [read(cgroup.dirs.cpu, 'cpu.cfs_quota_us'), read(cgroup.dirs.memory, 'memory.limit_in_bytes')]
    : [read(cgroup.dirs.cpu, 'cpu.max'), read(cgroup.dirs.memory, 'memory.max')];
}

async function readWhenWritten(file: string): Promise<string> {
  await waitUntil(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8').trim() !== '');
  return fs.readFileSync(file, 'utf8').trim();
}

async function waitUntil(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await delay(20);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
