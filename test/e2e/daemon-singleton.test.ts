import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { daemonEntry } from '../../src/cli/daemon-process.js';
import { isAlive, TestHome, waitFor } from '../helpers/flotilla.js';

/** The daemons of `home`: processes running the daemon's entry point with FLOTILLA_HOME set to it. */
function daemonsOf(home: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || !isAlive(Number(entry))) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const env = fs.readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (cmdline.includes(daemonEntry()) && env.includes(`FLOTILLA_HOME=${home}`)) found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

describe('one daemon per home', () => {
  const homes: TestHome[] = [];
  after(async () => {
    for (const h of homes) await h.cleanup();
  });

  it('several CLIs autostarting at once end with one daemon, every command served', async () => {
    const h = new TestHome();
    homes.push(h);
    // As a daemon killed with SIGKILL leaves it: a lock naming a process that is gone.
    const gone = spawnSync('true').pid;
    fs.writeFileSync(path.join(h.home, 'daemon.lock'), String(gone));
    const results = await Promise.all(Array.from({ length: 12 }, () => h.cli(['ps'], 60_000)));
    for (const r of results) assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    // The losers of the start race exit on their own: wait for them, then count.
    const pid = h.daemonInfo()!.pid;
    await waitFor(() => daemonsOf(h.home).length === 1, 10_000, 'the losing daemons to exit');
    assert.deepEqual(daemonsOf(h.home), [pid]);
  });

  it('a daemon that does not answer (stopped) still holds its home: a second one exits 3', async () => {
    const h = new TestHome();
    homes.push(h);
    await h.ok(['ps']);
    const pid = h.daemonInfo()!.pid;
    process.kill(pid, 'SIGSTOP');
    try {
      const second = spawn(process.execPath, [daemonEntry()], { env: h.env, stdio: 'ignore' });
      const code = await new Promise<number | null>((r) => second.on('exit', (c) => r(c)));
      assert.equal(code, 3);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    assert.deepEqual(daemonsOf(h.home), [pid]);
  });
});
