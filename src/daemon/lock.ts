import fs from 'node:fs';
import { FlotillaError } from '../core/errors.js';

/**
 * One daemon per home. The lock file holds the owner's pid; a lock whose owner is gone (a daemon
 * killed with SIGKILL) is stale and taken over.
 */
export function acquireLock(file: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return () => {
        if (readPid(file) === process.pid) fs.rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = readPid(file);
      if (pid && pid !== process.pid && isAlive(pid)) {
        throw new FlotillaError(
          'DAEMON_ALREADY_RUNNING',
          `a daemon (pid ${pid}) already runs for this home (${file})`,
        );
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new FlotillaError('DAEMON_ALREADY_RUNNING', `could not take the lock ${file}`);
}

function readPid(file: string): number | null {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Alive and not a zombie: a daemon killed with SIGKILL stays a zombie until its parent reaps it. */
function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
