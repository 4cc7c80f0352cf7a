import fs from 'node:fs';
import path from 'node:path';
import { readEnviron, readProcStat } from './state.js';

/** Set in the environment of a command run inside a task (a check, nodetool): never a task itself. */
export const EXEC_MARKER = 'FLOTILLA_EXEC';

export interface Leftover {
  pid: number;
  pgid: number;
  task: string;
  why: string;
}

/**
 * Processes of this home's tasks that no task accounts for, as a daemon finds them once it has
 * adopted what it could: a command an earlier daemon ran inside a task (its health check, a plan's
 * `nodetool repair`) and that outlived it, or a launch no task records any more. Left alone they run on unseen, hold
 * ports, and run a second time beside the step the next daemon repeats.
 *
 * A process is this home's when its environment names a sandbox under `sandboxes` (a program that
 * rewrites its environment, as redis-server does, is out of reach); it is accounted for when its group is a task this daemon runs (`known`: launch id → pid),
 * when it carries a known launch id and is no command run inside one, or when it is this daemon's own.
 */
export function findLeftovers(sandboxes: string, known: ReadonlyMap<string, number>): Leftover[] {
  const root = `${path.resolve(sandboxes)}${path.sep}`;
  const pids = new Set(known.values());
  const ownPidNamespace = pidNamespace('self');
  const found: Leftover[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue;
    const stat = readProcStat(pid);
    if (!stat || stat.state === 'Z' || stat.state === 'X' || pids.has(stat.pgrp)) continue;
    // A container's processes (the Docker driver's tasks, their checks) are in a namespace of their
    // own, and their driver's to account for; one whose namespace cannot be read is left alone too.
    if (pidNamespace(String(pid)) !== ownPidNamespace) continue;
    const env = readEnviron(pid) ?? {};
    // By its environment only: a shell someone opened in a sandbox is not a task's.
    const sandbox = env.FLOTILLA_SANDBOX;
    if (!sandbox || !`${path.resolve(sandbox)}${path.sep}`.startsWith(root)) continue;
    const exec = env[EXEC_MARKER] !== undefined;
    if (!exec && env.FLOTILLA_LAUNCH_ID !== undefined && known.has(env.FLOTILLA_LAUNCH_ID)) continue;
    // This daemon's own commands (and what they started) are its children's groups.
    if (stat.ppid === process.pid || readProcStat(stat.pgrp)?.ppid === process.pid) continue;
    found.push({
      pid,
      pgid: stat.pgrp,
      task: env.FLOTILLA_TASK ?? sandbox,
      why: exec ? 'a command an earlier daemon ran in it' : 'a launch no task accounts for',
    });
  }
  return found;
}

function pidNamespace(pid: string): string | null {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return null;
  }
}

/** Kills each leftover's whole group (a command's group is its own; a stray launch's is too). */
export function killLeftovers(leftovers: Leftover[]): void {
  for (const l of leftovers) {
    try {
      process.kill(-l.pgid, 'SIGKILL');
    } catch {
      try {
        process.kill(l.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }
}
