import fs from 'node:fs';
import path from 'node:path';
import { isAlive } from '../../core/pids.js';

export interface DirLockOptions {
  /** How long to wait for another holder, in ms. */
  waitMs: number;
  /** A lock this old is taken to be left over by a holder that died (or whose PID was reused). */
  staleMs: number;
  pollMs?: number;
}

interface Owner {
  pid: number;
  since: number;
}

function readOwner(lockDir: string): Owner | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(lockDir, 'owner.json'), 'utf8')) as Owner;
  } catch {
    return undefined;
  }
}

/** Why the lock is left over, or undefined while its holder may still be working. */
function staleReason(lockDir: string, staleMs: number): string | undefined {
  let created: number;
  try {
    created = fs.statSync(lockDir).mtimeMs;
  } catch {
    return undefined; // just released: the next mkdir will tell
  }
  const owner = readOwner(lockDir);
  const age = Date.now() - (owner?.since ?? created);
  if (age > staleMs) return `held for ${Math.round(age / 1000)}s`;
  // No owner file yet: the holder is between mkdir and write; give it a few seconds.
  if (!owner) return Date.now() - created > 10_000 ? 'no owner recorded' : undefined;
  if (!isAlive(owner.pid)) return `holder ${owner.pid} is gone`;
  return undefined;
}

/**
 * Runs `fn` while holding `lockDir`, across processes: mkdir is atomic on a local file system, so
 * exactly one process creates the directory. A lock whose holder died is broken, so a killed install
 * never blocks the next one forever.
 */
export async function withDirLock<T>(
  lockDir: string,
  opts: DirLockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + opts.waitMs;
  fs.mkdirSync(path.dirname(lockDir), { recursive: true });
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const stale = staleReason(lockDir, opts.staleMs);
    if (stale) {
      // Rename first: of several waiters that saw the same stale lock, one moves it away and the
      // others fail the rename and simply try mkdir again.
      const moved = `${lockDir}.stale-${process.pid}-${Date.now()}`;
      try {
        fs.renameSync(lockDir, moved);
        fs.rmSync(moved, { recursive: true, force: true });
      } catch {
        // someone else broke it first
      }
      continue;
    }
    if (Date.now() > deadline) {
      const owner = readOwner(lockDir);
      throw new Error(
        `${lockDir} is still held${owner ? ` by process ${owner.pid}` : ''} after ${opts.waitMs / 1000}s`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
  }
  try {
    const owner: Owner = { pid: process.pid, since: Date.now() };
    fs.writeFileSync(path.join(lockDir, 'owner.json'), JSON.stringify(owner));
    return await fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}
