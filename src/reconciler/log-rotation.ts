import fs from 'node:fs';
import path from 'node:path';
import { sandboxPath, type Paths } from '../core/paths.js';
import type { TasksStore } from '../state/store-tasks.js';

export interface LogLimits {
  /** A task's stdout or stderr is rotated once it is larger (FLOTILLA_LOG_MAX_BYTES). */
  maxBytes: number;
  /** Rotated files kept beside it, `stdout.1` the newest (FLOTILLA_LOG_FILES); 0 = only truncate. */
  files: number;
}

export const DEFAULT_LOG_LIMITS: LogLimits = { maxBytes: 10 * 1024 * 1024, files: 3 };
const CHECK_MS = 1000;

/**
 * Rotates `file` if it passed the limit, without its writer's cooperation: the task holds the file
 * open (O_APPEND, straight from the driver) and will never reopen it, so the file is copied to
 * `.1` (older ones shifted up, the oldest dropped) and then truncated in place; the writer's next
 * append lands at offset 0. What the task writes between the copy and the truncation is copied
 * once more; only what lands in the instant after that is lost, as with logrotate's copytruncate.
 * Each rotation makes `.1` a new file (copied, then renamed), which is how a follower tells one.
 */
export function rotateIfLarge(file: string, limits: LogLimits): boolean {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    return false;
  }
  if (size <= limits.maxBytes) return false;
  if (limits.files > 0) {
    fs.rmSync(`${file}.${limits.files}`, { force: true });
    for (let i = limits.files - 1; i >= 1; i--) {
      if (fs.existsSync(`${file}.${i}`)) fs.renameSync(`${file}.${i}`, `${file}.${i + 1}`);
    }
    const tmp = `${file}.1.tmp`;
    fs.copyFileSync(file, tmp);
    appendGrowth(file, tmp);
    // The copy is made by the daemon (root, under isolation): it stays the tenant's, as its source.
    const { uid, gid } = fs.statSync(file);
    if (process.getuid?.() === 0) fs.chownSync(tmp, uid, gid);
    fs.renameSync(tmp, `${file}.1`);
  }
  fs.truncateSync(file, 0);
  return true;
}

/** Appends to `copy` what `file` gained since it was copied. */
function appendGrowth(file: string, copy: string): void {
  const copied = fs.statSync(copy).size;
  const now = fs.statSync(file).size;
  if (now <= copied) return;
  const buf = Buffer.alloc(now - copied);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, buf, 0, buf.length, copied);
  } finally {
    fs.closeSync(fd);
  }
  fs.appendFileSync(copy, buf);
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/**
 * A task's own limits: a Compose `logging.options` max-size / max-file (max-file counts the live file
 * too, as Docker's json-file does), else the daemon's.
 */
export function taskLogLimits(
  engine: { logMaxSize?: string; logMaxFile?: string } | undefined,
  limits: LogLimits,
): LogLimits {
  if (!engine) return limits;
  const m = engine.logMaxSize ? /^\s*(\d+(?:\.\d+)?)\s*([bkmg]?)/i.exec(engine.logMaxSize) : null;
  const maxBytes = m ? Math.max(1, Math.round(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!)) : limits.maxBytes;
  const files = engine.logMaxFile ? Math.max(0, Number(engine.logMaxFile) - 1) : limits.files;
  return { maxBytes, files };
}

/**
 * Every second, rotates the stdout and stderr of every task the store knows, so a task's logs
 * take at most about (files + 1) × maxBytes per stream, plus what it writes in a second.
 */
export function startLogRotation(
  tasks: TasksStore,
  paths: Paths,
  limits: LogLimits,
  log: (msg: string) => void,
): () => void {
  const timer = setInterval(() => {
    for (const t of tasks.listAll()) {
      // Only a task with a process writes to its logs: thousands waiting to launch cost no stat.
      if (!t.handle) continue;
      const dir = path.join(sandboxPath(paths, t.tenant, t.owner, t.name), 'logs');
      const own = taskLogLimits(t.spec.container?.engine, limits);
      for (const stream of ['stdout', 'stderr']) {
        try {
          rotateIfLarge(path.join(dir, stream), own);
        } catch (err) {
          log(`could not rotate ${path.join(dir, stream)}: ${String(err)}`);
        }
      }
    }
  }, CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
