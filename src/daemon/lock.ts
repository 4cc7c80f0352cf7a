import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { FlotillaError } from '../core/errors.js';

/** flock's exit code when the lock is held elsewhere (set with -E, so other failures differ). */
const HELD = 75;

/**
 * One daemon per home, held by the kernel: an exclusive flock(2) on `file`. A pid file with
 * "take over if stale" cannot be made safe — two starters that both find a stale (or a racer's
 * still empty) file each take it over — whereas a flock belongs to the open file, so it is free
 * the moment its daemon dies, even by SIGKILL, and nothing ever has to decide it is stale.
 *
 * Node has no flock of its own: the `flock` program (util-linux, as is setpriv) takes it on our
 * open file, passed as its fd 3; the lock stays with the open file after it exits. Our fd is
 * close-on-exec, so tasks the daemon spawns do not keep its home locked after it is gone. The file
 * is never removed: a starter that opened it just before the removal would lock a file no one
 * else sees.
 */
export function acquireLock(file: string): () => void {
  const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
  const r = spawnSync('flock', ['--nonblock', '--exclusive', '--conflict-exit-code', String(HELD), '3'], {
    stdio: ['ignore', 'ignore', 'pipe', fd],
  });
  if (r.status !== 0) {
    fs.closeSync(fd);
    if (r.status === HELD) {
      const pid = readPid(file);
      throw new FlotillaError(
        'DAEMON_ALREADY_RUNNING',
        `a daemon${pid ? ` (pid ${pid})` : ''} already runs for this home (${file})`,
      );
    }
    throw new Error(
      `could not lock ${file} with flock (util-linux): ${r.error?.message ?? String(r.stderr).trim()}`,
    );
  }
  // The pid is only for messages: who holds the home.
  fs.ftruncateSync(fd, 0);
  fs.writeSync(fd, String(process.pid), 0);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    fs.ftruncateSync(fd, 0);
    fs.closeSync(fd);
  };
}

function readPid(file: string): number | null {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
