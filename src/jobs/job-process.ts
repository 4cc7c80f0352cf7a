import fs from 'node:fs';
import path from 'node:path';

/**
 * Run by /bin/sh around a job's driver: all of its output goes to driver.log, and its exit status
 * to a file, so that a daemon that restarted while the job ran (and adopted it) still learns how it
 * ended. A stop signals the whole group: the driver shuts down, and the shell, which traps SIGTERM
 * (a trap, unlike an ignore, is not inherited), waits for it and records its status. `wait` returns
 * early when the trap runs: it is asked again while the driver lives, and once more when it is gone,
 * since the shell may have reaped it already (then that answer is the real status, not 127).
 * Paths and argv reach it as arguments, never as shell text.
 */
export const JOB_WRAPPER =
  'log=$1; status=$2; shift 2; exec >>"$log" 2>&1; trap : TERM; "$@" & driver=$!; ' +
  'while :; do wait "$driver"; code=$?; [ "$code" -le 128 ] && break; ' +
  'kill -0 "$driver" 2>/dev/null && continue; wait "$driver"; again=$?; ' +
  '[ "$again" -ne 127 ] && code=$again; break; done; ' +
  'printf "%s\\n" "$code" > "$status.tmp" && mv "$status.tmp" "$status"; exit "$code"';

export const WRAPPER_NAME = 'flotilla-job';

export interface JobFiles {
  dir: string;
  log: string;
  status: string;
  work: string;
}

export function jobFiles(dir: string): JobFiles {
  return {
    dir,
    log: path.join(dir, 'driver.log'),
    status: path.join(dir, 'exit-status'),
    work: path.join(dir, 'work'),
  };
}

/** The wrapped argv of a job's driver. */
export function wrappedArgs(files: JobFiles, args: string[]): string[] {
  return ['/bin/sh', '-c', JOB_WRAPPER, WRAPPER_NAME, files.log, files.status, ...args];
}

/** The driver's exit status as the wrapper recorded it, or null when it did not get to. */
export function readExitStatus(files: JobFiles): number | null {
  try {
    const text = fs.readFileSync(files.status, 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}

/**
 * Reads what the driver appended to its log since the last call, in a short rolling window (a line
 * can straddle two reads), until `find` recognises what it looks for.
 */
export class LogScanner {
  private offset = 0;
  private window = '';
  found: string | undefined;

  constructor(
    private readonly file: string,
    private readonly find: (text: string) => string | undefined,
  ) {}

  scan(): string | undefined {
    if (this.found) return this.found;
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      return undefined;
    }
    try {
      const buf = Buffer.alloc(64 * 1024);
      for (;;) {
        const n = fs.readSync(fd, buf, 0, buf.length, this.offset);
        if (n <= 0) break;
        this.offset += n;
        this.window = (this.window + buf.subarray(0, n).toString('utf8')).slice(-8192);
        this.found = this.find(this.window);
        if (this.found) break;
      }
    } finally {
      fs.closeSync(fd);
    }
    return this.found;
  }
}
