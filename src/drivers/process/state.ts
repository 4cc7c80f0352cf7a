import type { TaskUser } from '../../core/identity.js';
import fs from 'node:fs';
import path from 'node:path';

/**
 * What the process driver reads from /proc and keeps in the sandbox to find a task again after a
 * daemon restart. A PID alone is not an identity (PIDs are reused); PID + start time + boot id is.
 */

export interface ProcStat {
  /** One letter: R, S, D, Z (zombie), X (dead), ... */
  state: string;
  ppid: number;
  pgrp: number;
  /** Field 22, clock ticks since boot; kept as a string because it is an identity, not a number to do sums on. */
  startTime: string;
}

export function readProcStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may itself hold spaces and ')', so split only after the last ')'.
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3, so field n is rest[n - 3].
  const [state, ppid, pgrp, startTime] = [rest[0], rest[1], rest[2], rest[19]];
  if (state === undefined || ppid === undefined || pgrp === undefined || startTime === undefined) return null;
  return { state, ppid: Number(ppid), pgrp: Number(pgrp), startTime };
}

/** Live (non-zombie) members of a process group: what is left of a task once its leader is gone. */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcStat(Number(entry));
    if (stat && stat.pgrp === pgid && stat.state !== 'Z') members.push(Number(entry));
  }
  return members;
}

export function processStartTime(pid: number): string | null {
  return readProcStat(pid)?.startTime ?? null;
}

/**
 * True while the very process we launched still runs. A zombie counts as gone: its exit already
 * happened, only the reaping is pending (and the reaper may be an earlier daemon in this process).
 */
export function isSameProcessAlive(pid: number, startTime: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const stat = readProcStat(pid);
  return stat !== null && stat.startTime === startTime && stat.state !== 'Z' && stat.state !== 'X';
}

let cachedBootId: string | undefined;

/** Changes at every reboot; a handle from an earlier boot never names a live process. */
export function readBootId(): string {
  cachedBootId ??= fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  return cachedBootId;
}

/** The environment the process was started with; null when unreadable (gone, another user). */
export function readEnviron(pid: number): Record<string, string> | null {
  let raw: string;
  try {
    raw = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return null;
  }
  const env: Record<string, string> = {};
  for (const entry of raw.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

/**
 * Finds the process group leader of a launch whose PID was never recorded (the daemon died between
 * recording the launch id and the PID). Every descendant inherits FLOTILLA_LAUNCH_ID, so only the
 * leader (pid = pgid, as the task was spawned detached) is the task itself.
 * Programs that rewrite their environ area (setproctitle) cannot be found this way.
 */
export function findByLaunchId(launchId: string): { pid: number; startTime: string } | null {
  const needle = Buffer.from(`\0FLOTILLA_LAUNCH_ID=${launchId}\0`);
  for (const name of fs.readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue;
    let raw: Buffer;
    try {
      raw = fs.readFileSync(`/proc/${name}/environ`);
    } catch {
      continue;
    }
    // Frame with NULs on both sides so that a longer id sharing this prefix does not match.
    if (!Buffer.concat([Buffer.from([0]), raw, Buffer.from([0])]).includes(needle)) continue;
    const stat = readProcStat(pid);
    if (stat && stat.pgrp === pid && stat.state !== 'Z' && stat.state !== 'X') {
      return { pid, startTime: stat.startTime };
    }
  }
  return null;
}

/**
 * Kept in run/task.json so that a later daemon can run exec health checks with the task's own
 * environment even when the task has rewritten its /proc environ. Mode 0600: env may hold secrets.
 */
export interface TaskFile {
  taskKey: string;
  launchId: string;
  env: Record<string, string>;
  /** The tenant's user it runs as, if any. */
  user?: TaskUser;
}

export function taskFilePath(sandbox: string): string {
  return path.join(sandbox, 'run', 'task.json');
}

export function writeTaskFile(sandbox: string, file: TaskFile): void {
  const target = taskFilePath(sandbox);
  const tmp = `${target}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(file), { mode: 0o600 });
  fs.renameSync(tmp, target);
}

export function readTaskFile(sandbox: string, launchId: string): TaskFile | null {
  try {
    const file = JSON.parse(fs.readFileSync(taskFilePath(sandbox), 'utf8')) as TaskFile;
    // A file left by another launch in the same sandbox describes another process.
    return file.launchId === launchId && typeof file.env === 'object' ? file : null;
  } catch {
    return null;
  }
}

/** Where the task runs now; the last resort to find the sandbox of an adopted task. */
export function readCwd(pid: number): string | null {
  try {
    return fs.readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return null;
  }
}

export function aliveFifoPath(sandbox: string): string {
  return path.join(sandbox, 'run', 'alive.fifo');
}

/** The read end for an adopted task; null when there is no FIFO to watch (polling takes over). */
export function reopenAliveFifo(sandbox: string): number | null {
  const fifo = aliveFifoPath(sandbox);
  try {
    if (!fs.statSync(fifo).isFIFO()) return null;
    return fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch {
    return null;
  }
}
