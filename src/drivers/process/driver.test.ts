import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { isFlotillaError } from '../../core/errors.js';
import type { TaskHandle } from '../../core/task.js';
import { driverContract } from '../contract.js';
import type { TaskConfig } from '../driver.js';
import { ProcessDriver } from './driver.js';
import { readBootId, readProcStat } from './state.js';

/** A daemon home of this file's own: its tasks' cgroups are apart from any real daemon's. */
const DAEMON_HOME = path.join(os.tmpdir(), `flotilla-drv-test-${process.pid}`);

driverContract('process', () => new ProcessDriver({ daemonHome: DAEMON_HOME }));

describe('process driver', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-drv-'));
  const drivers: ProcessDriver[] = [];
  const groups = new Set<number>();
  const opts = { timeout: 10_000 };
  let counter = 0;

  function driver(options = {}): ProcessDriver {
    const d = new ProcessDriver({ daemonHome: DAEMON_HOME, ...options });
    drivers.push(d);
    return d;
  }

  async function start(d: ProcessDriver, fields: Partial<TaskConfig>) {
    const taskKey = `proc/t-${counter++}`;
    const sandbox = path.join(root, taskKey.replace('/', '-'));
    const cfg: TaskConfig = {
      taskKey,
      launchId: randomUUID(),
      sandbox,
      env: {},
      cpus: 0.1,
      mem: 32,
      ...fields,
    };
    const handle = await d.startTask(cfg);
    groups.add(handle.pid);
    return { cfg, handle, key: taskKey };
  }

  afterEach(async () => {
    for (const d of drivers.splice(0)) {
      for (let i = 0; i < counter; i++) await d.destroyTask(`proc/t-${i}`);
    }
    // Belt and braces: whatever a failed assertion left behind.
    for (const pgid of groups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    groups.clear();
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('runs the task as its own process group, writing straight to the log files', opts, async () => {
    const { handle, cfg } = await start(driver({ home: '/nonexistent-home' }), {
      cmd: 'sleep 30',
      dataDir: '/srv/flotilla/data/acme',
    });
    const stat = readProcStat(handle.pid);
    assert.equal(stat?.pgrp, handle.pid);
    assert.equal(stat?.startTime, handle.startTime);
    assert.equal(handle.bootId, readBootId());
    assert.equal(handle.sandbox, cfg.sandbox);
    assert.equal(fs.readlinkSync(`/proc/${handle.pid}/fd/1`), path.join(cfg.sandbox, 'logs', 'stdout'));
    assert.equal(fs.readlinkSync(`/proc/${handle.pid}/fd/2`), path.join(cfg.sandbox, 'logs', 'stderr'));
    assert.equal(fs.readlinkSync(`/proc/${handle.pid}/fd/3`), path.join(cfg.sandbox, 'run', 'alive.fifo'));
    assert.equal(fs.statSync(path.join(cfg.sandbox, 'run', 'task.json')).mode & 0o777, 0o600);
    const env = fs.readFileSync(`/proc/${handle.pid}/environ`, 'utf8').split('\0');
    assert.ok(env.includes(`FLOTILLA_SANDBOX=${cfg.sandbox}`));
    assert.ok(env.includes('FLOTILLA_DATA=/srv/flotilla/data/acme'));
    assert.ok(env.includes('HOME=/nonexistent-home'));
    assert.ok(env.includes(`PATH=${process.env.PATH}`));
  });

  it('names the missing program', opts, async () => {
    const d = driver();
    for (const program of ['/nonexistent/flotilla-prog', 'flotilla-no-such-prog']) {
      await assert.rejects(
        start(d, { args: [program, '--x'] }),
        (err) => isFlotillaError(err) && err.code === 'BINARY_MISSING' && err.message.includes(program),
      );
    }
  });

  it('leaves no child of the task alive after a stop', opts, async () => {
    const d = driver();
    const { key, cfg } = await start(d, { cmd: 'sleep 30 & echo $! > data/child.pid; wait' });
    const pidFile = path.join(cfg.sandbox, 'data', 'child.pid');
    while (!fs.existsSync(pidFile) || fs.readFileSync(pidFile, 'utf8') === '') await delay(20);
    const child = Number(fs.readFileSync(pidFile, 'utf8'));
    assert.ok(readProcStat(child));
    await d.stopTask(key, 2000);
    await assertExited(child);
  });

  it('adopts a task by its launch id when the PID was never recorded', opts, async () => {
    const first = driver();
    const { key, handle } = await start(first, { cmd: 'sleep 30' });
    const unrecorded: TaskHandle = { ...handle, pid: 0, startTime: '', bootId: '' };
    delete unrecorded.sandbox;
    const second = driver();
    assert.equal(await second.recoverTask(key, unrecorded), true);
    assert.deepEqual(
      [unrecorded.pid, unrecorded.startTime, unrecorded.bootId, unrecorded.sandbox],
      [handle.pid, handle.startTime, handle.bootId, handle.sandbox],
    );
    assert.equal(second.inspectTask(key)?.pid, handle.pid);
    assert.equal(await second.recoverTask(key, { ...handle, pid: 0 }), true);
    await assertNoticesKill(second, key, handle.pid, 500);
    assert.deepEqual(
      { ...(await second.waitTask(key)), at: 0 },
      { exitCode: null, signal: null, unknownStatus: true, at: 0 },
    );
  });

  it('refuses a handle from another boot, and finds nothing for an unknown launch id', opts, async () => {
    const first = driver();
    const { key, handle } = await start(first, { cmd: 'sleep 30' });
    const second = driver();
    assert.equal(await second.recoverTask(key, { ...handle, bootId: 'another-boot' }), false);
    assert.equal(await second.recoverTask(key, { ...handle, pid: 0, launchId: randomUUID() }), false);
    assert.equal(await second.recoverTask(key, { ...handle, driver: 'docker' }), false);
  });

  it('falls back to polling for an adopted task that closed fd 3', opts, async () => {
    const first = driver();
    const { key, handle, cfg } = await start(first, { cmd: 'exec 3>&-; echo ready; exec sleep 30' });
    const stdout = path.join(cfg.sandbox, 'logs', 'stdout');
    while (!fs.readFileSync(stdout, 'utf8').includes('ready')) await delay(20);
    const second = driver();
    assert.equal(await second.recoverTask(key, { ...handle }), true);
    await delay(400);
    assert.equal(second.inspectTask(key)?.running, true, 'an early EOF is not an exit');
    await assertNoticesKill(second, key, handle.pid, 600);
  });

  it('refuses to start a key that is still running, and forgets a destroyed task', opts, async () => {
    const d = driver();
    const { cfg, handle, key } = await start(d, { cmd: 'sleep 30' });
    await assert.rejects(d.startTask({ ...cfg, launchId: randomUUID() }), (e) => isFlotillaError(e));
    await d.destroyTask(key);
    assert.equal(d.inspectTask(key), null);
    await assertExited(handle.pid);
  });
});

async function assertNoticesKill(d: ProcessDriver, key: string, pid: number, withinMs: number) {
  const t0 = Date.now();
  process.kill(-pid, 'SIGKILL');
  await d.waitTask(key);
  assert.ok(Date.now() - t0 < withinMs, `noticed after ${Date.now() - t0} ms`);
}

/**
 * EOF on the FIFO comes when the exiting process drops its files, a moment before the kernel marks
 * it a zombie; allow for that moment.
 */
async function assertExited(pid: number): Promise<void> {
  const deadline = Date.now() + 200;
  let stat = readProcStat(pid);
  while (stat && stat.state !== 'Z' && Date.now() < deadline) {
    await delay(10);
    stat = readProcStat(pid);
  }
  assert.ok(stat === null || stat.state === 'Z', `process ${pid} still ${stat?.state}`);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
