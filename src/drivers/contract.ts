import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { isFlotillaError } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';
import type { Driver, ExitResult, TaskConfig } from './driver.js';

/**
 * The behaviour every driver must show, run by each driver's own test file. Tasks are plain
 * `sh` commands and checks go through the Driver interface and the sandbox only (no host PIDs),
 * so that a container driver can run the very same suite.
 *
 * `makeSandbox` returns a fresh absolute directory; the suite deletes each one it got when done.
 * `noticeMs` bounds how long after a kill the exit must be seen: an exit is noticed at once, never
 * by polling, but a container's exit reaches us through the engine and containerd, which on a
 * loaded 2-core machine takes up to about a second (the Docker driver passes 2000).
 */
export function driverContract(
  name: string,
  makeDriver: () => Driver,
  makeSandbox: () => string = () => fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-drv-')),
  noticeMs = 500,
): void {
  const started: { driver: Driver; key: string }[] = [];
  const sandboxes: string[] = [];
  let counter = 0;
  const opts = { timeout: 10_000 };

  function config(fields: Partial<TaskConfig>): TaskConfig {
    const sandbox = makeSandbox();
    sandboxes.push(sandbox);
    const taskKey = `contract/${name}-${counter++}`;
    return { taskKey, launchId: randomUUID(), sandbox, env: {}, cpus: 0.1, mem: 32, ...fields };
  }

  async function start(driver: Driver, fields: Partial<TaskConfig>) {
    const cfg = config(fields);
    const handle = await driver.startTask(cfg);
    started.push({ driver, key: cfg.taskKey });
    return { cfg, handle, key: cfg.taskKey };
  }

  /** A second driver instance, as a restarted daemon would create. */
  function restarted(key: string): Driver {
    const driver = makeDriver();
    started.push({ driver, key });
    return driver;
  }

  afterEach(async () => {
    for (const { driver, key } of started.splice(0)) await driver.destroyTask(key).catch(() => {});
  });
  after(() => {
    for (const dir of sandboxes) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe(`driver contract: ${name}`, () => {
    it('reports its name and capabilities', () => {
      const driver = makeDriver();
      assert.equal(driver.name, name);
      for (const value of Object.values(driver.capabilities())) assert.equal(typeof value, 'boolean');
    });

    it('returns the exit code of cmd (through a shell) and of args (without one)', opts, async () => {
      const driver = makeDriver();
      const a = await start(driver, { cmd: 'exit 3' });
      assert.equal(a.handle.driver, name);
      assert.equal(a.handle.launchId, a.cfg.launchId);
      assert.deepEqual(pick(await driver.waitTask(a.key)), {
        exitCode: 3,
        signal: null,
        unknownStatus: false,
      });
      const b = await start(driver, { args: ['/bin/sh', '-c', 'exit 5'] });
      assert.equal((await driver.waitTask(b.key)).exitCode, 5);
    });

    it('rejects a config without exactly one of cmd and args', opts, async () => {
      const driver = makeDriver();
      await rejectsWith(driver.startTask(config({})), 'VALIDATION_FAILED');
      await rejectsWith(driver.startTask(config({ cmd: 'true', args: ['true'] })), 'VALIDATION_FAILED');
    });

    it('lets many wait, and answers at once after the exit', opts, async () => {
      const driver = makeDriver();
      const { key } = await start(driver, { cmd: 'sleep 0.2; exit 2' });
      const [x, y] = await Promise.all([driver.waitTask(key), driver.waitTask(key)]);
      assert.deepEqual(x, y);
      const t0 = Date.now();
      assert.deepEqual(await driver.waitTask(key), x);
      assert.ok(Date.now() - t0 < 50);
      assert.equal(driver.inspectTask(key)?.running, false);
    });

    it(`notices an exit within ${noticeMs} ms of the kill`, opts, async () => {
      const driver = makeDriver();
      const { key } = await start(driver, { cmd: 'sleep 30' });
      await delay(100);
      assert.equal(driver.inspectTask(key)?.running, true);
      const t0 = Date.now();
      await driver.signalTask(key, 'SIGKILL');
      const result = await driver.waitTask(key);
      assert.ok(Date.now() - t0 < noticeMs, `noticed after ${Date.now() - t0} ms`);
      assert.ok(killedBy(result, 'SIGKILL', 137), JSON.stringify(result));
    });

    it('appends stdout and stderr to sandbox/logs and passes env, cwd and the launch id', opts, async () => {
      const driver = makeDriver();
      const script =
        'echo "out $MY_VAR $FLOTILLA_TASK $FLOTILLA_LAUNCH_ID"; echo err >&2; ' +
        '[ "$MESOS_SANDBOX" = "$FLOTILLA_SANDBOX" ] && [ "$(pwd -P)" = "$(cd "$FLOTILLA_SANDBOX" && pwd -P)" ] && echo same';
      const a = await start(driver, { cmd: script, env: { MY_VAR: 'v1' } });
      await driver.waitTask(a.key);
      const again = await driver.startTask({ ...a.cfg, launchId: randomUUID(), env: { MY_VAR: 'v2' } });
      await driver.waitTask(a.key);
      const out = fs.readFileSync(path.join(a.cfg.sandbox, 'logs', 'stdout'), 'utf8');
      assert.equal(out, `out v1 ${a.key} ${a.cfg.launchId}\nsame\nout v2 ${a.key} ${again.launchId}\nsame\n`);
      assert.equal(fs.readFileSync(path.join(a.cfg.sandbox, 'logs', 'stderr'), 'utf8'), 'err\nerr\n');
      for (const dir of ['data', 'logs', 'run'])
        assert.ok(fs.statSync(path.join(a.cfg.sandbox, dir)).isDirectory());
    });

    it('stops with SIGTERM, and escalates to SIGKILL after the grace period', opts, async () => {
      const driver = makeDriver();
      const polite = await start(driver, { cmd: 'sleep 30' });
      await delay(50);
      let t0 = Date.now();
      await driver.stopTask(polite.key, 5000);
      assert.ok(Date.now() - t0 < 1000);
      assert.ok(killedBy(await driver.waitTask(polite.key), 'SIGTERM', 143));

      const stubborn = await start(driver, { cmd: "trap '' TERM; echo ready; while :; do sleep 0.05; done" });
      await waitForFile(path.join(stubborn.cfg.sandbox, 'logs', 'stdout'), 'ready');
      t0 = Date.now();
      await driver.stopTask(stubborn.key, 300);
      const elapsed = Date.now() - t0;
      assert.ok(elapsed >= 280 && elapsed < 3000, `stopped after ${elapsed} ms`);
      assert.ok(killedBy(await driver.waitTask(stubborn.key), 'SIGKILL', 137));
      await driver.stopTask(stubborn.key, 100); // gone already: resolves
    });

    it('kills the whole task, children included', opts, async () => {
      const driver = makeDriver();
      const beat = 'while :; do echo beat >> data/beat; sleep 0.05; done';
      const { key, cfg } = await start(driver, { cmd: `(${beat}) & wait` });
      const file = path.join(cfg.sandbox, 'data', 'beat');
      await waitForFile(file, 'beat');
      await driver.stopTask(key, 2000);
      const size = fs.statSync(file).size;
      await delay(300);
      assert.equal(fs.statSync(file).size, size, 'the child kept beating after the stop');
    });

    it('delivers signals to the task', opts, async () => {
      const driver = makeDriver();
      const { key, cfg } = await start(driver, {
        cmd: "trap 'echo got-usr1; exit 7' USR1; echo ready; while :; do sleep 0.05; done",
      });
      await waitForFile(path.join(cfg.sandbox, 'logs', 'stdout'), 'ready');
      await driver.signalTask(key, 'SIGUSR1');
      assert.equal((await driver.waitTask(key)).exitCode, 7);
      await rejectsWith(driver.signalTask(key, 'SIGUSR1'), 'TASK_NOT_RUNNING');
    });

    it('recovers a running task from a new driver instance, and notices its exit at once', opts, async () => {
      const first = makeDriver();
      const { key, handle } = await start(first, { cmd: 'sleep 30' });
      const saved = JSON.parse(JSON.stringify(handle)) as typeof handle;
      const second = restarted(key);
      assert.equal(await second.recoverTask(key, saved), true);
      assert.equal(await second.recoverTask(key, saved), true, 'recovering twice gives the same answer');
      assert.equal(second.inspectTask(key)?.running, true);
      await delay(50);
      const t0 = Date.now();
      await first.signalTask(key, 'SIGKILL');
      await second.waitTask(key);
      assert.ok(Date.now() - t0 < noticeMs, `noticed after ${Date.now() - t0} ms`);
      assert.equal(second.inspectTask(key)?.running, false);
      assert.equal(await second.recoverTask(key, saved), false);
    });

    it('refuses to recover a dead task or one whose start time differs', opts, async () => {
      const first = makeDriver();
      const dead = await start(first, { cmd: 'exit 0' });
      await first.waitTask(dead.key);
      const second = restarted(dead.key);
      assert.equal(await second.recoverTask(dead.key, { ...dead.handle }), false);
      assert.equal(second.inspectTask(dead.key), null);

      const alive = await start(first, { cmd: 'sleep 30' });
      const other = restarted(alive.key);
      assert.equal(await other.recoverTask(alive.key, { ...alive.handle, startTime: '1' }), false);
      assert.equal(other.inspectTask(alive.key), null);
    });

    it('runs exec commands in the task environment, with a timeout', opts, async () => {
      const driver = makeDriver();
      const { key } = await start(driver, { cmd: 'sleep 30', env: { MY_VAR: 'hello' } });
      const ok = await driver.execTask(key, 'echo "$MY_VAR"; echo oops >&2; exit 4', 5000);
      assert.deepEqual(ok, { exitCode: 4, output: 'hello\noops\n', timedOut: false });
      const big = await driver.execTask(key, "head -c 10000 /dev/zero | tr '\\0' x", 5000);
      assert.ok(big.output.length <= 4096 && big.output.length > 0);
      const t0 = Date.now();
      const slow = await driver.execTask(key, 'sleep 5', 200);
      assert.equal(slow.timedOut, true);
      assert.ok(Date.now() - t0 < 1500);
      await driver.stopTask(key, 1000);
      await rejectsWith(driver.execTask(key, 'true', 1000), 'TASK_NOT_RUNNING');
    });

    it('says TASK_NOT_FOUND for an unknown key, and destroying one is a no-op', opts, async () => {
      const driver = makeDriver();
      await rejectsWith(driver.waitTask('nope'), 'TASK_NOT_FOUND');
      await rejectsWith(driver.stopTask('nope', 100), 'TASK_NOT_FOUND');
      await rejectsWith(driver.signalTask('nope', 'SIGTERM'), 'TASK_NOT_FOUND');
      await rejectsWith(driver.execTask('nope', 'true', 100), 'TASK_NOT_FOUND');
      assert.equal(driver.inspectTask('nope'), null);
      await driver.destroyTask('nope');
    });
  });
}

function pick(r: ExitResult) {
  return { exitCode: r.exitCode, signal: r.signal, unknownStatus: r.unknownStatus };
}

/** A container runtime may report a signal death as 128 + the signal number. */
function killedBy(r: ExitResult, signal: string, code: number): boolean {
  return r.signal === signal || r.exitCode === code;
}

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (err) => isFlotillaError(err) && err.code === code);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitForFile(file: string, text: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes(text))) {
    if (Date.now() > deadline) throw new Error(`${file} never contained ${text}`);
    await delay(20);
  }
}
