import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { EXEC_MARKER, findLeftovers, killLeftovers } from './leftovers.js';
import { isSameProcessAlive, readProcStat } from './state.js';

describe('leftovers of an earlier daemon', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-leftovers-'));
  const sandboxes = path.join(home, 'sandboxes');
  const started: number[] = [];
  after(() => {
    for (const pid of started) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    fs.rmSync(home, { recursive: true, force: true });
  });

  /** A detached `sleep` with a task's environment, re-parented away from us as an earlier daemon's would be. */
  async function orphan(env: Record<string, string>): Promise<number> {
    const sh = spawn('/bin/sh', ['-c', 'setsid sleep 30 & echo $!'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const out = await new Promise<string>((resolve) => {
      let text = '';
      sh.stdout.on('data', (c: Buffer) => (text += c.toString()));
      sh.on('exit', () => resolve(text));
    });
    const pid = Number(out.trim());
    started.push(pid);
    return pid;
  }

  it('finds a command that outlived its daemon and a launch no task accounts for, not a known task', async () => {
    const sandbox = path.join(sandboxes, 't', 'cache', 'redis-0');
    const known = await orphan({
      FLOTILLA_SANDBOX: sandbox,
      FLOTILLA_LAUNCH_ID: 'l1',
      FLOTILLA_TASK: 't/cache.redis-0',
    });
    const command = await orphan({ FLOTILLA_SANDBOX: sandbox, FLOTILLA_LAUNCH_ID: 'l1', [EXEC_MARKER]: '1' });
    const stale = await orphan({ FLOTILLA_SANDBOX: sandbox, FLOTILLA_LAUNCH_ID: 'l0' });
    const elsewhere = await orphan({
      FLOTILLA_SANDBOX: path.join(home, 'jobs', 't', 'j1'),
      FLOTILLA_LAUNCH_ID: 'j',
    });
    const found = findLeftovers(sandboxes, new Map([['l1', known]]));
    assert.deepEqual(found.map((l) => l.pid).sort(), [command, stale].sort());
    const startTimes = [command, stale].map((pid) => readProcStat(pid)!.startTime);
    killLeftovers(found);
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(!isSameProcessAlive(command, startTimes[0]!));
    assert.ok(!isSameProcessAlive(stale, startTimes[1]!));
    assert.ok(isSameProcessAlive(known, readProcStat(known)!.startTime));
    assert.ok(isSameProcessAlive(elsewhere, readProcStat(elsewhere)!.startTime));
  });

  it(
    "leaves a container's processes to their driver (another pid namespace)",
    { skip: process.getuid?.() !== 0 && 'needs root for unshare' },
    async () => {
      const sandbox = path.join(sandboxes, 't', 'boxed', '0');
      const sh = spawn('/usr/bin/unshare', ['--pid', '--fork', 'sleep', '30'], {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          FLOTILLA_SANDBOX: sandbox,
          FLOTILLA_LAUNCH_ID: 'docker-l',
        },
        stdio: 'ignore',
        detached: true,
      });
      started.push(sh.pid!);
      // The sleep is unshare's child, pid 1 of its own namespace.
      const inside = await new Promise<number>((resolve) => {
        const look = () => {
          const child = fs
            .readdirSync('/proc')
            .filter((p) => /^\d+$/.test(p))
            .find((p) => readProcStat(Number(p))?.ppid === sh.pid);
          if (child) resolve(Number(child));
          else setTimeout(look, 20);
        };
        look();
      });
      assert.notEqual(fs.readlinkSync(`/proc/${inside}/ns/pid`), fs.readlinkSync('/proc/self/ns/pid'));
      assert.deepEqual(
        findLeftovers(sandboxes, new Map())
          .map((l) => l.pid)
          .filter((pid) => pid === inside),
        [],
      );
    },
  );
});
